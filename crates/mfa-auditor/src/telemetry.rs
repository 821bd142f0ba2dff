//! The one place that sets up logging: to stderr, as text (every control character escaped,
//! see `log_writer`) or JSON, at a level from `-v`/`-q` unless `RUST_LOG` says otherwise.

use crate::log_writer::EscapeControls;
use std::io::IsTerminal;
use tracing_subscriber::fmt::writer::MakeWriterExt;
use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Log targets capped below the level at which they log credentials or signed requests.
const SECRET_BEARING_TARGETS: [&str; 8] = [
    "aws_smithy_runtime=info",
    "aws_smithy_runtime_api=info",
    "aws_smithy_http_client=info",
    "aws_sigv4=info",
    "aws_credential_types=info",
    "aws_config=info",
    // The HTTP client of the notifications stays quiet below info: a webhook URL is a secret.
    "reqwest=info",
    "hyper_util=info",
];

/// `verbosity`: -1 quiet, 0 normal, 1 debug, 2+ trace (for this project's crates only).
pub fn init(format: LogFormat, verbosity: i8) {
    let ours = match verbosity {
        i8::MIN..=-1 => "warn",
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let default = format!(
        "warn,mfa_auditor={ours},mfa_sweep={ours},mfa_collector={ours},mfa_store={ours},\
         mfa_notify={ours}"
    );
    let from_environment = EnvFilter::try_from_default_env().ok();
    let chosen = from_environment.is_some();
    let mut filter = from_environment.unwrap_or_else(|| EnvFilter::new(default));
    // Whatever RUST_LOG asks, the AWS SDK's verbose events stay off: at debug and trace they
    // print resolved credentials and signed requests (session key ids and tokens).
    for cap in SECRET_BEARING_TARGETS {
        if let Ok(directive) = cap.parse() {
            filter = filter.add_directive(directive);
        }
    }
    // The SDK's configuration warns with its internals (a credential provider's error dumped
    // whole, at every call); the binary's own error names the same cause once. -v, or RUST_LOG,
    // shows them.
    if !chosen && verbosity < 1 {
        if let Ok(directive) = "aws_config=error".parse() {
            filter = filter.add_directive(directive);
        }
    }
    let writer = std::io::stderr.with_max_level(tracing::Level::TRACE);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = match format {
        // Names from AWS reach the fields: every control character is escaped, so colours
        // (escape sequences themselves) are off. JSON escapes what it carries.
        LogFormat::Text => builder
            .with_writer(EscapeControls(writer))
            .with_ansi(false)
            .try_init(),
        LogFormat::Json => builder
            .with_writer(writer)
            .with_ansi(std::io::stderr().is_terminal())
            .json()
            .flatten_event(true)
            .try_init(),
    };
}

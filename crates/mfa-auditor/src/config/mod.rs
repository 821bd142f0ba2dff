//! Configuration: the TOML file, then the standard environment variables (`DATABASE_URL`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`), then `MFA_AUDITOR__<SECTION>__<KEY>` overrides.
//!
//! `sources.rs` layers them into a `RawConfig` (`raw.rs`: what the sources say, with the
//! defaults); `validate.rs` checks it into an [`AuditConfig`] (what is true). Every error names
//! the file (or environment variable) and the key, and never repeats a secret. `secrets.rs`
//! reads each secret from where it was given (`KEY`, `KEY_env`, `KEY_file`); `limits.rs`
//! checks `[limits]`, `notify.rs` `[notify]`, and `metrics.rs` `[metrics]`, the report page's
//! credentials included; `env_names.rs` finds the `MFA_AUDITOR` variables that set nothing.

mod checker;
mod env_names;
mod exceptions_file;
mod limits;
mod metrics;
mod notify;
mod raw;
mod secrets;
mod sources;
mod validate;

pub use exceptions_file::load_exceptions;

use mfa_collector::{
    AuditReads, AuditRole, AwsSettings, LimitSettings, RegionScope, ReportSettings,
};
use mfa_sweep::{Scope, WhenBusy};
use secrecy::SecretString;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A configuration error: where, which key, what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or the environment variable the value came from.
    pub origin: String,
    /// `section.key`, or empty when the whole source is at fault.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: key `{}`: {}", self.origin, self.key, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

/// The checked configuration.
#[derive(Debug)]
pub struct AuditConfig {
    pub database: DatabaseConfig,
    /// Days of per-resource detail kept; trends are kept for ever.
    pub keep_days: u32,
    pub aws: AwsSettings,
    /// Where `aws.endpoint_url` came from (the file, or a variable), for messages about AWS.
    pub aws_origin: String,
    pub limits: LimitSettings,
    pub role: AuditRole,
    pub scope: Scope,
    /// Where user pools are searched: listed regions (each once), or every region enabled in
    /// each account.
    pub regions: RegionScope,
    /// Accounts being audited at once, most of them waiting for IAM.
    pub accounts_in_flight: usize,
    /// Why `accounts_in_flight` is lower than configured (a global cap), for sweeps to warn.
    pub accounts_in_flight_lowered: Option<String>,
    pub account_deadline: Duration,
    /// What a sweep does when another one holds the lock.
    pub when_busy: WhenBusy,
    /// How long IAM may take to prepare a credential report, and how old one may be before
    /// every user's console password is confirmed live.
    pub credential_report: ReportSettings,
    /// What is read beyond the five controls (`[audit] mfa_devices`, `[audit] policies`).
    pub reads: AuditReads,
    /// How long a database write retries before the sweep spools to a file.
    pub write_retry: Duration,
    pub spool_dir: PathBuf,
    pub schedule: Schedule,
    /// Where `serve` answers `/metrics` and `/healthz`; `None` when disabled.
    pub metrics_listen: Option<SocketAddr>,
    /// Who may read `GET /report` on that listener; `None`: the page is off.
    pub report_page: Option<ReportAccess>,
    pub exceptions: ExceptionsSettings,
    pub notify: NotifySettings,
    /// What the sources hold that sets nothing (an `MFA_AUDITOR` variable that names no key),
    /// for the binary to warn about.
    pub warnings: Vec<String>,
}

/// Where notifications go after each sweep, and how long each may take.
#[derive(Debug, Clone)]
pub struct NotifySettings {
    pub webhooks: Vec<mfa_notify::Webhook>,
    pub send: mfa_notify::SendSettings,
}

/// Accepted risks: where the exceptions file is, and how far ahead its dates may go.
#[derive(Debug, Clone)]
pub struct ExceptionsSettings {
    /// `None`: no exceptions file.
    pub file: Option<PathBuf>,
    /// An exception within this many days of its end is reported as expiring.
    pub warn_days: u32,
    /// No exception may end more than this many days ahead.
    pub max_days: u32,
}

/// The HTTP Basic credentials `GET /report` asks for.
#[derive(Debug, Clone)]
pub struct ReportAccess {
    pub user: String,
    pub password: SecretString,
}

/// When `serve` sweeps, and how it stops.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub cron: croner::Cron,
    /// The expression as written, for messages.
    pub cron_text: String,
    pub timezone: chrono_tz::Tz,
    /// Accounts in flight get this long to finish after SIGTERM or Ctrl-C.
    pub stop_grace: Duration,
    /// `serve` finishes an interrupted latest sweep rather than starting a new one.
    pub resume_interrupted: bool,
    /// `serve` sweeps once as soon as it starts, then on the schedule.
    pub sweep_at_start: bool,
}

#[derive(Debug)]
pub struct DatabaseConfig {
    /// May hold a password: never printed whole. `None` when not configured.
    pub url: Option<SecretString>,
    /// Where the URL came from (or should come from), for messages.
    pub origin: String,
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

/// The local stack's file (the emulator and a scratch database), read when no file is named.
pub const DEFAULT_FILE: &str = "config/default.toml";

/// Which configuration file is read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChosenFile {
    pub path: PathBuf,
    /// Neither `--config` nor `MFA_AUDITOR_CONFIG` named one: the local stack's, relative to
    /// the current directory.
    pub by_default: bool,
    /// `MFA_AUDITOR_CONFIG` named it (and `--config` was not given).
    pub from_variable: bool,
}

/// `--config`, else `MFA_AUDITOR_CONFIG` (empty or blank is unset), else [`DEFAULT_FILE`].
pub fn choose_file(flag: Option<&Path>, env: &HashMap<String, String>) -> ChosenFile {
    let named = flag.map(Path::to_path_buf).or_else(|| {
        env.get("MFA_AUDITOR_CONFIG")
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from)
    });
    ChosenFile {
        by_default: named.is_none(),
        from_variable: flag.is_none() && named.is_some(),
        path: named.unwrap_or_else(|| PathBuf::from(DEFAULT_FILE)),
    }
}

impl AuditConfig {
    /// What the local stack's file, read by default, points at: said at start, since on a real
    /// deployment it points at nothing and every error would name only its symptom.
    pub fn default_file_notice(&self) -> String {
        let endpoint = self
            .aws
            .endpoint_url
            .as_deref()
            .unwrap_or("none (real AWS)");
        let database = self.database.url.as_ref().map_or_else(
            || "not set".to_string(),
            |url| mfa_store::describe_url(secrecy::ExposeSecret::expose_secret(url)),
        );
        format!(
            "no --config given and MFA_AUDITOR_CONFIG is not set: using {DEFAULT_FILE}, the local \
             stack's configuration (AWS endpoint {endpoint}, database {database}); for a real \
             organization give --config FILE (config/example.toml is a start)"
        )
    }
}

/// The configuration of the file `--config` (`flag`) or `env` names, else the local stack's
/// (see [`choose_file`]), with a warning for what a person should know it holds: that it is the
/// local stack's, and each variable that sets nothing.
pub fn load_chosen(
    flag: Option<&Path>,
    env: &HashMap<String, String>,
) -> anyhow::Result<AuditConfig> {
    let file = choose_file(flag, env);
    let config = match load(&file.path, env) {
        Ok(config) => config,
        // The file itself at fault: say that it was the default one, read from where.
        Err(error) if file.by_default && Path::new(&error.origin) == file.path => {
            let here =
                std::env::current_dir().map_or_else(|_| "?".into(), |d| d.display().to_string());
            return Err(anyhow::Error::new(error).context(format!(
                "no --config given and MFA_AUDITOR_CONFIG is not set, so the local stack's \
                 {DEFAULT_FILE} is used, relative to {here}"
            )));
        }
        // A file the variable named: say so, since the command line does not show it.
        Err(error) if file.from_variable && Path::new(&error.origin) == file.path => {
            return Err(anyhow::Error::new(error)
                .context("the configuration file is the one MFA_AUDITOR_CONFIG names"));
        }
        Err(error) => return Err(error.into()),
    };
    if file.by_default {
        tracing::warn!("{}", config.default_file_notice());
    }
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

/// Loads the file at `path` and layers the environment `env` over it.
pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<AuditConfig, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: String::new(),
        message: format!("cannot read the configuration file: {e}"),
    })?;
    from_str(&text, &origin, env)
}

/// Parses configuration text; `origin` names it in errors.
pub fn from_str(
    text: &str,
    origin: &str,
    env: &HashMap<String, String>,
) -> Result<AuditConfig, ConfigError> {
    let warnings = env_names::unread(env, &sources::default_table())?;
    let (raw, origins) = sources::merge(text, origin, env)?;
    let mut config = validate::validate(raw, origin, &origins, env)?;
    config.warnings = warnings;
    Ok(config)
}

#[cfg(test)]
mod tests;

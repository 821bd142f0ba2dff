//! Errors a person can act on (issue 21, part 4): each case as a user met it, run with the real
//! binary, and the words the message must say. No message may say a cause twice, and no input
//! may make the binary panic.

#![allow(clippy::unwrap_used)]

mod common;

use common::text;
use mfa_testkit::repo_root;
use std::process::{Command, Output};

/// The binary from the repository's root with a configuration file, nothing of the test's own
/// environment that configures it (`MFA_AUDITOR_*`, `AWS_*`, `DATABASE_URL`) but `env`.
fn run(config: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"));
    command.current_dir(repo_root());
    for (key, _) in std::env::vars() {
        if key.starts_with("MFA_AUDITOR") || key.starts_with("AWS_") || key == "DATABASE_URL" {
            command.env_remove(key);
        }
    }
    if let Some(config) = config {
        command.args(["--config", config]);
    }
    command.args(args).envs(env.iter().copied());
    command.output().unwrap()
}

/// stderr of a run that must have failed with exit 1 and said it plainly.
fn failure(output: &Output) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_said_once(&stderr);
    stderr
}

/// No error line says the same cause twice (`X: X`): each `: `-separated part of it, of some
/// length, is there once.
fn assert_said_once(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    for line in stderr.lines().filter(|l| l.starts_with("error: ")) {
        let parts: Vec<&str> = line.split(": ").filter(|p| p.len() > 12).collect();
        for part in &parts {
            assert_eq!(
                parts.iter().filter(|p| *p == part).count(),
                1,
                "{part:?} said twice: {line}"
            );
        }
    }
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn a_database_on_a_closed_port_is_said_refused_naming_host_and_port() {
    let port = closed_port();
    let url = format!("postgres://postgres@127.0.0.1:{port}/mfa_auditor");
    let output = run(
        Some("config/default.toml"),
        &["report"],
        &[("DATABASE_URL", &url)],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(&format!(
            "error: database.url from DATABASE_URL: cannot connect to PostgreSQL: connection \
             refused at 127.0.0.1:{port} (database mfa_auditor)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("pool timed out"), "{stderr}");
}

#[tokio::test]
async fn report_on_a_database_never_migrated_says_to_run_migrate() {
    let url = mfa_testkit::fresh_database().await;
    let output = run(
        Some("config/default.toml"),
        &["report"],
        &[("DATABASE_URL", &url)],
    );
    let stderr = failure(&output);
    let name = url.rsplit('/').next().unwrap();
    assert!(
        stderr.contains(&format!(
            "/{name} holds no mfa-auditor tables: run `mfa-auditor migrate`"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("does not exist"), "{stderr}");

    // Once migrated, the same command says what is missing then: a sweep.
    let migrate = run(
        Some("config/default.toml"),
        &["migrate"],
        &[("DATABASE_URL", &url)],
    );
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    let output = run(
        Some("config/default.toml"),
        &["report"],
        &[("DATABASE_URL", &url)],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains("the database holds no sweep yet: run `mfa-auditor sweep` first"),
        "{stderr}"
    );
}

#[test]
fn report_as_of_a_day_after_today_is_refused_as_a_bad_argument() {
    // Two days ahead: still ahead if the day changes while the test runs.
    let later = chrono::Utc::now().date_naive() + chrono::Days::new(2);
    let output = run(
        Some("config/default.toml"),
        &["report", "--as-of", &later.to_string()],
        &[],
    );
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "invalid value '{later}' for '--as-of <YYYY-MM-DD>': {later} is after today ("
        )) && stderr.contains("leave out --as-of for the latest sweep"),
        "{stderr}"
    );
    // Refused as a date that is no date is: a usage error, before anything is read.
    let malformed = run(
        Some("config/default.toml"),
        &["report", "--as-of", "2026-13-01"],
        &[],
    );
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(output.status.code(), malformed.status.code(), "{stderr}");
    assert!(!stderr.contains("database"), "{stderr}");
}

/// A configuration without an AWS endpoint (real AWS, as config/example.toml), in `dir`.
fn real_aws_config(dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("real-aws.toml");
    std::fs::write(
        &file,
        "[database]\nurl = \"postgres://auditor@127.0.0.1:1/mfa_auditor\"\n\n[aws]\nregion = \
         \"us-east-1\"\n",
    )
    .unwrap();
    file.display().to_string()
}

fn scratch_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("mfa_errors_{name}_{}", std::process::id()))
}

/// `AWS_ENDPOINT_URL=` (empty) made the SDK build an endpoint of "" and panic (exit 101). Empty,
/// blank or malformed, no variable the SDK or the configuration reads may do that: each is
/// unset, or refused by name (exit 1). One attempt per call: a call that cannot be made fails
/// at once, and no call reaches AWS with real credentials (there are none).
#[test]
fn no_empty_or_malformed_variable_makes_the_binary_panic() {
    let config = real_aws_config(&scratch_dir("panic"));
    let variables = [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_STS",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_SDK_UA_APP_ID",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE",
        "AWS_REQUEST_CHECKSUM_CALCULATION",
        "DATABASE_URL",
    ];
    for variable in variables {
        for value in ["", " ", "garbage", "http://"] {
            let output = run(
                Some(&config),
                &["accounts"],
                &[
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                    ("AWS_EC2_METADATA_DISABLED", "true"),
                    ("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS", "1"),
                    (variable, value),
                ],
            );
            let stderr = text(&output.stderr);
            assert!(
                matches!(output.status.code(), Some(0 | 1)) && !stderr.contains("panicked"),
                "{variable}={value:?}: exit {:?}: {stderr}",
                output.status.code()
            );
        }
    }
}

//! Errors a person can act on (issue 21, part 4): each case as a user met it, run with the real
//! binary, and the words the message must say. No message may say a cause twice, and no input
//! may make the binary panic.

#![allow(clippy::unwrap_used)]

mod common;

use common::text;
use mfa_testkit::repo_root;
use std::path::Path;
use std::process::{Command, Output};

/// The binary from the repository's root with a configuration file, nothing of the test's own
/// environment that configures it (`MFA_AUDITOR_*`, `AWS_*`, `DATABASE_URL`) but `env`.
fn run(config: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_in(&repo_root(), config, args, env)
}

/// [`run`] in `dir`.
fn run_in(dir: &Path, config: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"));
    command.current_dir(dir);
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
            "error: database.url from DATABASE_URL: cannot connect to PostgreSQL at \
             127.0.0.1:{port}/mfa_auditor: connection refused at 127.0.0.1:{port}: is the server \
             running"
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
fn real_aws_config(dir: &Path) -> String {
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

/// A stand-in for an instance metadata service that refuses every request as a proxy does
/// (`403`): what a machine outside EC2 behind such a proxy answers.
fn forbidding_metadata_service() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 403 Forbidden\r\ncontent-length: 15\r\nconnection: close\r\n\r\ndenied by proxy",
            );
        }
    });
    port
}

/// No credentials anywhere: said once, before any call, with every place the SDK's chain looked
/// and what each said; never six retries of a "transient failure" about the metadata service
/// nor the SDK's internals.
#[test]
fn no_aws_credentials_say_where_they_were_looked_for() {
    let dir = scratch_dir("credentials");
    let config = real_aws_config(&dir);
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let refused = format!("http://127.0.0.1:{}", closed_port());
    let forbidden = format!("http://127.0.0.1:{}", forbidding_metadata_service());
    for (metadata, it_said) in [
        (refused.as_str(), "Connection refused"),
        (forbidden.as_str(), "failed to load IMDS session token"),
    ] {
        let output = run(
            Some(&config),
            &["accounts"],
            &[
                ("HOME", home.to_str().unwrap()),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata),
            ],
        );
        let stderr = failure(&output);
        for line in [
            "error: no AWS credentials found; looked, in order, in:\n",
            "\n  - the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): ",
            "\n  - the profile (AWS_PROFILE, else `default`) in ~/.aws/config and \
             ~/.aws/credentials",
            "\n  - a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN",
            "\n  - the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "\n  - the EC2 instance metadata service (an instance role): ",
        ] {
            assert!(stderr.contains(line), "{line:?} in {stderr}");
        }
        assert!(stderr.contains(it_said), "{it_said}: {stderr}");
        for never in ["attempts", "ConnectionFailure", "ProviderError", "WARN"] {
            assert!(!stderr.contains(never), "{never}: {stderr}");
        }
    }
}

/// sqlx puts PostgreSQL's message in its own and returns it as its cause too: printed cause by
/// cause it came two or three times. Said once.
#[test]
fn a_cause_is_said_once() {
    let admin = mfa_testkit::admin_database_url();
    let (_, rest) = admin.split_once("://").unwrap();
    let host_and_database = rest.split_once('@').map_or(rest, |(_, host)| host);
    let url = format!("postgres://mfa_errors_no_such_role@{host_and_database}");
    let output = run(
        Some("config/default.toml"),
        &["report"],
        &[("DATABASE_URL", &url)],
    );
    let stderr = failure(&output);
    assert_eq!(
        stderr
            .matches("role \"mfa_errors_no_such_role\" does not exist")
            .count(),
        1,
        "{stderr}"
    );
}

/// Without `--config` the local stack's `config/default.toml` is read: said at start with the
/// endpoint and database it names, and an error reaching AWS names that endpoint and that file.
/// Here a stand-in for it, in a directory of the test's own, naming closed ports.
#[test]
fn without_config_the_default_file_and_its_endpoint_are_named() {
    let dir = scratch_dir("default_config");
    std::fs::create_dir_all(dir.join("config")).unwrap();
    let (aws, database) = (closed_port(), closed_port());
    std::fs::write(
        dir.join("config/default.toml"),
        format!(
            "[database]\nurl = \"postgres://postgres@127.0.0.1:{database}/mfa_auditor\"\n\n\
             [aws]\nendpoint_url = \"http://127.0.0.1:{aws}\"\n"
        ),
    )
    .unwrap();
    let output = run_in(
        &dir,
        None,
        &["accounts"],
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS", "1"),
            ("MFA_AUDITOR_CONFIG", ""),
        ],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(&format!(
            "WARN no --config given and MFA_AUDITOR_CONFIG is not set: using config/default.toml, \
             the local stack's configuration (AWS endpoint http://127.0.0.1:{aws}, database \
             127.0.0.1:{database}/mfa_auditor); for a real organization give --config FILE"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "error: cannot read the organization from the AWS endpoint http://127.0.0.1:{aws} \
             (aws.endpoint_url from config/default.toml): "
        )) && stderr.contains("Connection refused"),
        "{stderr}"
    );

    // No such file where the command runs: the error says which file was looked for, and why.
    let elsewhere = scratch_dir("no_default_config");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let stderr = failure(&run_in(&elsewhere, None, &["migrate"], &[]));
    assert!(
        stderr.contains(&format!(
            "error: no --config given and MFA_AUDITOR_CONFIG is not set, so the local stack's \
             config/default.toml is used, relative to {}: config/default.toml: cannot read the \
             configuration file",
            elsewhere.display()
        )),
        "{stderr}"
    );
}

/// `eu-west-9` looks like a region and is none: refused by name before any call, with the names
/// it may have meant, instead of a round of retries and an undecided Cognito.5 per account.
#[test]
fn a_region_aws_does_not_have_is_refused_by_name() {
    let output = run(
        Some("config/default.toml"),
        &["sweep"],
        &[(
            "MFA_AUDITOR__AUDIT__REGIONS",
            "[\"us-east-1\", \"eu-west-9\"]",
        )],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(
            "error: environment variable MFA_AUDITOR__AUDIT__REGIONS: key `audit.regions`: \
             \"eu-west-9\" is no region of the aws partition (did you mean eu-west-1, eu-west-2, \
             eu-west-3?)"
        ),
        "{stderr}"
    );
}

/// A file with a webhook, replaced by the `MFA_AUDITOR__NOTIFY__WEBHOOK` list.
fn config_with_a_webhook(dir: &Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("with-webhook.toml");
    std::fs::write(
        &file,
        "[database]\nurl = \"postgres://auditor@127.0.0.1:1/mfa_auditor\"\n\n\
         [[notify.webhook]]\nurl = \"https://hooks.example/from-the-file\"\nformat = \"slack\"\n",
    )
    .unwrap();
    file.display().to_string()
}

/// A webhook set by `MFA_AUDITOR__NOTIFY__WEBHOOK` is that variable's fault, not the file's; a
/// variable spelt with one underscore is named with the right spelling, instead of being
/// ignored; any other `MFA_AUDITOR` variable that sets nothing is warned about.
#[test]
fn variables_are_named_for_what_they_set_or_do_not_set() {
    let config = config_with_a_webhook(&scratch_dir("variables"));
    let output = run(
        Some(&config),
        &["report"],
        &[(
            "MFA_AUDITOR__NOTIFY__WEBHOOK",
            "[{url = \"https://hooks.example/from-the-variable\", format = \"teams\"}]",
        )],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(
            "error: environment variable MFA_AUDITOR__NOTIFY__WEBHOOK: key \
             `notify.webhook[1].format`: \"teams\" is not \"json\" or \"slack\""
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("with-webhook.toml"), "{stderr}");

    let output = run(
        Some(&config),
        &["report"],
        &[("MFA_AUDITOR_LIMITS__CONCURRENCY", "8")],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(
            "error: environment variable MFA_AUDITOR_LIMITS__CONCURRENCY: is not read: a key is \
             set by MFA_AUDITOR__<SECTION>__<KEY>"
        ) && stderr.contains("did you mean MFA_AUDITOR__LIMITS__CONCURRENCY?"),
        "{stderr}"
    );

    // Read on: a warning, then the command's own outcome (here the database is not there).
    let output = run(
        Some(&config),
        &["report"],
        &[
            ("MFA_AUDITOR_CONCURENCY", "8"),
            ("MFA_AUDITOR_PYTHON", "python3"),
        ],
    );
    let stderr = failure(&output);
    assert!(
        stderr.contains(
            "WARN environment variable MFA_AUDITOR_CONCURENCY is not read: it names no \
             configuration key (MFA_AUDITOR__<SECTION>__<KEY> sets one; MFA_AUDITOR_CONFIG names \
             the file)"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("MFA_AUDITOR_PYTHON"), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
}

/// A mistyped key: one line naming the file and the key, nothing repeated after it (the TOML
/// parser's own "in `section`" is the key again).
#[test]
fn a_mistyped_key_is_one_line_naming_file_and_key() {
    let dir = scratch_dir("mistyped-key");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, "[organization]\naudit_rolename = \"MfaAuditRole\"\n").unwrap();
    let stderr = failure(&run(Some(file.to_str().unwrap()), &["accounts"], &[]));
    let wanted = format!(
        "error: {}: key `organization.audit_rolename`: unknown field `audit_rolename`, expected \
         one of `audit_role_name`,",
        file.display()
    );
    assert!(stderr.starts_with(&wanted), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr:?}");
    assert!(!stderr.contains("\n  in "), "{stderr:?}");
}

/// A file named by MFA_AUDITOR_CONFIG that cannot be read: the error says which variable named
/// it, since the command line does not show it.
#[test]
fn a_file_mfa_auditor_config_names_is_said_to_come_from_it() {
    let stderr = failure(&run(
        None,
        &["accounts"],
        &[("MFA_AUDITOR_CONFIG", "/nonexistent/mfa-auditor.toml")],
    ));
    assert!(
        stderr.contains(
            "the configuration file is the one MFA_AUDITOR_CONFIG names: \
             /nonexistent/mfa-auditor.toml: cannot read the configuration file"
        ),
        "{stderr}"
    );
}

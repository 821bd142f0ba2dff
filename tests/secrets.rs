//! Secrets never leak: a sweep with a distinctive ExternalId (read from a file, as a Kubernetes
//! Secret volume or systemd's `LoadCredential=` hands it), at the most verbose log level, with
//! some accounts failing, and neither that value nor any session credential the emulator issued
//! appears in the logs, the reports (every format), a dump of the database, or the spool file
//! (the database is taken away mid-sweep so that there is one, then the spool is imported).
//! And a secret given in the wrong place stops the program with a message that names the
//! variable and the key, never the value.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, spool_files, sweep_losing_the_database, text, Auditor};
use mfa_testkit::{fresh_database, repo_root, Emulator, TcpRelay};
use serde_json::json;
use std::process::Command;

const EXTERNAL_ID: &str = "ExtId-7c1e-Zebra-Quartz-9f2b";

#[tokio::test]
async fn no_secret_reaches_logs_reports_or_the_database() {
    let emulator = Emulator::start();
    let expected = emulator.seed_with_external_id(EXTERNAL_ID);
    let mut auditor = Auditor::new(fresh_database().await, emulator.endpoint.clone());
    // The emulator denies AssumeRole without this ExternalId: a sweep that assesses accounts
    // read it from the file, trailing newline dropped.
    let id_file = std::env::temp_dir().join(format!("mfa-external-id-{}", std::process::id()));
    std::fs::write(&id_file, format!("{EXTERNAL_ID}\n")).unwrap();
    auditor.env = vec![
        (
            "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE".into(),
            id_file.display().to_string(),
        ),
        ("RUST_LOG".into(), "trace".into()),
    ];
    // Some accounts fail: AssumeRole denied, Cognito failing in a region.
    let denied = account_named(&expected, "sandbox-bob");
    let failing = account_named(&expected, "prod-web");
    emulator.set_faults(json!({
        "deny_assume_role": [denied],
        "cognito_faults": [{"account": failing, "region": "eu-west-1", "error": "AccessDeniedException"}],
    }));

    let relay = TcpRelay::start(&TcpRelay::target_of(&auditor.database_url));
    let direct_url = auditor.database_url.clone();
    auditor.database_url = relay.url_for(&direct_url);
    let (sweep, _) =
        sweep_losing_the_database(&auditor, &["-vv"], 2, || relay.down(), || relay.up()).await;
    assert_eq!(sweep.status.code(), Some(1), "{}", text(&sweep.stderr));
    let spool = spool_files(&auditor);
    assert_eq!(spool.len(), 1, "the sweep spooled: {spool:?}");
    let spool_path = spool[0].display().to_string();

    let mut outputs = vec![
        ("sweep stdout".to_string(), text(&sweep.stdout)),
        ("sweep stderr".to_string(), text(&sweep.stderr)),
        (
            "spool file".to_string(),
            std::fs::read_to_string(&spool[0]).unwrap(),
        ),
    ];
    for args in [
        vec!["-vv", "import", &spool_path],
        vec!["-vv", "--log-format", "json", "report"],
        vec!["report", "--format", "json"],
        vec!["report", "--format", "csv"],
        vec!["accounts"],
    ] {
        let output = auditor.run(&args);
        assert!(
            matches!(output.status.code(), Some(0 | 2)),
            "{args:?}: {}",
            text(&output.stderr)
        );
        outputs.push((format!("{args:?} stdout"), text(&output.stdout)));
        outputs.push((format!("{args:?} stderr"), text(&output.stderr)));
    }
    let sweep_log = &outputs[1].1;
    let _ = std::fs::remove_dir_all(&auditor.spool_dir);
    let _ = std::fs::remove_file(&id_file);
    assert!(
        sweep_log.contains("TRACE") || sweep_log.contains("DEBUG"),
        "verbose logs were on"
    );
    assert!(
        outputs[7].1.contains("AccessDenied"),
        "the failures are in the report"
    );
    assert!(
        outputs[7].1.contains("\"outcome\": \"assessed\""),
        "the ExternalId was read from its file: AssumeRole succeeded"
    );

    assert!(
        outputs[2].1.contains("\"record\":\"account\""),
        "the spool holds accounts"
    );
    let dump = Command::new("pg_dump")
        .args(["--data-only", "--no-owner", &direct_url])
        .output()
        .unwrap();
    assert!(dump.status.success(), "{}", text(&dump.stderr));
    let dump = text(&dump.stdout);
    assert!(dump.contains("sts:AssumeRole"), "the dump holds the sweep");
    outputs.push(("pg_dump".into(), dump));

    let mut secrets = emulator.issued_credentials();
    assert!(
        secrets.len() >= 3 * 20,
        "the sweep was issued session credentials"
    );
    secrets.push(EXTERNAL_ID.to_string());
    for (place, content) in &outputs {
        for secret in &secrets {
            assert!(
                !content.contains(secret.as_str()),
                "a secret ({}…) is in {place}",
                &secret[..4]
            );
        }
    }
}

/// (the environment, what the message names, the secret it must not repeat)
type WrongSecret<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

/// As a new user tried it: a Slack webhook URL in `MFA_AUDITOR__NOTIFY__WEBHOOK` (where the list
/// of webhooks goes), and other secrets given wrongly. Each stops the program (exit 1) with a
/// message naming the variable and the key, and the value appears nowhere, even at trace level.
#[test]
fn a_secret_given_wrongly_is_named_and_never_repeated() {
    let cases: [WrongSecret; 4] = [
        (
            &[(
                "MFA_AUDITOR__NOTIFY__WEBHOOK",
                "https://hooks.slack.com/services/T0/B1/Issue20-Secret-3f9",
            )],
            "environment variable MFA_AUDITOR__NOTIFY__WEBHOOK: key `notify.webhook`",
            "Issue20-Secret-3f9",
        ),
        (
            &[
                ("MFA_AUDITOR__NOTIFY__WEBHOOK", "[{url_env = \"HOOK\"}]"),
                ("HOOK", "hooks.slack.com/services/T0/B1/Env-Secret-7c2"),
            ],
            "key `notify.webhook[1].url_env`: is not a URL",
            "Env-Secret-7c2",
        ),
        (
            &[
                ("MFA_AUDITOR__DATABASE__URL_ENV", "PG_URL"),
                ("PG_URL", "mysql://auditor:Db-Secret-1a8@db/x"),
            ],
            "key `database.url_env`: must be a postgres:// or postgresql:// URL",
            "Db-Secret-1a8",
        ),
        (
            &[(
                "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE",
                "Ext-Secret-In-The-Path-Key-5d3",
            )],
            "key `organization.external_id_file`: must be an absolute path",
            "Ext-Secret-In-The-Path-Key-5d3",
        ),
    ];
    // config/example.toml reads the ExternalId from a file deployments provide: cleared here,
    // so that each case stops at its own key.
    let clear_external_id = ("MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID_FILE", "");
    for (vars, named, secret) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
            .current_dir(repo_root())
            .args(["--config", "config/example.toml", "-vv", "migrate"])
            .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .env("RUST_LOG", "trace")
            .env(clear_external_id.0, clear_external_id.1)
            .envs(vars.iter().copied())
            .output()
            .unwrap();
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(named), "{named}: {stderr}");
        assert!(
            !stderr.contains(secret) && !stdout.contains(secret),
            "{secret} repeated: {stderr}"
        );
    }
}

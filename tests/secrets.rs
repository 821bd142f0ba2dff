//! Secrets never leak: a sweep with a distinctive ExternalId, at the most verbose log level, with
//! some accounts failing, and neither that value nor any session credential the emulator issued
//! appears in the logs, the reports (every format), a dump of the database, or the spool file
//! (the database is taken away mid-sweep so that there is one, then the spool is imported).

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, spool_files, sweep_losing_the_database, text, Auditor};
use mfa_testkit::{fresh_database, Emulator, TcpRelay};
use serde_json::json;
use std::process::Command;

const EXTERNAL_ID: &str = "ExtId-7c1e-Zebra-Quartz-9f2b";

#[tokio::test]
async fn no_secret_reaches_logs_reports_or_the_database() {
    let emulator = Emulator::start();
    let expected = emulator.seed_with_external_id(EXTERNAL_ID);
    let mut auditor = Auditor::new(fresh_database().await, emulator.endpoint.clone());
    auditor.env = vec![
        (
            "MFA_AUDITOR__ORGANIZATION__EXTERNAL_ID".into(),
            EXTERNAL_ID.into(),
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
    assert!(
        sweep_log.contains("TRACE") || sweep_log.contains("DEBUG"),
        "verbose logs were on"
    );
    assert!(
        outputs[7].1.contains("AccessDenied"),
        "the failures are in the report"
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

//! Accepted risks, end to end: the exceptions file as `sweep` and `serve` read it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, text};

#[tokio::test]
async fn a_bad_exceptions_file_stops_sweep_and_serve_sweeps_without_it() {
    let (_emulator, _expected, auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-exceptions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("exceptions.toml");
    std::fs::write(
        &file,
        "[[exception]]\nid = \"ci\"\ncontrols = [\"IAM.99\"]\naccounts = [\"123456789012\"]\n\
         owner = \"o\"\nreason = \"r\"\nexpires = 2027-01-01\n",
    )
    .unwrap();
    let file_var = file.display().to_string();
    let env = [("MFA_AUDITOR__EXCEPTIONS__FILE", file_var.as_str())];

    let sweep = auditor.run_with(&["sweep"], &env);
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{file_var}, exception \"ci\": key `controls`: \"IAM.99\" is not a control"
        )),
        "{stderr}"
    );
    assert!(
        auditor.run(&["report"]).status.code() == Some(1),
        "no sweep was recorded"
    );

    // The nightly service: the error is logged and the sweep runs with no exception applied.
    let serve = auditor.run_with(
        &["serve", "--once"],
        &[env[0], ("MFA_AUDITOR__METRICS__LISTEN", "")],
    );
    let stderr = text(&serve.stderr);
    assert_eq!(serve.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("this sweep applies no exception"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

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

fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn entry(id: &str, scope: &str, expires: chrono::NaiveDate) -> String {
    format!(
        "[[exception]]\nid = \"{id}\"\n{scope}\nowner = \"{id}@example.com\"\n\
         reason = \"accepted for the test\"\nexpires = {expires}\n\n"
    )
}

#[tokio::test]
async fn exceptions_mark_findings_in_every_output_and_stop_counting_the_day_after() {
    let (_emulator, expected, auditor) = setup().await;
    let prod_web = common::account_named(&expected, "prod-web");
    let today = chrono::Utc::now().date_naive();
    let dir = std::env::temp_dir().join(format!("mfa-exceptions-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("exceptions.toml");
    let file_var = file.display().to_string();
    let env = [("MFA_AUDITOR__EXCEPTIONS__FILE", file_var.as_str())];
    // Two of prod-web's failing users under IAM.19; one exception covering nothing; one expired.
    let users = format!(
        "controls = [\"IAM.19\"]\naccounts = [\"{prod_web}\"]\n\
         resources = [\"arn:aws:iam::*:user/console-none\", \"arn:aws:iam::*:user/programmatic-none\"]"
    );
    write(
        &file,
        &format!(
            "{}{}{}",
            entry("prod-web-users", &users, today + chrono::Days::new(100)),
            entry(
                "spare",
                "controls = [\"IAM.5\"]\naccounts = [\"999999999999\"]",
                today + chrono::Days::new(100)
            ),
            entry(
                "old",
                "controls = [\"*\"]\nresources = [\"*\"]",
                today - chrono::Days::new(1)
            ),
        ),
    );

    let sweep = auditor.run_with(&["sweep", "--fail-on-findings"], &env);
    let stdout = text(&sweep.stdout);
    assert_eq!(
        sweep.status.code(),
        Some(3),
        "other failures remain: {stdout}"
    );
    assert!(stdout.contains("Exceptions: 2 apply"), "{stdout}");
    assert!(
        stdout.contains("expired, no longer applied: old"),
        "{stdout}"
    );

    let report = auditor.json_report();
    common::compare_with_expected(&report, &expected);
    let account = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == prod_web.as_str())
        .unwrap();
    let iam19 = account["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control_id"] == "IAM.19")
        .unwrap();
    let mut excepted = Vec::new();
    let mut failed = 0;
    for resource in iam19["resources"].as_array().unwrap() {
        if resource["status"] == "FAILED" {
            failed += 1;
        }
        if !resource["exception"].is_null() {
            assert_eq!(resource["status"], "FAILED", "the fact stays");
            assert_eq!(resource["exception"]["id"], "prod-web-users");
            assert_eq!(resource["exception"]["owner"], "prod-web-users@example.com");
            excepted.push(resource["resource_id"].as_str().unwrap().to_string());
        }
    }
    excepted.sort();
    assert_eq!(
        excepted,
        vec![
            format!("arn:aws:iam::{prod_web}:user/console-none"),
            format!("arn:aws:iam::{prod_web}:user/programmatic-none"),
        ]
    );
    assert_eq!(iam19["failed_unexcepted"], failed - 2);
    let states: Vec<(String, String)> = report["sweep"]["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().into(),
                e["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        states,
        vec![
            ("old".into(), "expired".into()),
            ("prod-web-users".into(), "active".into()),
            ("spare".into(), "active".into()),
        ]
    );

    let text_report = text(&auditor.run(&["report"]).stdout);
    assert!(
        text_report.contains("prod-web-users: 2 findings, owner prod-web-users@example.com"),
        "{text_report}"
    );
    let csv = text(&auditor.run(&["report", "--format", "csv"]).stdout);
    assert!(
        csv.contains(",prod-web-users,prod-web-users@example.com,"),
        "{csv}"
    );

    let listing = auditor.run_with(&["exceptions"], &env);
    let listing = text(&listing.stdout);
    for (id, state, findings) in [
        ("prod-web-users", "active", "2"),
        ("spare", "unused", "0"),
        ("old", "expired", "0"),
    ] {
        assert!(
            listing.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.len() > 3 && words[0] == id && words[1] == state && words[2] == findings
            }),
            "{id} {state} {findings}\n{listing}"
        );
    }
    let views = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT resource_id, exception_id, exception_owner FROM current_findings
         WHERE exception_id IS NOT NULL ORDER BY resource_id",
    )
    .await;
    assert_eq!(views.len(), 2, "{views:?}");
    let status = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT exception_id, state, findings_covered::text FROM exceptions_status
         ORDER BY exception_id",
    )
    .await;
    let status: Vec<Vec<String>> = status
        .into_iter()
        .map(|row| row.into_iter().map(|c| c.unwrap()).collect())
        .collect();
    assert_eq!(
        status,
        vec![
            vec!["old".to_string(), "expired".into(), "0".into()],
            vec!["prod-web-users".to_string(), "active".into(), "2".into()],
            vec!["spare".to_string(), "unused".into(), "0".into()],
        ]
    );

    // Every failure accepted: --fail-on-findings no longer fails (2: an account errors).
    write(
        &file,
        &entry(
            "all",
            "controls = [\"*\"]\nresources = [\"*\"]",
            today + chrono::Days::new(10),
        ),
    );
    let sweep = auditor.run_with(&["sweep", "--fail-on-findings"], &env);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stdout));
    assert!(text(&sweep.stdout).contains("expiring within 30 days: all"));

    // The exception ended yesterday: the next sweep counts the findings again, untouched.
    write(
        &file,
        &entry("prod-web-users", &users, today - chrono::Days::new(1)),
    );
    let sweep = auditor.run_with(&["sweep", "--fail-on-findings"], &env);
    assert_eq!(sweep.status.code(), Some(3));
    let report = auditor.json_report();
    let excepted = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["controls"].as_array().unwrap())
        .flat_map(|c| c["resources"].as_array().unwrap())
        .filter(|r| !r["exception"].is_null())
        .count();
    assert_eq!(excepted, 0, "an expired exception covers nothing");
    let listing = text(&auditor.run_with(&["exceptions"], &env).stdout);
    assert!(
        listing.contains("prod-web-users               expired"),
        "{listing}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

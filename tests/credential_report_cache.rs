//! The credential report as AWS serves it: generated at most every four hours and served as it
//! was then. A report IAM made before the audit is confirmed live, at a cost that grows with the
//! users that need confirming, and every verdict is the state now.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, setup, text};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// (resource id → (status, evidence)) of one control of one account.
fn resources(report: &Value, account: &str, control: &str) -> BTreeMap<String, (String, Value)> {
    let account = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == account)
        .unwrap();
    let control = account["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control_id"] == control)
        .unwrap();
    control["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource_id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                (
                    r["status"].as_str().unwrap().to_string(),
                    r["evidence"].clone(),
                ),
            )
        })
        .collect()
}

fn calls(requests: &[Value], operation: &str, account: &str) -> usize {
    requests
        .iter()
        .filter(|r| r["operation"] == operation && r["account"] == account)
        .count()
}

#[tokio::test]
async fn a_report_iam_made_hours_ago_is_confirmed_live_and_every_change_is_decided_as_it_is_now() {
    let (emulator, expected, auditor) = setup().await;
    // IAM's four-hour cache: the second sweep is served the first sweep's report.
    emulator.set_faults(json!({"credential_report_cache_seconds": 4 * 3600}));
    let prod_web = account_named(&expected, "prod-web");
    let dev_web = account_named(&expected, "dev-web");

    emulator.clear_requests();
    let first = auditor.run(&["sweep"]);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first.stderr));
    let requests = emulator.requests();
    assert!(
        !requests.iter().any(|r| r["operation"] == "ListUsers"),
        "a report IAM made for this audit is used alone"
    );

    // Between the sweeps, five changes the cached report does not show.
    emulator.change_users(
        &prod_web,
        json!([
            {"enable_virtual_mfa": "console-none"},
            {"deactivate_mfa": "console-virtual"},
            {"delete_user": "programmatic-none"},
            {"create_user": "newcomer", "kind": "console_none"},
        ]),
    );
    emulator.change_users(&dev_web, json!([{"delete_login_profile": "console-none"}]));

    emulator.clear_requests();
    let second = auditor.run(&["sweep"]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));
    let report = auditor.json_report();

    let iam19 = resources(&report, &prod_web, "IAM.19");
    let status = |name: &str| iam19.get(name).map(|(s, _)| s.as_str());
    assert_eq!(
        status("console-none"),
        Some("PASSED"),
        "enabled MFA since: {iam19:?}"
    );
    assert_eq!(
        status("console-virtual"),
        Some("FAILED"),
        "its only device deactivated since"
    );
    assert_eq!(status("programmatic-none"), None, "deleted since");
    assert_eq!(
        status("newcomer"),
        Some("FAILED"),
        "created since, without MFA"
    );
    assert_eq!(status("jess"), Some("PASSED"), "unchanged");
    let evidence = |name: &str| &iam19[name].1;
    assert_eq!(
        evidence("console-none")["source"],
        "iam:ListVirtualMFADevices"
    );
    assert_eq!(evidence("console-virtual")["source"], "iam:ListMFADevices");
    assert_eq!(evidence("newcomer")["in_report"], false);
    assert_eq!(
        evidence("newcomer")["console_source"],
        "iam:GetLoginProfile"
    );
    assert_eq!(evidence("jess")["report_freshness"], "cached");
    assert!(evidence("jess")["report_age_seconds"].as_i64().unwrap() >= 0);

    let iam5 = resources(&report, &prod_web, "IAM.5");
    let console: BTreeMap<&str, &str> = iam5
        .iter()
        .map(|(k, (s, _))| (k.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        console,
        BTreeMap::from([
            ("console-none", "PASSED"),
            ("console-virtual", "FAILED"),
            ("jess", "PASSED"),
            ("newcomer", "FAILED"),
        ])
    );
    // dev-web's only console user lost its password: no console user is left.
    assert!(resources(&report, &dev_web, "IAM.5").is_empty());
    assert_eq!(
        resources(&report, &dev_web, "IAM.19")["console-none"].0,
        "FAILED"
    );

    // What it cost: the users listed once; a device read per user without a virtual device
    // (console-virtual, newcomer: the read that confirms their MFA lists their devices too, with
    // the default [audit] mfa_devices), one per user with a virtual device for its kinds
    // (console-none, jess): one per user, never two; a console check per user without MFA
    // (console-virtual, newcomer).
    let requests = emulator.requests();
    assert_eq!(calls(&requests, "ListUsers", &prod_web), 1);
    assert_eq!(calls(&requests, "ListMFADevices", &prod_web), 4);
    assert_eq!(calls(&requests, "GetLoginProfile", &prod_web), 2);
    // dev-web: console-none, programmatic-none and no-credentials have no virtual device and
    // no MFA: three of each.
    assert_eq!(calls(&requests, "ListMFADevices", &dev_web), 3);
    assert_eq!(calls(&requests, "GetLoginProfile", &dev_web), 3);

    // A report older than [audit] credential_report_max_age_seconds: every user's console
    // password is read live too (prod-web has four users now).
    emulator.clear_requests();
    let third = auditor.run_with(
        &["sweep"],
        &[("MFA_AUDITOR__AUDIT__CREDENTIAL_REPORT_MAX_AGE_SECONDS", "0")],
    );
    assert_eq!(third.status.code(), Some(2), "{}", text(&third.stderr));
    let requests = emulator.requests();
    assert_eq!(calls(&requests, "GetLoginProfile", &prod_web), 4);
    let report = auditor.json_report();
    let jess = &resources(&report, &prod_web, "IAM.5")["jess"].1;
    assert_eq!(jess["report_freshness"], "too_old");
    assert_eq!(jess["console_source"], "iam:GetLoginProfile");
}

#[tokio::test]
async fn a_report_that_takes_seconds_to_make_is_polled_at_most_twice_not_backed_off() {
    let (emulator, expected, auditor) = setup().await;
    // As on AWS: a new report is ready seconds after its generation starts.
    emulator.set_faults(json!({"credential_report_generation_seconds": 2}));
    emulator.clear_requests();
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let requests = emulator.requests();
    // Once at once (a report is sometimes ready at once), once when it should be ready: never
    // more, as a doubling backoff would. Once alone where the first poll came late enough to
    // find the report made (a loaded machine: 2 cores running this test beside others).
    let polls: Vec<(String, usize)> = common::assessed_accounts(&expected)
        .into_iter()
        .map(|account| {
            let polls = calls(&requests, "GetCredentialReport", &account);
            (account, polls)
        })
        .collect();
    assert!(
        polls.iter().all(|(_, polls)| (1..=2).contains(polls)),
        "{polls:?}"
    );
    assert!(
        polls.iter().any(|(_, polls)| *polls == 2),
        "the report took 2 s to make, yet no account waited for it: {polls:?}"
    );
}

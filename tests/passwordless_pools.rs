//! Cognito.5 as Security Hub evaluates it now: only user pools whose sign-in is password-only
//! are in scope. A pool that allows a passwordless first factor (passkeys, one-time codes) is
//! kept as NOT_APPLICABLE, and every format says why; each pool is read with one
//! `DescribeUserPool`, which carries both the MFA setting and the sign-in policy; a pool that
//! leaves or enters the scope is a change like any other.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, searched_pools, setup, text, Auditor};
use serde_json::{json, Value};

fn cognito<'a>(report: &'a Value, account: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == account)
        .and_then(|a| {
            a["controls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["control_id"] == "Cognito.5")
        })
        .unwrap_or_else(|| panic!("no Cognito.5 for {account}"))
}

fn pool<'a>(control: &'a Value, name: &str) -> &'a Value {
    control["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["evidence"]["user_pool_name"] == name)
        .unwrap_or_else(|| panic!("no pool {name} in {control}"))
}

fn output(auditor: &Auditor, args: &[&str]) -> String {
    let out = auditor.run(args);
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test]
async fn a_pool_that_allows_passwordless_sign_in_is_not_evaluated_and_every_format_says_why() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();

    // dev-api's only pool allows passkeys: nothing in scope, the control NOT_APPLICABLE.
    let dev_api = account_named(&expected, "dev-api");
    let control = cognito(&report, &dev_api);
    assert_eq!(control["status"], "NOT_APPLICABLE", "{control}");
    let passkeys = pool(control, "passkey-app");
    assert_eq!(passkeys["status"], "NOT_APPLICABLE");
    assert_eq!(
        passkeys["evidence"]["sign_in_factors"],
        json!(["PASSWORD", "WEB_AUTHN"])
    );
    assert_eq!(passkeys["evidence"]["MfaConfiguration"], "OFF");
    assert_eq!(
        passkeys["evidence"]["source"],
        "cognito-idp:DescribeUserPool"
    );
    let why = passkeys["evidence"]["not_evaluated"].as_str().unwrap();
    assert!(why.contains("(WEB_AUTHN)"), "{why}");
    // shared-services: a passwordless pool beside a password-only one that fails.
    let shared = account_named(&expected, "shared-services");
    let control = cognito(&report, &shared);
    assert_eq!(control["status"], "FAILED");
    assert_eq!(pool(control, "otp-portal")["status"], "NOT_APPLICABLE");
    assert_eq!(control["failed_unexcepted"], 1);
    // payments-core: a sign-in policy of the password alone is in scope.
    let payments = account_named(&expected, "payments-core");
    let signin = pool(cognito(&report, &payments), "payers-signin");
    assert_eq!(signin["status"], "PASSED");
    assert_eq!(signin["evidence"]["sign_in_policy"], true);
    assert_eq!(signin["evidence"]["sign_in_factors"], json!(["PASSWORD"]));

    // One DescribeUserPool per pool; the second factors (`[audit] mfa_devices`) only of the
    // pools in scope that ask for MFA: never of a passwordless pool.
    let requests = emulator.requests();
    let count = |op: &str| requests.iter().filter(|r| r["operation"] == op).count();
    let searched: Vec<&Value> = expected["accounts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["outcome"] == "assessed")
        .flat_map(|a| searched_pools(&expected, a))
        .collect();
    let asking_for_mfa = searched
        .iter()
        .filter(|p| p["first_factors"].is_null() || p["first_factors"] == json!(["PASSWORD"]))
        .filter(|p| p["mfa"] != "OFF")
        .count();
    assert_eq!(count("DescribeUserPool"), searched.len());
    assert_eq!(count("GetUserPoolMfaConfig"), asking_for_mfa);

    // Every format names the pool and why.
    let readable = output(&auditor, &["report"]);
    let line = readable
        .lines()
        .find(|l| l.contains(&dev_api) && l.contains("passwordless"))
        .unwrap_or_else(|| panic!("no line for dev-api's pool in\n{readable}"));
    assert!(
        line.contains("Cognito.5") && line.contains("WEB_AUTHN"),
        "{line}"
    );
    assert!(readable.contains("Not evaluated"), "{readable}");
    let arn = passkeys["resource_id"].as_str().unwrap();
    let csv = output(&auditor, &["report", "--format", "csv"]);
    let row = csv.lines().find(|l| l.contains(arn)).unwrap();
    assert!(
        row.contains(",NOT_APPLICABLE,") && row.contains("(WEB_AUTHN)"),
        "{row}"
    );
    let html = output(&auditor, &["report", "--format", "html"]);
    assert!(html.contains("Not evaluated") && html.contains("(WEB_AUTHN)"));
    // (OCSF and ASFF: tests/outputs.rs, with their validators.)

    // Coverage counts only the pools in scope.
    let password_only: usize = expected["accounts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["outcome"] == "assessed")
        .flat_map(|a| searched_pools(&expected, a))
        .filter(|p| p["first_factors"].is_null() || p["first_factors"] == json!(["PASSWORD"]))
        .count();
    assert!(
        password_only < searched.len(),
        "the demo has passwordless pools"
    );
    let in_scope = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT sum(in_scope)::text FROM mfa_coverage WHERE control_id = 'Cognito.5'",
    )
    .await;
    assert_eq!(
        in_scope[0][0].as_deref(),
        Some(password_only.to_string().as_str())
    );
}

#[tokio::test]
async fn a_pool_leaving_or_entering_the_scope_is_a_change() {
    let (emulator, expected, auditor) = setup().await;
    assert_eq!(auditor.run(&["sweep"]).status.code(), Some(2));
    // dev-api's passkey pool becomes password-only (MFA OFF: a new failure); payments-core's
    // password-only pool (MFA ON) starts allowing one-time codes (out of scope).
    let dev_api = account_named(&expected, "dev-api");
    let payments = account_named(&expected, "payments-core");
    emulator.change_users(
        &dev_api,
        json!([{"set_sign_in": "passkey-app", "region": "us-east-1", "factors": ["PASSWORD"]}]),
    );
    emulator.change_users(
        &payments,
        json!([{"set_sign_in": "payers-signin", "region": "us-east-1",
                "factors": ["PASSWORD", "EMAIL_OTP"]}]),
    );
    assert_eq!(auditor.run(&["sweep"]).status.code(), Some(2));
    let report = auditor.json_report();
    assert_eq!(cognito(&report, &dev_api)["status"], "FAILED");
    let changes: Vec<(String, String, String)> = report["changes_since_previous_sweep"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["control_id"] == "Cognito.5")
        .map(|c| {
            (
                c["account_id"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
                format!("{} -> {}", c["previous_status"], c["status"]),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                dev_api.clone(),
                "new_failure".to_string(),
                "\"NOT_APPLICABLE\" -> \"FAILED\"".to_string()
            ),
            (
                payments.clone(),
                "out_of_scope".to_string(),
                "\"PASSED\" -> \"NOT_APPLICABLE\"".to_string()
            ),
        ]
    );
    // The view says the same, by the same rule.
    let view = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT account_id, change FROM changes_since_previous_sweep \
         WHERE control_id = 'Cognito.5' ORDER BY change",
    )
    .await;
    assert_eq!(
        view,
        vec![
            vec![Some(dev_api), Some("new_failure".into())],
            vec![Some(payments), Some("out_of_scope".into())],
        ]
    );
}

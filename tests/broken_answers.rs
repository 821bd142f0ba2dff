//! An answer without what decides it is an error naming the field, never "nothing there": a page
//! of user pools without its list would otherwise pass as an account with no pool, an empty
//! account list as an organization with nothing to audit, an AssumeRole answer without its
//! session's ARN as a guess at the partition. Each is reproduced by the emulator
//! (`answer_without`), as a broken or hostile AWS (or something between it and the auditor) might
//! answer.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, compare_with_expected, setup, text};
use serde_json::json;

#[tokio::test]
async fn a_page_without_its_list_errors_its_control_never_an_empty_list() {
    let (emulator, mut expected, auditor) = setup().await;
    // prod-web has a user pool in us-east-1: a page without `UserPools` must not hide it.
    let account = account_named(&expected, "prod-web");
    emulator.set_faults(json!({"answer_without": [
        {"operation": "ListUserPools", "field": "UserPools", "account": account}]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    expected["accounts"][account.as_str()]["controls"]["Cognito.5"] = json!({
        "status": "ERROR", "error_region": "us-east-1", "error_code": "MalformedResponse"});
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let readable = text(&auditor.run(&["report"]).stdout);
    assert!(readable.contains("a page without UserPools"), "{readable}");
}

#[tokio::test]
async fn an_empty_account_list_is_an_unreadable_organization_never_an_empty_sweep() {
    let (emulator, _, auditor) = setup().await;
    emulator.set_faults(json!({"answer_without": [
        {"operation": "ListAccounts", "field": "Accounts", "empty": true}]}));
    let sweep = auditor.run(&["sweep"]);
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no account at all"), "{stderr}");
    // Nothing was recorded as a sweep that assessed nothing.
    let report = auditor.run(&["report", "--format", "json"]);
    assert_eq!(report.status.code(), Some(1), "{}", text(&report.stdout));
}

#[tokio::test]
async fn an_assume_role_answer_without_its_session_is_that_accounts_error() {
    let (emulator, mut expected, auditor) = setup().await;
    let account = account_named(&expected, "dev-api");
    emulator.set_faults(json!({"answer_without": [
        {"operation": "AssumeRole", "field": "AssumedRoleUser", "account": account}]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let entry = &mut expected["accounts"][account.as_str()];
    entry["outcome"] = "error".into();
    entry["error"] = json!({"operation": "sts:AssumeRole", "code": "MalformedResponse"});
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let got = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == account.as_str())
        .unwrap();
    let message = got["error"]["message"].as_str().unwrap();
    assert!(message.contains("no AssumedRoleUser"), "{message}");
}

//! Every region a user pool can be in: with `[audit] regions = ["*"]` each account is searched in
//! the regions enabled in it (`account:ListRegions`, one call per account), opt-in regions
//! included, and the report says which regions each account was searched in. The emulator
//! answers `ListRegions` as AWS does (17 default regions; `af-south-1` enabled in dev-data alone)
//! and refuses a call into an opt-in region an account has not enabled.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, assessed_accounts, compare_with_expected, setup, text, Auditor};
use serde_json::{json, Value};

const EVERY_ENABLED_REGION: (&str, &str) = ("MFA_AUDITOR__AUDIT__REGIONS", "[\"*\"]");

/// What the audit must find when every enabled region is searched.
fn expected_with_every_enabled_region(expected: &Value) -> Value {
    let mut expected = expected.clone();
    expected["regions"] = json!(["*"]);
    for account in expected["accounts"].as_object_mut().unwrap().values_mut() {
        if account["outcome"] == "assessed" {
            account["controls"] = account["controls_all_enabled"].clone();
        }
    }
    expected
}

fn account<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == id)
        .unwrap_or_else(|| panic!("no account {id}"))
}

fn sweep(auditor: &Auditor, env: &[(&str, &str)]) -> Value {
    let sweep = auditor.run_with(&["sweep"], env);
    // The demo organization has an account whose audit role is missing: exit 2.
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    auditor.json_report()
}

#[tokio::test]
async fn every_enabled_region_is_searched_and_the_report_says_which() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();
    let report = sweep(&auditor, &[EVERY_ENABLED_REGION]);
    compare_with_expected(&report, &expected_with_every_enabled_region(&expected));

    // dev-data's pool in the opt-in region it enabled is found and decided.
    let dev_data = account_named(&expected, "dev-data");
    let cognito = account(&report, &dev_data)["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control_id"] == "Cognito.5")
        .unwrap();
    assert!(
        cognito["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |r| r["resource_id"].as_str().unwrap().contains(":af-south-1:")
                    && r["status"] == "FAILED"
            ),
        "{cognito}"
    );

    // Each account says the regions it was searched in: those enabled in it.
    let requests = emulator.requests();
    for id in assessed_accounts(&expected) {
        let seeded = &expected["accounts"][id.as_str()]["seeded"];
        let enabled = &seeded["enabled_regions"];
        assert_eq!(account(&report, &id)["regions"], *enabled, "{id}");
        let calls = |operation: &str| {
            requests
                .iter()
                .filter(|r| r["account"] == id.as_str() && r["operation"] == operation)
                .count()
        };
        // One ListRegions per account; one ListUserPools per enabled region, no other.
        assert_eq!(calls("ListRegions"), 1, "{id}");
        assert_eq!(
            calls("ListUserPools"),
            enabled.as_array().unwrap().len(),
            "{id}"
        );
    }
    for request in requests.iter().filter(|r| r["service"] == "cognito-idp") {
        let enabled = &expected["accounts"][request["account"].as_str().unwrap()]["seeded"]
            ["enabled_regions"];
        assert!(
            enabled.as_array().unwrap().contains(&request["region"]),
            "no call into a region the account has not enabled: {request}"
        );
    }
    let skipped_or_errored = account(&report, &account_named(&expected, "legacy-suspended"));
    assert_eq!(skipped_or_errored["regions"], Value::Null);

    let readable = text(&auditor.run(&["report"]).stdout);
    assert!(
        readable.contains(
            "Regions searched for user pools: every region enabled in each account: 17 in every \
             account (ap-northeast-1, "
        ) && readable.contains("; af-south-1 in 1 account (dev-data)"),
        "{readable}"
    );
}

#[tokio::test]
async fn a_listed_opt_in_region_errors_where_it_is_not_enabled() {
    let (_emulator, expected, auditor) = setup().await;
    let report = sweep(
        &auditor,
        &[(
            "MFA_AUDITOR__AUDIT__REGIONS",
            "[\"us-east-1\", \"af-south-1\"]",
        )],
    );
    let dev_data = account_named(&expected, "dev-data");
    for id in assessed_accounts(&expected) {
        let got = account(&report, &id);
        assert_eq!(got["regions"], json!(["us-east-1", "af-south-1"]), "{id}");
        let cognito = got["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control_id"] == "Cognito.5")
            .unwrap();
        if id == dev_data {
            assert_eq!(cognito["status"], "FAILED", "{cognito}");
        } else {
            // AWS refuses an account's credentials in an opt-in region it has not enabled: said
            // as that, with what to do, AWS's code kept.
            assert_eq!(cognito["status"], "ERROR", "{id}: {cognito}");
            assert_eq!(cognito["error"]["region"], "af-south-1");
            assert_eq!(cognito["error"]["code"], "UnrecognizedClientException");
            let message = cognito["error"]["message"].as_str().unwrap();
            assert!(
                message.starts_with(&format!(
                    "region af-south-1 is not enabled in account {id} (an opt-in region: AWS \
                     refuses the account's credentials there): enable it in that account, or set \
                     [audit] regions = [\"*\"] to search each account's enabled regions only"
                )),
                "{message}"
            );
        }
    }
}

#[tokio::test]
async fn regions_that_cannot_be_read_error_the_pool_control_alone() {
    let (emulator, expected, auditor) = setup().await;
    let refused = account_named(&expected, "prod-web");
    emulator.set_faults(json!({"operation_errors": [
        {"operation": "ListRegions", "account": refused, "error": "AccessDeniedException",
         "status": 403}]}));
    let report = sweep(&auditor, &[EVERY_ENABLED_REGION]);
    let mut want = expected_with_every_enabled_region(&expected);
    want["accounts"][refused.as_str()]["controls"]["Cognito.5"] = json!({
        "status": "ERROR", "error_region": "us-east-1", "error_code": "AccessDeniedException"});
    compare_with_expected(&report, &want);
    let got = account(&report, &refused);
    assert_eq!(
        got["regions"],
        Value::Null,
        "no region can be said searched"
    );
    let cognito = got["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["control_id"] == "Cognito.5")
        .unwrap();
    assert_eq!(cognito["error"]["operation"], "account:ListRegions");

    // A status this version does not know is every account's error, never a guess.
    emulator.set_faults(json!({"region_statuses": {"eu-west-1": "ENABLED_SOMETIMES"}}));
    let report = sweep(&auditor, &[EVERY_ENABLED_REGION]);
    for id in assessed_accounts(&expected) {
        let cognito = account(&report, &id)["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["control_id"] == "Cognito.5")
            .unwrap()
            .clone();
        assert_eq!(cognito["status"], "ERROR", "{id}");
        let message = cognito["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("eu-west-1") && message.contains("\"ENABLED_SOMETIMES\""),
            "{message}"
        );
    }
}

/// A resource an assessment did not look at (its region no longer searched, or its control
/// errored there) is `not_assessed`: never `gone`, and a failing one never `resolved`, in the
/// report, the view and so the notifications.
#[tokio::test]
async fn a_pool_not_looked_at_is_not_gone_and_a_failing_one_not_resolved() {
    let (emulator, expected, auditor) = setup().await;
    sweep(&auditor, &[EVERY_ENABLED_REGION]);
    // Searched in fewer regions: dev-data's failing pool in af-south-1 is not looked at.
    // And prod-web's pools in eu-west-1 cannot be read (Cognito.5 errors there).
    let prod_web = account_named(&expected, "prod-web");
    emulator.set_faults(json!({"cognito_faults": [
        {"account": prod_web, "region": "eu-west-1", "error": "AccessDeniedException"}]}));
    let report = sweep(
        &auditor,
        &[(
            "MFA_AUDITOR__AUDIT__REGIONS",
            "[\"us-east-1\", \"eu-west-1\", \"ap-southeast-2\"]",
        )],
    );
    let changes: Vec<&Value> = report["changes_since_previous_sweep"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["control_id"] == "Cognito.5")
        .collect();
    let dev_data = account_named(&expected, "dev-data");
    let za = changes
        .iter()
        .find(|c| c["resource_id"].as_str().unwrap().contains(":af-south-1:"))
        .unwrap_or_else(|| panic!("{changes:?}"));
    assert_eq!(za["account_id"], dev_data.as_str());
    assert_eq!(za["previous_status"], "FAILED");
    assert_eq!(za["change"], "not_assessed", "{za}");
    assert_eq!(za["failing"], Value::Null, "{za}");
    let eu = changes
        .iter()
        .find(|c| c["account_id"] == prod_web.as_str())
        .unwrap_or_else(|| panic!("{changes:?}"));
    assert!(eu["resource_id"].as_str().unwrap().contains(":eu-west-1:"));
    assert_eq!(eu["change"], "not_assessed", "{eu}");
    // Nothing the sweep did not look at is called gone or resolved: only the pools of regions
    // no longer searched, and prod-web's, changed.
    assert!(
        changes
            .iter()
            .all(|c| c["change"] == "not_assessed" && c["failing"].is_null()),
        "{changes:?}"
    );
    let view = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT change, count(*)::text FROM changes_since_previous_sweep \
         WHERE control_id = 'Cognito.5' AND failing_change IS NULL GROUP BY change",
    )
    .await;
    assert_eq!(
        view,
        vec![vec![
            Some("not_assessed".into()),
            Some(changes.len().to_string())
        ]]
    );
    let readable = text(&auditor.run(&["report"]).stdout);
    assert!(
        readable.contains("0 new failures, 0 resolved;")
            && readable.contains("not assessed this time"),
        "{readable}"
    );
}

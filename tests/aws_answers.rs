//! Answers real AWS gives and stock moto does not, reproduced by the emulator (see the list in
//! `tests/emulator/mfa_emulator.py`): a proxy's HTML 502, a user pool deleted between its list
//! and its read, malformed pages, an account that moves while the tree is walked, another
//! partition, an organization without its management account id. Each changes only what it
//! must: a retry, a dropped resource, one control's or one account's error.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, compare_with_expected, setup, text};
use serde_json::{json, Value};

/// Quick retries: the tests are about what is retried, not how long the waits are.
const QUICK_RETRIES: [(&str, &str); 2] = [
    ("MFA_AUDITOR__LIMITS__INITIAL_BACKOFF_MS", "20"),
    ("MFA_AUDITOR__LIMITS__MAX_BACKOFF_MS", "200"),
];

#[tokio::test]
async fn a_proxys_html_502_is_retried_like_any_5xx() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();
    emulator.set_faults(json!({"html_errors":
        {"services": ["iam", "cognito-idp", "sts"], "every": 4, "status": 502}}));
    let sweep = auditor.run_with(&["sweep"], &QUICK_RETRIES);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    emulator.set_faults(json!({}));
    // Every verdict as without the proxy: each 502 was retried.
    compare_with_expected(&auditor.json_report(), &expected);
    let bad_gateways = emulator
        .requests()
        .iter()
        .filter(|r| r["status"] == 502)
        .count();
    assert!(bad_gateways > 20, "the proxy answered {bad_gateways} times");
}

#[tokio::test]
async fn a_user_pool_deleted_after_it_was_listed_is_dropped() {
    let (emulator, mut expected, auditor) = setup().await;
    // prod-web has one pool in us-east-1 (ON) and one in eu-west-1 (OPTIONAL).
    let account = account_named(&expected, "prod-web");
    emulator.set_faults(json!({"delete_pool_after_list": [
        {"account": account, "region": "eu-west-1"}]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));

    // The OPTIONAL pool no longer exists: Cognito.5 is decided on the pool that does.
    let cognito = &mut expected["accounts"][account.as_str()]["controls"]["Cognito.5"];
    let resources = cognito["resources"].as_object_mut().unwrap();
    let before = resources.len();
    resources.retain(|arn, _| !arn.contains(":eu-west-1:"));
    assert_eq!(resources.len(), before - 1, "one pool was in eu-west-1");
    cognito["status"] = "PASSED".into();
    compare_with_expected(&auditor.json_report(), &expected);
}

#[tokio::test]
async fn malformed_pages_error_their_control_never_a_short_list() {
    let (emulator, mut expected, auditor) = setup().await;
    // prod-api: root has a password and a virtual device, so IAM.6 needs the device list.
    let devices = account_named(&expected, "prod-api");
    let pools = account_named(&expected, "dev-web");
    emulator.set_faults(json!({"paging_faults": [
        {"account": devices, "operation": "ListVirtualMFADevices",
         "kind": "truncated_without_marker"},
        {"account": pools, "operation": "ListUserPools", "kind": "repeated_token"},
    ]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));

    expected["accounts"][devices.as_str()]["controls"]["IAM.6"] =
        json!({"status": "ERROR", "error_region": "us-east-1", "error_code": "MalformedResponse"});
    expected["accounts"][pools.as_str()]["controls"]["Cognito.5"] =
        json!({"status": "ERROR", "error_region": "us-east-1", "error_code": "MalformedResponse"});
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let text_report = text(&auditor.run(&["report"]).stdout);
    assert!(text_report.contains("IsTruncated"), "{text_report}");
    assert!(text_report.contains("already seen"), "{text_report}");
}

#[tokio::test]
async fn an_account_that_moved_during_the_walk_is_that_accounts_error() {
    let (emulator, mut expected, auditor) = setup().await;
    let moved = account_named(&expected, "sandbox-carol");
    emulator.set_faults(json!({
        "hide_from_walk": [moved],
        "operation_errors": [{"operation": "ListParents", "error": "ChildNotFoundException"}],
    }));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));

    let account = &mut expected["accounts"][moved.as_str()];
    account["outcome"] = "error".into();
    account["ou_path"] = "".into();
    account["error"] =
        json!({"operation": "organizations:ListParents", "code": "ChildNotFoundException"});
    compare_with_expected(&auditor.json_report(), &expected);
}

#[tokio::test]
async fn an_organization_without_its_management_account_id_is_an_error() {
    let (emulator, _, auditor) = setup().await;
    emulator.set_faults(json!({"organization_drop_fields": ["MasterAccountId"]}));
    let sweep = auditor.run(&["sweep"]);
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot read the organization"), "{stderr}");
    assert!(stderr.contains("no MasterAccountId"), "{stderr}");
    let accounts = auditor.run(&["accounts"]);
    assert_eq!(accounts.status.code(), Some(1));
    assert!(text(&accounts.stderr).contains("no MasterAccountId"));
}

/// Root and user-pool ARNs are the auditor's to build: in the session's partition.
fn in_partition(expected: &mut Value, partition: &str) {
    for account in expected["accounts"].as_object_mut().unwrap().values_mut() {
        let Some(controls) = account["controls"].as_object_mut() else {
            continue;
        };
        for control in controls.values_mut() {
            let Some(resources) = control["resources"].as_object_mut() else {
                continue;
            };
            let renamed: serde_json::Map<String, Value> = resources
                .iter()
                .map(|(arn, status)| {
                    let built_by_us = arn.ends_with(":root") || arn.contains(":userpool/");
                    let arn = if built_by_us {
                        arn.replacen("arn:aws:", &format!("arn:{partition}:"), 1)
                    } else {
                        arn.clone()
                    };
                    (arn, status.clone())
                })
                .collect();
            *resources = renamed;
        }
    }
}

#[tokio::test]
async fn the_partition_is_the_sessions_not_a_guess_from_the_region() {
    let (emulator, mut expected, auditor) = setup().await;
    // An ISO partition whose regions the old prefix guess mapped to `aws`: a virtual device on
    // root would never have matched `arn:aws:...:root`, and IAM.6 would have PASSED.
    emulator.set_faults(json!({"partition": "aws-iso-f"}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    in_partition(&mut expected, "aws-iso-f");
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let virtual_root = account_named(&expected, "prod-api");
    let iam6 = &expected["accounts"][virtual_root.as_str()]["controls"]["IAM.6"];
    assert_eq!(
        iam6["status"], "FAILED",
        "the seeder's verdict for a virtual root device"
    );
    assert!(iam6["resources"]
        .as_object()
        .unwrap()
        .contains_key(&format!("arn:aws-iso-f:iam::{virtual_root}:root")));
}

/// What the report says of the member accounts' root credentials: those assessed with a
/// password or access keys, of the assessed ones, and the others (errored or skipped) not read.
fn root_credentials_phrase(expected: &serde_json::Value) -> String {
    let management = expected["management_account_id"].as_str().unwrap();
    let members: Vec<&serde_json::Value> = expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(id, _)| id.as_str() != management)
        .map(|(_, a)| a)
        .collect();
    let read = members
        .iter()
        .filter(|a| a["outcome"] == "assessed")
        .count();
    let unread = members.len() - read;
    let with = members_with_root_credentials(expected);
    assert!(
        unread > 0,
        "the demo organization has members that are not assessed"
    );
    format!("{with} of the {read} member accounts read have root credentials ({unread} not read)")
}

/// Member accounts the sweep assesses whose root user has a password or access keys.
fn members_with_root_credentials(expected: &serde_json::Value) -> usize {
    let management = expected["management_account_id"].as_str().unwrap();
    expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(id, a)| id.as_str() != management && a["outcome"] == "assessed")
        .filter(|(_, a)| {
            let root = &a["seeded"]["root"];
            root["password_present"] == true || root["access_keys_present"] == true
        })
        .count()
}

#[tokio::test]
async fn centralized_root_access_is_read_once_in_the_management_account_and_reported() {
    let (emulator, expected, auditor) = setup().await;
    let members = root_credentials_phrase(&expected);
    assert!(
        members_with_root_credentials(&expected) > 3,
        "the demo organization has member roots with credentials"
    );

    // AWS's default: trusted access for IAM not enabled.
    emulator.clear_requests();
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let calls: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == "ListOrganizationsFeatures")
        .collect();
    assert_eq!(calls.len(), 1, "once per sweep");
    assert_eq!(calls[0]["account"], "", "with the caller's own credentials");
    let report = auditor.json_report();
    assert_eq!(
        report["sweep"]["centralized_root_access"],
        serde_json::json!({"trusted_access": false, "root_credentials_management": false,
                           "root_sessions": false})
    );
    let text_report = text(&auditor.run(&["report"]).stdout);
    assert!(
        text_report.contains(&format!(
            "Centralized root access: off (trusted access for IAM is not enabled in AWS \
             Organizations); {members}. Enable it"
        )),
        "{text_report}"
    );

    emulator.set_organization_features(true, &["RootCredentialsManagement", "RootSessions"]);
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();
    assert_eq!(
        report["sweep"]["centralized_root_access"]["root_credentials_management"],
        true
    );
    assert_eq!(
        report["sweep"]["centralized_root_access"]["root_sessions"],
        true
    );
    let text_report = text(&auditor.run(&["report"]).stdout);
    assert!(
        text_report.contains(&format!(
            "Centralized root access: on (root credentials management, root sessions); \
             {members}: delete them"
        )),
        "{text_report}"
    );

    // Unreadable: recorded with the sweep, and the sweep goes on.
    emulator.set_faults(serde_json::json!({"operation_errors": [
        {"operation": "ListOrganizationsFeatures", "error": "AccessDenied", "status": 403}]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();
    assert!(report["sweep"]["centralized_root_access"].is_null());
    assert_eq!(
        report["sweep"]["centralized_root_access_error"]["code"],
        "AccessDenied"
    );
    assert_eq!(
        report["sweep"]["centralized_root_access_error"]["operation"],
        "iam:ListOrganizationsFeatures"
    );
}

#[tokio::test]
async fn an_account_that_outlives_its_session_is_assumed_again_never_failed_with_expired_token() {
    let (emulator, expected, auditor) = setup().await;
    let prod_web = account_named(&expected, "prod-web");
    // Sessions end 15 s after they are issued; prod-web answers every call 2 s late and its
    // credential report takes seven polls: its audit lasts about half a minute.
    emulator.set_faults(json!({
        "session_seconds": 15,
        "delay_account": prod_web,
        "delay_seconds": 2,
        "report_in_progress_polls": 6,
    }));
    emulator.clear_requests();
    let sweep = auditor.run(&["sweep"]);
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("ExpiredToken"), "{stderr}");
    compare_with_expected(&auditor.json_report(), &expected);
    let assumed = emulator
        .requests()
        .into_iter()
        .filter(|r| r["operation"] == "AssumeRole" && r["account"] == prod_web.as_str())
        .count();
    assert!(
        assumed >= 2,
        "prod-web's session was assumed again ({assumed})"
    );
}

/// Organizations as AWS answers since it retired `Account.Status` on 2026-09-09: `State` alone,
/// with more values. ACTIVE accounts are audited as before; the four other states are skipped,
/// each by its name; an account with no state, or one this version does not know, is that
/// account's error. The sweep never says it completed over accounts it left out in silence.
#[tokio::test]
async fn accounts_are_read_by_state_as_organizations_answers_today() {
    let (emulator, mut expected, auditor) = setup().await;
    let pending = account_named(&expected, "sandbox-alice");
    let closing = account_named(&expected, "sandbox-bob");
    let suspended = account_named(&expected, "sandbox-carol");
    let stateless = account_named(&expected, "sandbox-dave");
    let unknown = account_named(&expected, "sandbox-erin");
    // Closed by the seeder: the old Status said SUSPENDED, State says CLOSED.
    let closed = account_named(&expected, "legacy-suspended");
    emulator.set_faults(json!({"account_state_only": true, "account_states": {
        pending.as_str(): "PENDING_ACTIVATION", closing.as_str(): "PENDING_CLOSURE",
        suspended.as_str(): "SUSPENDED", stateless.as_str(): null, unknown.as_str(): "FROZEN"}}));
    emulator.clear_requests();
    let sweep = auditor.run(&["sweep"]);
    let summary = text(&sweep.stdout);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    assert!(
        summary
            .contains("Skipped: 1 suspended, 1 pending_closure, 1 closed, 1 pending_activation."),
        "{summary}"
    );

    for (id, reason) in [
        (&pending, "pending_activation"),
        (&closing, "pending_closure"),
        (&suspended, "suspended"),
        (&closed, "closed"),
    ] {
        let account = &mut expected["accounts"][id.as_str()];
        account["outcome"] = "skipped".into();
        account["skip_reason"] = reason.into();
    }
    for id in [&stateless, &unknown] {
        let account = &mut expected["accounts"][id.as_str()];
        account["outcome"] = "error".into();
        account["error"] =
            json!({"operation": "organizations:ListAccounts", "code": "MalformedResponse"});
    }
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let message = |id: &str| {
        report["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["account_id"] == id)
            .map(|a| a["error"]["message"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert!(
        message(&stateless).contains("neither State nor Status"),
        "{}",
        message(&stateless)
    );
    assert!(
        message(&unknown).contains("State \"FROZEN\""),
        "{}",
        message(&unknown)
    );
    // Nothing was asked of an account that was not audited: not even AssumeRole.
    let requests = emulator.requests();
    for id in [
        &pending, &closing, &suspended, &closed, &stateless, &unknown,
    ] {
        assert!(
            !requests.iter().any(|r| r["account"] == id.as_str()),
            "a call into {id}"
        );
    }

    // The listing and the text report name each state, and the rule that decided.
    let accounts = text(&auditor.run(&["accounts"]).stdout);
    for line in [
        "pending_activation (State PENDING_ACTIVATION)",
        "pending_closure (State PENDING_CLOSURE)",
        "suspended (State SUSPENDED)",
        "closed (State CLOSED)",
        "neither State nor Status",
        "State \"FROZEN\"",
    ] {
        assert!(accounts.contains(line), "{line} in\n{accounts}");
    }
    let readable = text(&auditor.run(&["report"]).stdout);
    for reason in ["pending_activation", "pending_closure", "closed"] {
        assert!(
            readable.contains(&format!("): {reason}")),
            "{reason} in\n{readable}"
        );
    }
}

/// An answer from before AWS added `State` (or a proxy that drops it): `Status` decides.
#[tokio::test]
async fn the_retired_status_decides_only_when_state_is_absent() {
    let (emulator, mut expected, auditor) = setup().await;
    let closing = account_named(&expected, "sandbox-bob");
    let active = account_named(&expected, "sandbox-alice");
    emulator.set_faults(json!({
        "account_states": {closing.as_str(): null, active.as_str(): null},
        "account_statuses": {closing.as_str(): "PENDING_CLOSURE"},
    }));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let account = &mut expected["accounts"][closing.as_str()];
    account["outcome"] = "skipped".into();
    account["skip_reason"] = "pending_closure".into();
    compare_with_expected(&auditor.json_report(), &expected);
    let accounts = text(&auditor.run(&["accounts"]).stdout);
    assert!(
        accounts.contains("pending_closure (Status PENDING_CLOSURE)"),
        "{accounts}"
    );
}

/// An OU or an account that comes without its name (a broken or hostile answer) is never an
/// empty name: the accounts below that OU, and that account, are errors naming what is missing,
/// and the rest of the organization is audited as always.
#[tokio::test]
async fn an_ou_or_account_without_a_name_is_an_error_never_a_blank() {
    let (emulator, mut expected, auditor) = setup().await;
    // Workloads/Prod holds prod-web, prod-api, prod-data, big-iam and, nested, Payments.
    let prod = expected["ou_ids"]["Workloads/Prod"]
        .as_str()
        .unwrap()
        .to_string();
    let nameless = account_named(&expected, "sandbox-dave");
    emulator.set_faults(json!({"unnamed_ous": [prod], "unnamed_accounts": [nameless]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));

    let mut below = Vec::new();
    for (id, account) in expected["accounts"].as_object_mut().unwrap() {
        let path = account["ou_path"].as_str().unwrap().to_string();
        if path == "Root/Workloads/Prod" || path.starts_with("Root/Workloads/Prod/") {
            below.push(id.clone());
            account["outcome"] = "error".into();
            account["ou_path"] = "".into();
            account["error"] = json!({"operation": "organizations:ListOrganizationalUnitsForParent",
                                      "code": "MalformedResponse"});
        }
    }
    assert_eq!(
        below.len(),
        7,
        "four accounts in Prod, three in Prod/Payments"
    );
    let account = &mut expected["accounts"][nameless.as_str()];
    account["outcome"] = "error".into();
    account["account_name"] = "".into();
    account["error"] =
        json!({"operation": "organizations:ListAccounts", "code": "MalformedResponse"});
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    for account in report["accounts"].as_array().unwrap() {
        let path = account["ou_path"].as_str().unwrap();
        assert!(!path.contains("//") && !path.ends_with('/'), "{path}");
        if below.iter().any(|id| account["account_id"] == id.as_str()) {
            let message = account["error"]["message"].as_str().unwrap();
            assert!(
                message.contains(&format!("the OU \"{prod}\" has no Name")),
                "{message}"
            );
        }
    }
    // Nothing from the nameless OU reaches the coverage counts as a blank top-level OU.
    let coverage = mfa_testkit::query_text(
        &auditor.database_url,
        "SELECT DISTINCT top_level_ou FROM mfa_coverage",
    )
    .await;
    assert!(
        coverage
            .iter()
            .all(|row| row[0].as_deref().is_some_and(|ou| !ou.is_empty())),
        "{coverage:?}"
    );
}

/// A user pool that comes without its name is still decided (its name decides nothing) and
/// is shown without one: `null` in the evidence, never an empty string.
#[tokio::test]
async fn a_user_pool_without_a_name_is_decided_and_shown_as_nameless() {
    let (emulator, expected, auditor) = setup().await;
    let account = account_named(&expected, "prod-web");
    let pool = expected["accounts"][account.as_str()]["seeded"]["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "customers")
        .unwrap()["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let pool_id = pool.rsplit('/').next().unwrap();
    emulator.set_faults(json!({"unnamed_pools": [pool_id]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();
    compare_with_expected(&report, &expected);
    let resource = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["controls"].as_array().unwrap())
        .flat_map(|c| c["resources"].as_array().unwrap())
        .find(|r| r["resource_id"] == pool.as_str())
        .unwrap();
    assert_eq!(
        resource["evidence"]["user_pool_name"],
        Value::Null,
        "{resource}"
    );
    assert_eq!(resource["evidence"]["user_pool_id"], pool_id);
}

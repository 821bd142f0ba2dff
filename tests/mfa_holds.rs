//! MFA that holds, end to end: the demo organization swept by the real binary, and each fact
//! beyond the five controls in the JSON report compared with what the seeder says the rules
//! make of what it seeded: each kind of device, each enforcement state, each priority, the
//! SCPs guarding MFA inherited down the OU tree, a pool's second factors. The demo holds every
//! value of each, and the text report opens with Fix first in priority order. With the reads
//! off, or the SCPs refused, the facts are absent and the text and HTML reports say so.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, text};
use serde_json::Value;
use std::collections::BTreeSet;

/// The resources of one control of a reported account, by resource id.
fn resources<'a>(account: &'a Value, control: &str) -> Vec<&'a Value> {
    account["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["control_id"] == control)
        .flat_map(|c| c["resources"].as_array().unwrap())
        .collect()
}

fn kinds(resource: &Value) -> Value {
    Value::Array(
        resource["mfa_devices"]
            .as_array()
            .map(|devices| devices.iter().map(|d| d["kind"].clone()).collect())
            .unwrap_or_default(),
    )
}

fn sorted(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is no list"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// What was seen of each fact across the organization, to check the demo shows every value.
#[derive(Default)]
struct Seen {
    kinds: BTreeSet<String>,
    states: BTreeSet<String>,
    priorities: BTreeSet<String>,
}

fn check_user(user: &Value, want: &Value, context: &str, seen: &mut Seen) {
    assert_eq!(kinds(user), want["mfa_kinds"], "{context}: kinds");
    assert_eq!(
        user["phishing_resistant"], want["phishing_resistant"],
        "{context}: phishing_resistant"
    );
    assert_eq!(
        user["mfa_enforcement"]["state"], want["mfa_enforcement"]["state"],
        "{context}: enforcement"
    );
    assert_eq!(
        sorted(&user["mfa_enforcement"]["by"]),
        sorted(&want["mfa_enforcement"]["by"]),
        "{context}: enforced by"
    );
    assert_eq!(
        user["stakes"]["admin_equivalent"], want["admin_equivalent"],
        "{context}: admin_equivalent"
    );
    assert_eq!(
        sorted(&user["stakes"]["admin_via"]),
        sorted(&want["admin_via"]),
        "{context}: admin via"
    );
    let priority = user.get("priority").cloned().unwrap_or(Value::Null);
    assert_eq!(priority, want["priority"], "{context}: priority");
    for kind in kinds(user).as_array().unwrap() {
        seen.kinds.insert(kind.as_str().unwrap().to_string());
    }
    if let Some(state) = user["mfa_enforcement"]["state"].as_str() {
        seen.states.insert(state.to_string());
    }
    if let Some(priority) = priority.as_str() {
        seen.priorities.insert(priority.to_string());
    }
}

fn check_account(account: &Value, want: &Value, seen: &mut Seen) {
    let context = format!("{} ({})", account["account_id"], account["account_name"]);
    assert_eq!(
        sorted(&account["mfa_guardrail_scps"]),
        sorted(&want["mfa_guardrail_scps"]),
        "{context}: SCPs guarding MFA"
    );
    // IAM.19 holds every user; each is checked there, and under IAM.5 where it is in scope.
    for control in ["IAM.19", "IAM.5"] {
        for user in resources(account, control) {
            let id = user["resource_id"].as_str().unwrap();
            let want_user = &want["users"][id];
            assert!(want_user.is_object(), "{context}: {id} not seeded");
            check_user(user, want_user, &format!("{context} {control} {id}"), seen);
        }
    }
    for root in resources(account, "IAM.9") {
        assert_eq!(
            kinds(root),
            want["root"]["mfa_kinds"],
            "{context}: root's kinds"
        );
        let priority = root.get("priority").cloned().unwrap_or(Value::Null);
        assert_eq!(
            priority, want["root"]["priority"],
            "{context}: root's priority"
        );
        if let Some(priority) = priority.as_str() {
            seen.priorities.insert(priority.to_string());
        }
        for kind in kinds(root).as_array().unwrap() {
            seen.kinds.insert(kind.as_str().unwrap().to_string());
        }
    }
    for pool in resources(account, "Cognito.5") {
        let id = pool["resource_id"].as_str().unwrap();
        let want_pool = &want["pools"][id];
        for fact in ["sign_in_factors", "second_factors", "weak_mfa"] {
            let got = pool.get(fact).cloned().unwrap_or(Value::Null);
            assert_eq!(got, want_pool[fact], "{context} {id}: {fact}");
        }
    }
}

#[tokio::test]
async fn every_kind_enforcement_state_priority_and_guardrail_is_decided_as_the_rules_say() {
    let (_emulator, expected, auditor) = setup().await;
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();
    let mut seen = Seen::default();
    let mut assessed = 0;
    for account in report["accounts"].as_array().unwrap() {
        if account["outcome"] != "assessed" {
            assert!(account.get("mfa_guardrail_scps").is_none(), "{account}");
            continue;
        }
        let id = account["account_id"].as_str().unwrap();
        check_account(account, &expected["accounts"][id]["facts"], &mut seen);
        assessed += 1;
    }
    assert!(assessed > 20, "{assessed} accounts assessed");
    let all = |values: &[&str]| {
        values
            .iter()
            .map(ToString::to_string)
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        seen.kinds,
        all(&[
            "fido",
            "hardware_or_fido",
            "hardware_totp",
            "sms",
            "virtual"
        ])
    );
    assert_eq!(
        seen.states,
        all(&["enforced", "not_enforced", "not_recognised"])
    );
    assert_eq!(seen.priorities, all(&["critical", "high", "low", "medium"]));

    // The text report opens with Fix first, most urgent first.
    let readable = text(&auditor.run(&["report"]).stdout);
    let fix_first = readable
        .split_once("Fix first")
        .unwrap_or_else(|| panic!("no Fix first in {readable}"))
        .1;
    let at = |priority: &str| {
        fix_first
            .find(&format!("{priority} "))
            .unwrap_or(usize::MAX)
    };
    assert!(
        at("critical") < at("high") && at("high") < at("medium"),
        "{fix_first}"
    );
}

/// The resources of every assessed account under `control`.
fn all_resources<'a>(report: &'a Value, control: &str) -> Vec<&'a Value> {
    report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"] == "assessed")
        .flat_map(|a| resources(a, control))
        .collect()
}

#[tokio::test]
async fn facts_not_read_or_unreadable_are_absent_and_the_reports_say_so() {
    let (emulator, _expected, mut auditor) = setup().await;
    let sweep = |auditor: &common::Auditor| {
        let output = auditor.run(&["--quiet", "sweep"]);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    };
    // A sweep that reads everything, for the phishing-resistant chart to have a point.
    sweep(&auditor);
    auditor.env.extend([
        ("MFA_AUDITOR__AUDIT__MFA_DEVICES".into(), "false".into()),
        ("MFA_AUDITOR__AUDIT__POLICIES".into(), "false".into()),
    ]);
    sweep(&auditor);
    let report = auditor.json_report();
    let users = all_resources(&report, "IAM.19");
    assert!(users.len() > 10, "{}", users.len());
    for user in &users {
        let stakes = &user["stakes"];
        assert!(stakes.is_object(), "{user}");
        assert_eq!(stakes.get("admin_equivalent"), None, "{user}");
        assert_eq!(stakes.get("admin_via"), None, "not read: absent, {user}");
    }
    // MFA on: weak or not is unknown without the factors; optional or off: never weak.
    let pools = all_resources(&report, "Cognito.5");
    let weak = |status: &str| -> Vec<Option<&Value>> {
        pools
            .iter()
            .filter(|p| p["status"] == status)
            .map(|p| p.get("weak_mfa"))
            .collect()
    };
    let (on, off) = (weak("PASSED"), weak("FAILED"));
    assert!(!on.is_empty() && on.iter().all(Option::is_none), "{on:?}");
    assert!(
        !off.is_empty() && off.iter().all(|w| *w == Some(&Value::Bool(false))),
        "{off:?}"
    );
    let readable = text(&auditor.run(&["report"]).stdout);
    for said in [
        "\n  not read: the second factors of ",
        " user pools with MFA on ([audit] mfa_devices = false, or a sweep from before second \
         factors were read)\n",
        "\nMFA guardrail SCPs: not read ([audit] policies = false, or a sweep from before they \
         were read)\n",
    ] {
        assert!(readable.contains(said), "{said} in {readable}");
    }
    let page = text(&auditor.run(&["report", "--format", "html"]).stdout);
    assert!(
        page.contains(
            "data-check=\"phishing_resistant_not_read\" data-control=\"IAM.19\">Not read in this \
             sweep ([audit] mfa_devices = false, or a version from before it was read): the chart \
             shows the sweeps that read it"
        ),
        "{page}"
    );

    // The SCPs refused: every assessed account says so but the management account, to which
    // SCPs never apply.
    auditor.env.clear();
    emulator.set_faults(serde_json::json!({"operation_errors": [
        {"operation": "ListPolicies", "error": "AccessDeniedException"}]}));
    sweep(&auditor);
    let report = auditor.json_report();
    let management = report["sweep"]["management_account_id"].clone();
    let mut refused = 0;
    for account in report["accounts"].as_array().unwrap() {
        if account["outcome"] != "assessed" {
            continue;
        }
        let error = &account["mfa_guardrail_scps_error"];
        if account["account_id"] == management {
            assert_eq!(
                account["mfa_guardrail_scps"],
                serde_json::json!([]),
                "{account}"
            );
            assert!(error.is_null(), "{account}");
        } else {
            assert!(account.get("mfa_guardrail_scps").is_none(), "{account}");
            assert_eq!(
                error["operation"], "organizations:ListPolicies",
                "{account}"
            );
            refused += 1;
        }
    }
    assert!(refused > 10, "{refused}");
    let readable = text(&auditor.run(&["report"]).stdout);
    let management = management.as_str().unwrap();
    assert!(
        readable.contains(&format!(
            ": 0 of the 1 assessed accounts read have one in force; 1 have none: {management} "
        )),
        "{readable}"
    );
    assert!(
        readable.contains(" (the management account: SCPs never apply to it)\n"),
        "{readable}"
    );
    assert!(
        readable.contains(&format!(
            "\nMFA guardrail SCPs could not be read in {refused} accounts ("
        )),
        "{readable}"
    );

    // Every user's devices refused: said in the log, once per account, never counted as none.
    emulator.set_faults(serde_json::json!({"operation_errors": [
        {"operation": "ListMFADevices", "error": "AccessDenied", "status": 403}]}));
    let output = auditor.run(&["--quiet", "sweep"]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let log = text(&output.stderr);
    assert!(log.contains("MFA devices not read (the first: "), "{log}");
}

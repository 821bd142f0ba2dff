//! MFA that holds, end to end: the demo organization swept by the real binary, and each fact
//! beyond the five controls in the JSON report compared with what the seeder says the rules
//! make of what it seeded: each kind of device, each enforcement state, each priority, the
//! SCPs guarding MFA inherited down the OU tree, a pool's second factors. The demo holds every
//! value of each, and the text report opens with Fix first in priority order.

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

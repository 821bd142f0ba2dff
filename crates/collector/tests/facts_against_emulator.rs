//! The reads beyond the five controls through the real SDK against the emulator, as the seeder
//! made the demo organization (its expected `facts` and `scps`): each user's devices and
//! credential use, root's, each in-scope pool's second factors, the identity policies (their
//! documents URL-decoded), the SCPs in force; and what each costs, counted in the emulator's
//! request log.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use common::{collector, collector_reading, deadline, sdk};
use mfa_collector::{AuditReads, Caller, LimitSettings, OrgAccount, OrganizationReader};
use mfa_evaluator::{scp_bears_on_mfa, AccountSnapshot, CredentialUse, IamUser};
use mfa_testkit::Emulator;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The seeded accounts a collector enters: (id, the seeder's entry).
fn assessed(expected: &Value) -> Vec<(String, Value)> {
    expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, want)| want["outcome"] == "assessed")
        .map(|(id, want)| (id.clone(), want.clone()))
        .collect()
}

fn date(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().map(|text| {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    })
}

/// A credential use as the seeder's `stakes` write it.
fn check_use(got: &CredentialUse, stakes: &Value, who: &str) {
    let password = if stakes["console_password"] == true {
        date(&stakes["password_last_used"])
    } else {
        None
    };
    assert_eq!(
        got.password_last_used, password,
        "{who}: password_last_used"
    );
    let keys: Vec<(Option<DateTime<Utc>>, Option<&str>)> = got
        .active_access_keys
        .iter()
        .map(|k| (k.last_used_date, k.last_used_service.as_deref()))
        .collect();
    let want: Vec<(Option<DateTime<Utc>>, Option<&str>)> = stakes["access_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (date(&k["last_used_date"]), k["last_used_service"].as_str()))
        .collect();
    assert_eq!(keys, want, "{who}: active keys' last use");
}

fn check_user(user: &IamUser, facts: &Value) {
    let who = &user.arn;
    let serials: BTreeSet<&str> = user
        .mfa_devices
        .as_ref()
        .unwrap_or_else(|| panic!("{who}: devices read"))
        .as_ref()
        .unwrap_or_else(|e| panic!("{who}: {e}"))
        .iter()
        .map(|d| d.serial_number.as_str())
        .collect();
    let want: BTreeSet<&str> = facts["mfa_devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials, want, "{who}: enabled devices");
    check_use(user.usage.as_ref().unwrap(), &facts["stakes"], who);
}

/// The policies the seeder says enforce MFA or make a user admin are in what was read, each
/// document JSON once decoded.
fn check_policies(snapshot: &AccountSnapshot, facts: &Value) {
    let details = snapshot.authorization.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(details.pages, 1, "{}: one page", snapshot.account_id);
    let mut named: BTreeSet<String> = BTreeSet::new();
    for user in &details.users {
        named.extend(user.attached_managed_policies.iter().cloned());
        named.extend(
            user.inline_policies
                .iter()
                .map(|p| format!("{}:inline/{}", user.arn, p.name)),
        );
        for policy in &user.inline_policies {
            serde_json::from_str::<Value>(&policy.document).unwrap();
        }
    }
    for group in &details.groups {
        named.extend(group.attached_managed_policies.iter().cloned());
        named.extend(
            group
                .inline_policies
                .iter()
                .map(|p| format!("{}:inline/{}", group.arn, p.name)),
        );
    }
    for policy in &details.managed_policies {
        serde_json::from_str::<Value>(&policy.document)
            .unwrap_or_else(|e| panic!("{}: {e}: {}", policy.arn, policy.document));
    }
    for (arn, user) in facts["users"].as_object().unwrap() {
        for policy in user["mfa_enforcement"]["by"]
            .as_array()
            .unwrap()
            .iter()
            .chain(user["admin_via"].as_array().unwrap())
        {
            assert!(
                named.contains(policy.as_str().unwrap()),
                "{arn}: {policy} read"
            );
        }
    }
}

#[tokio::test]
async fn reads_devices_credential_use_policies_and_second_factors_as_seeded() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    let collector = collector(&sdk, &expected);
    let mut kinds_seen = BTreeSet::new();
    for (account_id, want) in assessed(&expected) {
        let snapshot = collector.collect(&account_id, deadline()).await.unwrap();
        let facts = &want["facts"];
        let report = snapshot.users.as_ref().unwrap();
        for user in &report.users {
            check_user(user, &facts["users"][&user.arn]);
            for device in &facts["users"][&user.arn]["mfa_devices"]
                .as_array()
                .unwrap()
                .clone()
            {
                kinds_seen.insert(device["kind"].as_str().unwrap().to_string());
            }
        }
        check_use(
            report.root_usage.as_ref().unwrap(),
            &facts["root"]["stakes"],
            "root",
        );
        check_policies(&snapshot, facts);
        for region in snapshot.user_pools.as_ref().unwrap() {
            for pool in region.pools.as_ref().unwrap() {
                let got = pool.second_factors.as_ref().map(|read| {
                    read.as_ref()
                        .unwrap()
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                });
                let want = &facts["pools"][&pool.arn]["second_factors"];
                assert_eq!(json!(got), *want, "{}", pool.arn);
            }
        }
    }
    for kind in ["virtual", "fido", "hardware_totp"] {
        assert!(
            kinds_seen.contains(kind),
            "the demo has a {kind} device: {kinds_seen:?}"
        );
    }
}

/// The SCPs bearing on MFA (the seeded guardrails) that the seeder says are in force on
/// `account`.
fn seeded_in_force(expected: &Value, account: &OrgAccount) -> BTreeSet<String> {
    if account.id == expected["management_account_id"] {
        return BTreeSet::new();
    }
    let mut above: Vec<&str> = account
        .parents
        .as_ref()
        .unwrap()
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    above.push(&account.id);
    expected["scps"]
        .as_object()
        .unwrap()
        .values()
        .filter(|scp| scp["guardrail"] == true)
        .filter(|scp| {
            scp["targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| above.contains(&t.as_str().unwrap()))
        })
        .map(|scp| scp["id"].as_str().unwrap().to_string())
        .collect()
}

fn count(requests: &[Value], operation: &str, account: &str) -> usize {
    requests
        .iter()
        .filter(|r| r["operation"] == operation && r["account"] == account)
        .count()
}

#[tokio::test]
async fn the_scps_are_read_once_and_placed_down_the_ou_tree() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    let reader = OrganizationReader::new(&sdk, Caller::new(LimitSettings::unlimited()));
    let organization = reader.read().await.unwrap();
    emulator.clear_requests();
    let scps = reader
        .read_scps(&organization.management_account_id, scp_bears_on_mfa)
        .await
        .unwrap();
    let seeded = expected["scps"].as_object().unwrap();
    let requests = emulator.requests();
    let operations: BTreeMap<&str, usize> = requests.iter().fold(BTreeMap::new(), |mut by, r| {
        *by.entry(r["operation"].as_str().unwrap()).or_default() += 1;
        by
    });
    // The seeded SCPs and AWS's own FullAWSAccess: one description each, and the targets of
    // the guardrails (the only ones bearing on MFA) in pages of 20; FullAWSAccess, attached to
    // the root, every OU and every account, is not placed, nor the SCP that is no guardrail.
    let pages = |targets: usize| targets.div_ceil(20).max(1);
    let target_pages = seeded
        .values()
        .filter(|scp| scp["guardrail"] == true)
        .map(|scp| pages(scp["targets"].as_array().unwrap().len()))
        .sum::<usize>();
    let want = BTreeMap::from([
        ("ListRoots", 1),
        ("ListPolicies", 1),
        ("DescribePolicy", seeded.len() + 1),
        ("ListTargetsForPolicy", target_pages),
    ]);
    assert_eq!(operations, want, "once per sweep, nothing per account");
    let not_guardrails = seeded
        .values()
        .filter(|scp| scp["guardrail"] == false)
        .map(|scp| scp["id"].as_str().unwrap().to_string());
    let mut not_placed: Vec<String> = scps.not_placed().to_vec();
    not_placed.sort();
    let mut want_not_placed: Vec<String> = not_guardrails
        .chain(["p-FullAWSAccess".to_string()])
        .collect();
    want_not_placed.sort();
    assert_eq!(not_placed, want_not_placed);
    let guardrails: BTreeSet<&str> = expected["scps"]
        .as_object()
        .unwrap()
        .values()
        .filter(|scp| scp["guardrail"] == true)
        .map(|scp| scp["id"].as_str().unwrap())
        .collect();
    let mut placed_somewhere = false;
    for account in &organization.accounts {
        let Some(want) = expected["accounts"]
            .get(&account.id)
            .filter(|w| w["outcome"] == "assessed")
        else {
            continue;
        };
        let in_force: BTreeSet<String> = scps
            .in_force(account, "us-east-1")
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .filter(|id| id != "p-FullAWSAccess")
            .collect();
        assert_eq!(
            in_force,
            seeded_in_force(&expected, account),
            "{}",
            account.id
        );
        placed_somewhere |= !in_force.is_empty();
        let guarded: Vec<&str> = in_force
            .iter()
            .map(String::as_str)
            .filter(|id| guardrails.contains(id))
            .collect();
        assert_eq!(
            json!(guarded),
            want["facts"]["mfa_guardrail_scps"],
            "{}",
            account.id
        );
    }
    assert!(placed_somewhere);

    // SCPs disabled in the root: AWS has detached them all, none is in force, and nothing but
    // ListRoots is asked.
    let root = organization.accounts[0].parents.as_ref().unwrap()[0]
        .id
        .clone();
    let writer = aws_sdk_organizations::Client::new(&sdk);
    writer
        .disable_policy_type()
        .root_id(&root)
        .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    emulator.clear_requests();
    let scps = reader
        .read_scps(&organization.management_account_id, scp_bears_on_mfa)
        .await
        .unwrap();
    let asked: Vec<Value> = emulator
        .requests()
        .iter()
        .map(|r| r["operation"].clone())
        .collect();
    assert_eq!(asked, vec![json!("ListRoots")]);
    for account in organization.accounts.iter().filter(|a| a.parents.is_ok()) {
        assert_eq!(
            scps.in_force(account, "us-east-1").unwrap(),
            Vec::new(),
            "{}",
            account.id
        );
    }
}

#[tokio::test]
async fn each_read_costs_what_it_says_and_one_device_read_per_user() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    // IAM's four-hour cache: the second audit is served the first one's report.
    emulator.set_faults(json!({"credential_report_cache_seconds": 4 * 3600}));
    let collector = collector(&sdk, &expected);
    let searched = expected["regions"].as_array().unwrap();
    for cached in [false, true] {
        emulator.clear_requests();
        for (account_id, want) in assessed(&expected) {
            collector.collect(&account_id, deadline()).await.unwrap();
            let requests = emulator.requests();
            let seeded = &want["seeded"];
            let users = seeded["users"].as_array().unwrap();
            let with_mfa = users.iter().filter(|u| u["mfa"] == true).count();
            let pools = seeded["pools"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| searched.contains(&p["region"]))
                .filter(|p| {
                    p["first_factors"].is_null() || p["first_factors"] == json!(["PASSWORD"])
                })
                .filter(|p| p["mfa"] != "OFF")
                .count();
            let at = |op| count(&requests, op, &account_id);
            assert_eq!(
                at("GetAccountAuthorizationDetails"),
                1,
                "{account_id}: one page"
            );
            assert_eq!(at("GetUserPoolMfaConfig"), pools, "{account_id}");
            // A report made for the audit: a device read per user with MFA. An older one: every
            // user's MFA confirmed by the read that lists its devices, or (a virtual device
            // assigned) its devices read: one read per user either way, never two.
            let devices = if cached { users.len() } else { with_mfa };
            assert_eq!(
                at("ListMFADevices"),
                devices,
                "{account_id} (cached report: {cached})"
            );
        }
    }
    // Reads turned off: none of their calls, and nothing said about what was not read.
    let (account_id, _) = assessed(&expected).remove(0);
    emulator.clear_requests();
    let snapshot = collector_reading(&sdk, &expected, AuditReads::NONE)
        .collect(&account_id, deadline())
        .await
        .unwrap();
    let requests = emulator.requests();
    for operation in ["GetAccountAuthorizationDetails", "GetUserPoolMfaConfig"] {
        assert_eq!(count(&requests, operation, &account_id), 0, "{operation}");
    }
    assert!(snapshot.authorization.is_none() && snapshot.scps_in_force.is_none());
    let report = snapshot.users.unwrap();
    assert!(report.users.iter().all(|u| u.mfa_devices.is_none()));
}

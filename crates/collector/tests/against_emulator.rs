//! The collector against the project's emulator, through the real SDK over HTTP: every snapshot
//! field read as seeded, and pagination followed.

#![allow(clippy::unwrap_used)]

mod common;

use common::{collector, deadline, sdk};
use mfa_collector::{AccountState, Caller, LimitSettings, OrganizationReader};
use mfa_evaluator::{PoolSettings, SignInPolicy};
use mfa_testkit::Emulator;
use serde_json::Value;
use std::collections::HashMap;

#[tokio::test]
async fn reads_the_organization_with_small_pages() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    emulator.clear_requests();
    let organization = OrganizationReader::new(&sdk, Caller::new(LimitSettings::unlimited()))
        .with_page_size(3)
        .read()
        .await
        .unwrap();

    assert_eq!(organization.id, expected["organization_id"]);
    assert_eq!(
        organization.management_account_id,
        expected["management_account_id"]
    );
    let accounts = expected["accounts"].as_object().unwrap();
    assert_eq!(
        organization.accounts.len(),
        accounts.len(),
        "every page of ListAccounts"
    );
    for account in &organization.accounts {
        let want = &accounts[&account.id];
        assert_eq!(account.ou_path(), want["ou_path"], "{}", account.id);
        assert_eq!(
            account.name.as_deref(),
            want["account_name"].as_str(),
            "{}",
            account.id
        );
        let suspended = want["skip_reason"] == "suspended";
        let lifecycle = account.lifecycle.as_ref().unwrap();
        assert_eq!(
            lifecycle.state == AccountState::Suspended,
            suspended,
            "{}",
            account.id
        );
    }
    // The OU tree costs calls per OU and page, not per account: no ListParents at all.
    let requests = emulator.requests();
    let count = |op: &str| requests.iter().filter(|r| r["operation"] == op).count();
    assert_eq!(count("ListParents"), 0);
    assert!(
        count("ListAccounts") >= accounts.len() / 3,
        "pages of 3 were followed"
    );
    assert!(
        count("ListAccountsForParent") > 9,
        "9 parents, some with more than one page"
    );
}

#[tokio::test]
async fn reads_every_snapshot_field_as_seeded() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    let collector = collector(&sdk, &expected);
    let mut checked_pagination = false;
    for (account_id, want) in expected["accounts"].as_object().unwrap() {
        if want["outcome"] != "assessed" {
            continue;
        }
        let snapshot = collector.collect(account_id, deadline()).await.unwrap();
        let seeded = &want["seeded"];
        let root = &seeded["root"];

        let summary = snapshot.root.summary.as_ref().unwrap();
        assert_eq!(
            summary.account_password_present, root["password_present"],
            "{account_id}"
        );
        assert_eq!(
            summary.account_access_keys_present, root["access_keys_present"],
            "{account_id}"
        );
        let mfa = root["virtual_mfa"].as_bool().unwrap() || root["hardware_mfa"].as_bool().unwrap();
        assert_eq!(summary.account_mfa_enabled, mfa, "{account_id}");

        let root_arn = format!("arn:aws:iam::{account_id}:root");
        let devices = snapshot.root.assigned_virtual_devices.as_ref().unwrap();
        let on_root = devices
            .iter()
            .filter(|d| d.user_arn.as_deref() == Some(root_arn.as_str()))
            .count();
        assert_eq!(on_root == 1, root["virtual_mfa"], "{account_id}");

        let users: HashMap<&str, &mfa_evaluator::IamUser> = snapshot
            .users
            .as_ref()
            .unwrap()
            .users
            .iter()
            .map(|u| (u.arn.as_str(), u))
            .collect();
        let seeded_users = seeded["users"].as_array().unwrap();
        assert_eq!(
            users.len(),
            seeded_users.len(),
            "{account_id}: every user of the report"
        );
        for user in seeded_users {
            let got = users[user["arn"].as_str().unwrap()];
            assert_eq!(got.password_enabled, user["console"], "{}", user["arn"]);
            assert_eq!(got.mfa_active, user["mfa"], "{}", user["arn"]);
        }
        assert_eq!(
            devices.len() as u64,
            seeded["assigned_virtual_devices"].as_u64().unwrap(),
            "{account_id}: assigned devices"
        );
        if devices.len() > 100 {
            checked_pagination = true;
        }

        let mut pools: Vec<(String, String, Option<String>, PoolSettings)> = Vec::new();
        for region in snapshot.user_pools.as_ref().unwrap() {
            for pool in region.pools.as_ref().unwrap() {
                pools.push((
                    pool.arn.clone(),
                    region.region.clone(),
                    pool.name.clone(),
                    pool.settings.clone().unwrap(),
                ));
            }
        }
        // The pools of the regions searched (not the opt-in region one account enabled).
        let searched = expected["regions"].as_array().unwrap();
        let seeded_pools: Vec<&Value> = seeded["pools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|pool| searched.contains(&pool["region"]))
            .collect();
        assert_eq!(pools.len(), seeded_pools.len(), "{account_id}: pools");
        for pool in seeded_pools {
            let (_, region, name, settings) = pools.iter().find(|p| p.0 == pool["arn"]).unwrap();
            assert_eq!(region, &pool["region"]);
            assert_eq!(name.as_deref(), pool["name"].as_str());
            // DescribeUserPool's setting as it is now, not as the pool was created.
            assert_eq!(
                <&str>::from(&settings.mfa_configuration),
                pool["mfa"],
                "{}",
                pool["arn"]
            );
            let factors: Option<Vec<&str>> = match &settings.sign_in {
                SignInPolicy::Absent => None,
                SignInPolicy::Allowed(factors) => Some(factors.iter().map(|&f| f.into()).collect()),
            };
            assert_eq!(
                serde_json::to_value(factors).unwrap(),
                pool["first_factors"],
                "{}",
                pool["arn"]
            );
        }
    }
    assert!(
        checked_pagination,
        "one account has more assigned devices than one page"
    );
}

#[tokio::test]
async fn a_missing_role_or_wrong_external_id_is_access_denied() {
    let emulator = Emulator::start();
    let expected = emulator.seed();
    let sdk = sdk(&emulator).await;
    let accounts = expected["accounts"].as_object().unwrap();
    let (missing, _) = accounts
        .iter()
        .find(|(_, a)| a["outcome"] == "error")
        .unwrap();
    let error = collector(&sdk, &expected)
        .collect(missing, deadline())
        .await
        .unwrap_err();
    assert_eq!(error.operation, "sts:AssumeRole");
    assert_eq!(error.aws_code.as_deref(), Some("AccessDenied"));
    assert_eq!(&error.account_id, missing);

    let (present, _) = accounts
        .iter()
        .find(|(_, a)| a["outcome"] == "assessed")
        .unwrap();
    let mut wrong = expected.clone();
    wrong["external_id"] = "not-the-external-id".into();
    let error = collector(&sdk, &wrong)
        .collect(present, deadline())
        .await
        .unwrap_err();
    assert_eq!(error.aws_code.as_deref(), Some("AccessDenied"));
    assert!(
        !error.to_string().contains("not-the-external-id"),
        "{error}"
    );
}

#[tokio::test]
async fn a_write_fails_before_it_is_sent() {
    let emulator = Emulator::start();
    let sdk = sdk(&emulator).await;
    let iam = aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::config::Builder::from(&sdk)
            .interceptor(mfa_collector::ReadOnlyGuard)
            .build(),
    );
    emulator.clear_requests();
    let error = iam
        .create_user()
        .user_name("intruder")
        .send()
        .await
        .unwrap_err();
    let message = format!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(&error)
    );
    assert!(
        message.contains("IAM:CreateUser is not a read-only operation"),
        "{message}"
    );
    // A read goes through the same guard and reaches the emulator.
    iam.get_account_summary().send().await.unwrap();
    let operations: Vec<Value> = emulator
        .requests()
        .iter()
        .map(|r| r["operation"].clone())
        .collect();
    assert_eq!(
        operations,
        vec![Value::from("GetAccountSummary")],
        "nothing else was sent"
    );
}

//! End to end: seed the demo organization into a fresh emulator, sweep it into a fresh database
//! with the real binary, read the JSON report back, and compare every account and control with
//! what the seeder says a correct audit finds.

#![allow(clippy::unwrap_used)]

mod common;

use common::{check_account_call_budget, compare_with_expected, setup, text};
use mfa_testkit::repo_root;
use serde_json::Value;
use std::process::Command;

#[tokio::test]
async fn a_sweep_of_the_demo_organization_matches_the_seeders_expectations() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(
        sweep.status.code(),
        Some(2),
        "one account errors, so the sweep exits 2\nstdout: {}\nstderr: {}",
        text(&sweep.stdout),
        text(&sweep.stderr)
    );
    assert!(
        text(&sweep.stdout).contains("partial"),
        "{}",
        text(&sweep.stdout)
    );

    let requests = emulator.requests();
    check_call_budget(&requests, &expected);
    // Read-only by construction: nothing but allow-listed operations reached AWS.
    for request in &requests {
        let service = match request["service"].as_str().unwrap() {
            "iam" => "IAM",
            "sts" => "STS",
            "organizations" => "Organizations",
            "cognito-idp" => "Cognito Identity Provider",
            other => panic!("a call to an unexpected service {other}"),
        };
        let operation = request["operation"].as_str().unwrap();
        assert!(
            mfa_collector::is_allowed(service, operation),
            "{service}:{operation} was sent"
        );
    }

    let report = auditor.json_report();
    assert_eq!(report["sweep"]["status"], "partial");
    assert!(report["sweep"]["finished_at"].is_string());
    compare_with_expected(&report, &expected);

    let text_report = auditor.run(&["report"]);
    assert!(
        text_report.status.success(),
        "{}",
        text(&text_report.stderr)
    );
    let readable = text(&text_report.stdout);
    assert!(readable.contains("MFA audit, sweep"), "{readable}");
    assert!(readable.contains("Failing resources"), "{readable}");
    assert!(readable.contains("sts:AssumeRole"), "{readable}");
    assert!(readable.contains("suspended"), "{readable}");
}

/// AWS calls are the cost on real AWS: per account exactly AssumeRole, GetAccountSummary,
/// ListVirtualMFADevices (plus pages), GenerateCredentialReport, GetCredentialReport, one
/// ListUserPools per region and one DescribeUserPool per pool, and the facts' reads
/// (`common::facts_call_budget`); the organization costs calls per OU and SCP, never per
/// account.
fn check_call_budget(requests: &[Value], expected: &Value) {
    check_account_call_budget(requests, expected);
    let organization: Vec<&str> = requests
        .iter()
        .filter(|r| r["service"] == "organizations")
        .map(|r| r["operation"].as_str().unwrap())
        .collect();
    // Describe + ListRoots + ListAccounts, then two calls for each of the 9 parents; the SCPs
    // once per sweep, never per account.
    assert_eq!(
        organization.len(),
        3 + 2 * 9 + common::scp_call_budget(expected),
        "{organization:?}"
    );
    assert!(!organization.contains(&"ListParents"));
}

#[tokio::test]
async fn accounts_lists_the_plan_and_fail_on_findings_exits_3() {
    let (_emulator, expected, auditor) = setup().await;

    let accounts = auditor.run(&["accounts"]);
    assert!(accounts.status.success(), "{}", text(&accounts.stderr));
    let listing = text(&accounts.stdout);
    for (account_id, want) in expected["accounts"].as_object().unwrap() {
        let line = listing
            .lines()
            .find(|l| l.starts_with(account_id.as_str()))
            .unwrap_or_else(|| panic!("{account_id} not listed:\n{listing}"));
        assert!(line.contains(want["ou_path"].as_str().unwrap()), "{line}");
        let decision = if want["outcome"] == "skipped" {
            "suspended"
        } else {
            "included"
        };
        assert!(line.contains(decision), "{line}");
    }

    let excluded = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .current_dir(repo_root())
        .args(["--config", "config/default.toml", "accounts"])
        .env("DATABASE_URL", &auditor.database_url)
        .env("AWS_ENDPOINT_URL", &auditor.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env(
            "MFA_AUDITOR__ORGANIZATION__AUDIT_MANAGEMENT_ACCOUNT",
            "false",
        )
        .output()
        .unwrap();
    let management = expected["management_account_id"].as_str().unwrap();
    let line = text(&excluded.stdout)
        .lines()
        .find(|l| l.starts_with(management))
        .map(str::to_string)
        .unwrap();
    assert!(
        line.contains("excluded (organization.audit_management_account = false)"),
        "{line}"
    );

    let gate = auditor.run(&["sweep", "--fail-on-findings"]);
    assert_eq!(gate.status.code(), Some(3), "{}", text(&gate.stderr));
}

#[tokio::test]
async fn a_second_sweep_reports_what_changed_and_csv_exports_current_findings() {
    let (emulator, expected, auditor) = setup().await;
    let first = auditor.run(&["sweep"]);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first.stderr));

    // prod-web's root user enrols a hardware key: IAM.9 and IAM.6 are resolved.
    let prod_web = common::account_named(&expected, "prod-web");
    emulator.set_root_state(
        &prod_web,
        serde_json::json!({"password_present": true, "access_keys_present": false,
                           "virtual_mfa": false, "hardware_mfa": true}),
    );
    let second = auditor.run(&["sweep"]);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second.stderr));

    let report = auditor.json_report();
    let changes = report["changes_since_previous_sweep"].as_array().unwrap();
    let root = format!("arn:aws:iam::{prod_web}:root");
    let mut resolved: Vec<&str> = changes
        .iter()
        .inspect(|c| {
            assert_eq!(
                c["resource_id"],
                root.as_str(),
                "only prod-web's root changed: {c}"
            )
        })
        .map(|c| {
            assert_eq!(c["change"], "resolved");
            c["control_id"].as_str().unwrap()
        })
        .collect();
    resolved.sort();
    assert_eq!(resolved, vec!["IAM.6", "IAM.9"]);

    let readable = text(&auditor.run(&["report"]).stdout);
    assert!(
        readable.contains(
            "Changed since the previous sweep: 0 new failures, 2 resolved; 2 findings changed \
             (0 new resources, 0 gone)"
        ),
        "{readable}"
    );

    let csv = auditor.run(&["report", "--format", "csv"]);
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let csv = text(&csv.stdout);
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("account_id,account_name,ou_path,control_id"));
    let rows: Vec<&str> = lines.collect();
    let resources: usize = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["controls"].as_array().unwrap())
        .map(|c| c["resources"].as_array().unwrap().len())
        .sum();
    assert_eq!(rows.len(), resources, "one row per resource and control");
    assert!(rows
        .iter()
        .any(|r| r.contains(&root) && r.contains("IAM.9") && r.contains("PASSED")));
}

#[tokio::test]
async fn a_bad_configuration_exits_1_naming_the_key() {
    let dir = std::env::temp_dir().join(format!("mfa_e2e_config_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.toml");
    std::fs::write(&file, "[organization]\ninclude_accounts = [\"1234\"]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .args(["--config", file.to_str().unwrap(), "sweep"])
        .env("DATABASE_URL", "postgres://127.0.0.1:1/none")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("bad.toml"), "{stderr}");
    assert!(stderr.contains("organization.include_accounts"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let unreachable = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .current_dir(repo_root())
        .args(["--config", "config/default.toml", "report"])
        .env(
            "DATABASE_URL",
            "postgres://postgres@127.0.0.1:1/mfa_auditor",
        )
        .env("MFA_AUDITOR__DATABASE__CONNECT_TIMEOUT_SECONDS", "2")
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(1));
    let stderr = text(&unreachable.stderr);
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");

    let no_url = dir.join("no-url.toml");
    std::fs::write(&no_url, "[audit]\nregions = [\"us-east-1\"]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"))
        .args(["--config", no_url.to_str().unwrap(), "report"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no-url.toml: key `database.url` is not set"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--log-format json`: one JSON object per line, and every line about an account carries the
/// account's id and the operation, here with errors, Cognito failures and throttled retries.
#[tokio::test]
async fn json_logs_name_the_account_and_the_operation_on_every_account_line() {
    let (emulator, expected, auditor) = setup().await;
    let failing = common::account_named(&expected, "prod-web");
    emulator.set_faults(serde_json::json!({
        "throttle_services": ["iam"],
        "throttle_every": 4,
        "cognito_faults": [{"account": failing, "region": "eu-west-1", "error": "AccessDeniedException"}],
    }));
    let sweep = auditor.run(&["-v", "--log-format", "json", "sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let account_ids: Vec<&String> = expected["accounts"].as_object().unwrap().keys().collect();
    let mut account_lines = 0;
    for line in text(&sweep.stderr).lines() {
        let event: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let Some(account) = account_ids.iter().find(|id| line.contains(id.as_str())) else {
            continue;
        };
        account_lines += 1;
        let named = event["account_id"] == account.as_str()
            || event["span"]["account_id"] == account.as_str();
        assert!(named, "the line names its account in a field: {line}");
        assert!(
            event["operation"].as_str().is_some_and(|o| !o.is_empty()),
            "the line names the operation: {line}"
        );
    }
    // The denied account, the Cognito failure, and the retries of throttled IAM calls.
    assert!(account_lines >= 3, "{}", text(&sweep.stderr));
    println!("{account_lines} log lines about accounts, each with its id and operation");
}

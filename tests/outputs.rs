//! The formats other tools read (OCSF, ASFF, CSV) and the compliance mapping, checked with the
//! tools that define each format (tests/validators/validate.py) and against the JSON report.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, text, Auditor};
use mfa_testkit::repo_root;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs the format's validator on `output`; panics with its problems.
fn validate(kind: &str, output: &[u8]) -> String {
    let python = std::env::var("MFA_AUDITOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(python)
        .arg(repo_root().join("tests/validators/validate.py"))
        .arg(kind)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(output).unwrap();
    let result = child.wait_with_output().unwrap();
    let said = text(&result.stdout) + &text(&result.stderr);
    assert!(result.status.success(), "{kind} validation failed:\n{said}");
    said
}

fn report(auditor: &Auditor, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let output = auditor.run(&all);
    assert!(output.status.success(), "{}", text(&output.stderr));
    output.stdout
}

/// (account, control, resource) → (status, excepted, related requirements) from the JSON report.
type Findings = BTreeMap<(String, String, String), (String, bool, Value)>;

fn json_findings(report: &Value) -> Findings {
    let mut findings = Findings::new();
    for account in report["accounts"].as_array().unwrap() {
        for control in account["controls"].as_array().unwrap() {
            for resource in control["resources"].as_array().unwrap() {
                findings.insert(
                    (
                        account["account_id"].as_str().unwrap().into(),
                        control["control_id"].as_str().unwrap().into(),
                        resource["resource_id"].as_str().unwrap().into(),
                    ),
                    (
                        resource["status"].as_str().unwrap().into(),
                        !resource["exception"].is_null(),
                        control["related_requirements"].clone(),
                    ),
                );
            }
        }
    }
    findings
}

#[tokio::test]
async fn ocsf_and_asff_are_valid_and_say_what_the_json_report_says() {
    let (_emulator, expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-outputs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::accept_ci_user_risk(&mut auditor, &expected, &dir, 60);
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(
        sweep.status.code(),
        Some(2),
        "one account errors: {}",
        text(&sweep.stderr)
    );

    let json = auditor.json_report();
    let want = json_findings(&json);
    assert!(want.values().any(|(_, excepted, _)| *excepted));
    assert!(want.values().any(|(status, _, _)| status == "PASSED"));
    assert!(
        want.values()
            .any(|(status, _, _)| status == "NOT_APPLICABLE"),
        "the demo's passwordless pools"
    );

    // OCSF: valid per py-ocsf-models, one line per resource × control, the same verdicts.
    let ocsf = report(&auditor, &["--format", "ocsf"]);
    let said = validate("ocsf", &ocsf);
    assert!(
        said.contains(&format!("{} ocsf findings valid", want.len())),
        "{said}"
    );
    let mut got = Findings::new();
    for line in text(&ocsf).lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let status = match event["compliance"]["status_id"].as_u64().unwrap() {
            1 => "PASSED",
            3 => "FAILED",
            // A resource the control does not evaluate: Other, the reason in the detail.
            99 => {
                assert!(
                    event["status_detail"]
                        .as_str()
                        .is_some_and(|why| why.contains("passwordless")),
                    "{line}"
                );
                "NOT_APPLICABLE"
            }
            other => panic!("compliance.status_id {other}: {line}"),
        };
        let account = event["cloud"]["account"]["uid"].as_str().unwrap();
        assert_eq!(
            event["cloud"]["org"]["uid"],
            json["sweep"]["organization_id"]
        );
        let control = event["compliance"]["control"].as_str().unwrap();
        assert_eq!(
            event["finding_info"]["uid"],
            format!(
                "mfa-auditor/{account}/{control}/{}",
                event["resources"][0]["uid"].as_str().unwrap()
            )
        );
        if status == "FAILED" {
            assert!(
                event["finding_info"]["first_seen_time"].is_i64(),
                "failing_since: {line}"
            );
        }
        got.insert(
            (
                account.into(),
                control.into(),
                event["resources"][0]["uid"].as_str().unwrap().into(),
            ),
            (
                status.into(),
                event["status_id"] == 3,
                event["compliance"]["requirements"].clone(),
            ),
        );
    }
    assert_eq!(got, want, "OCSF says what the JSON report says");

    // ASFF: valid per botocore's BatchImportFindings shape, the same verdicts.
    let asff = report(&auditor, &["--format", "asff"]);
    let said = validate("asff", &asff);
    assert!(
        said.contains(&format!("{} asff findings valid", want.len())),
        "{said}"
    );
    let findings: Vec<Value> = serde_json::from_slice(&asff).unwrap();
    let mut got = Findings::new();
    for finding in &findings {
        let account = finding["AwsAccountId"].as_str().unwrap();
        assert_eq!(
            finding["ProductArn"],
            format!("arn:aws:securityhub:us-east-1:{account}:product/{account}/default")
        );
        let workflow = finding["Workflow"]["Status"].as_str().unwrap();
        let status = match finding["Compliance"]["Status"].as_str().unwrap() {
            // Security Hub's word for a resource AWS Config does not evaluate.
            "NOT_AVAILABLE" => {
                let reason = &finding["Compliance"]["StatusReasons"][0];
                assert_eq!(
                    reason["ReasonCode"], "CONFIG_RETURNS_NOT_APPLICABLE",
                    "{finding}"
                );
                assert!(
                    reason["Description"]
                        .as_str()
                        .is_some_and(|why| why.contains("passwordless")),
                    "{finding}"
                );
                "NOT_APPLICABLE"
            }
            status => status,
        };
        got.insert(
            (
                account.into(),
                finding["Compliance"]["SecurityControlId"]
                    .as_str()
                    .unwrap()
                    .into(),
                finding["Resources"][0]["Id"].as_str().unwrap().into(),
            ),
            (
                status.into(),
                workflow == "SUPPRESSED",
                finding["Compliance"]["RelatedRequirements"].clone(),
            ),
        );
    }
    assert_eq!(got, want, "ASFF says what the JSON report says");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_framework_narrows_every_format_and_groups_the_text_by_requirement() {
    let (_emulator, _expected, auditor) = setup().await;
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(
        sweep.status.code(),
        Some(2),
        "one account errors: {}",
        text(&sweep.stderr)
    );

    let json: Value = serde_json::from_slice(&report(
        &auditor,
        &["--format", "json", "--framework", "CIS"],
    ))
    .unwrap();
    assert_eq!(
        json["sweep"]["controls"],
        serde_json::json!(["IAM.9", "IAM.6", "IAM.5"]),
        "IAM.19 and Cognito.5 relate to no CIS requirement in Security Hub"
    );
    let iam9 = &json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["outcome"] == "assessed")
        .unwrap()["controls"][0];
    assert!(iam9["related_requirements"]
        .as_array()
        .unwrap()
        .contains(&Value::from("CIS AWS Foundations Benchmark v1.4.0/1.5")));

    let by_requirement = text(&report(
        &auditor,
        &["--framework", "cis aws foundations benchmark v1.4"],
    ));
    assert!(
        by_requirement.contains("\nCIS AWS Foundations Benchmark v1.4.0\n"),
        "{by_requirement}"
    );
    assert!(
        !by_requirement.contains("\nCIS AWS Foundations Benchmark v3.0.0\n"),
        "only the standard asked for: {by_requirement}"
    );
    // Items in the benchmark's order, each with its controls.
    let items: Vec<&str> = by_requirement
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(items[..3], ["1.5", "1.6", "1.10"], "{by_requirement}");
    assert!(by_requirement.contains("    IAM.9 "), "{by_requirement}");

    let csv = text(&report(
        &auditor,
        &["--format", "csv", "--framework", "PCI DSS v3.2.1"],
    ));
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with(
            ",related_requirements,not_evaluated,priority,phishing_resistant,mfa_enforcement,\
             admin_equivalent"
        ),
        "{header}"
    );
    assert!(
        csv.lines().skip(1).all(|l| !l.contains(",IAM.5,")),
        "IAM.5 is not PCI DSS v3.2.1"
    );
    assert!(csv.contains("PCI DSS v3.2.1/8.3.1"), "{csv}");

    let bad = auditor.run(&["report", "--framework", "SOC 2"]);
    assert_eq!(bad.status.code(), Some(1));
    let stderr = text(&bad.stderr);
    assert!(
        stderr.contains("--framework \"SOC 2\" names no standard")
            && stderr.contains("PCI DSS v4.0.1"),
        "{stderr}"
    );
}

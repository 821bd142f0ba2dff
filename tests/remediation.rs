//! The remediation kit under `deploy/remediation/`: linted by the tools that define each kind
//! (parliament, cfn-lint, HCL2: tests/validators/lint_deploy.py), the Conftest rule run on
//! Terraform plans that should and should not pass, and every control's remediation text
//! pointing at pieces that exist.

#![allow(clippy::unwrap_used)]

use mfa_evaluator::ControlId;
use mfa_testkit::repo_root;
use std::process::Command;

#[test]
fn every_policy_template_and_terraform_file_under_deploy_lints_clean() {
    let python = std::env::var("MFA_AUDITOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(python)
        .arg(repo_root().join("tests/validators/lint_deploy.py"))
        .arg(repo_root().join("deploy"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    for expected in [
        "remediation/require-mfa-policy.json: parliament: 0 findings",
        "remediation/protect-mfa-scp.json: parliament: 0 findings",
        "iam/audit-role-stackset.yaml: cfn-lint: 0 findings",
        "remediation/terraform/cognito-user-pool-mfa.tf: hcl2: 0 findings",
    ] {
        assert!(said.contains(expected), "{expected} in:\n{said}");
    }
}

/// The Conftest rule's `deny` messages for a Terraform plan.
fn denials(plan: &str) -> Vec<String> {
    let dir = repo_root().join("deploy/remediation/policy");
    let mut engine = regorus::Engine::new();
    engine
        .add_policy_from_file(dir.join("login_profile_requires_mfa.rego"))
        .unwrap();
    engine.set_input(regorus::Value::from_json_file(dir.join("testdata").join(plan)).unwrap());
    let deny = engine.eval_rule("data.main.deny".to_string()).unwrap();
    deny.as_set()
        .unwrap()
        .iter()
        .map(|message| message.as_string().unwrap().to_string())
        .collect()
}

#[test]
fn a_plan_creating_a_console_user_without_the_mfa_policy_fails_conftest() {
    let denied = denials("console-user-without-enforcement.json");
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert!(
        denied[0]
            .starts_with("IAM user \"alice\" gets a console password but no RequireMFA policy"),
        "{denied:?}"
    );
    for plan in [
        "console-user-in-enforced-group.json",
        "console-user-with-policy-attached.json",
    ] {
        assert_eq!(denials(plan), Vec::<String>::new(), "{plan}");
    }
}

#[test]
fn every_controls_remediation_points_at_pieces_of_the_kit_that_exist() {
    for control in ControlId::ALL {
        let text = control.remediation();
        let pieces: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || "(),;".contains(c))
            .map(|word| word.trim_end_matches('.'))
            .filter(|word| word.starts_with("deploy/remediation/"))
            .collect();
        assert!(!pieces.is_empty(), "{control}: {text}");
        for piece in pieces {
            assert!(
                repo_root().join(piece).is_file(),
                "{control}: {piece} does not exist"
            );
        }
    }
}

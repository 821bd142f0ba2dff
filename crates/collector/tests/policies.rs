//! `deploy/iam/` grants exactly the operations the collector calls, and every one of them is on
//! the read-only allow-list.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const SERVICES: [(&str, &str); 5] = [
    ("sts", "STS"),
    ("iam", "IAM"),
    ("organizations", "Organizations"),
    ("cognito-idp", "Cognito Identity Provider"),
    ("account", "Account"),
];

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The collector's source files, in its subdirectories too.
fn sources(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
            found.push(path);
        }
    }
}

/// Every `"service:Operation"` literal in the collector's sources: the operations it calls.
fn operations_in_sources() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut files = Vec::new();
    sources(&root().join("crates/collector/src"), &mut files);
    for path in files {
        if path.ends_with("guard.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            if let Some((service, operation)) = literal.split_once(':') {
                let is_operation = SERVICES.iter().any(|(s, _)| *s == service)
                    && !operation.is_empty()
                    && operation.chars().all(|c| c.is_ascii_alphanumeric())
                    && operation.starts_with(|c: char| c.is_ascii_uppercase());
                if is_operation {
                    found.insert(literal.to_string());
                }
            }
        }
    }
    found
}

fn actions(file: &str) -> BTreeSet<String> {
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("deploy/iam").join(file)).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
    let mut out = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow", "{file}");
        match &statement["Action"] {
            Value::String(action) => {
                out.insert(action.clone());
            }
            Value::Array(list) => out.extend(list.iter().map(|a| a.as_str().unwrap().to_string())),
            other => panic!("{file}: Action {other}"),
        }
    }
    out
}

#[test]
fn the_policies_grant_exactly_what_the_collector_calls() {
    let used = operations_in_sources();
    assert!(
        used.contains("sts:AssumeRole") && used.contains("iam:GetCredentialReport"),
        "{used:?}"
    );
    let mut granted = actions("caller-policy.json");
    granted.extend(actions("audit-role-policy.json"));
    assert_eq!(
        granted, used,
        "deploy/iam grants what the code calls, no more, no less"
    );
    for action in &granted {
        let (service, operation) = action.split_once(':').unwrap();
        let sdk_name = SERVICES.iter().find(|(s, _)| *s == service).unwrap().1;
        assert!(
            mfa_collector::is_allowed(sdk_name, operation),
            "{action} is not allow-listed"
        );
    }
}

#[test]
fn the_trust_policy_requires_the_external_id() {
    let trust: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("deploy/iam/audit-role-trust-policy.json")).unwrap(),
    )
    .unwrap();
    let statement = &trust["Statement"][0];
    assert_eq!(statement["Action"], "sts:AssumeRole");
    assert!(statement["Condition"]["StringEquals"]["sts:ExternalId"].is_string());
}

#[test]
fn the_stackset_template_grants_what_the_audit_role_policy_grants() {
    let template =
        std::fs::read_to_string(root().join("deploy/iam/audit-role-stackset.yaml")).unwrap();
    let granted: BTreeSet<String> = template
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("- "))
        .filter(|a| {
            ["iam:", "cognito-idp:", "account:"]
                .iter()
                .any(|s| a.starts_with(s))
        })
        .map(str::to_string)
        .collect();
    assert_eq!(granted, actions("audit-role-policy.json"));
    assert!(template.contains("sts:ExternalId: !Ref ExternalId"));
}

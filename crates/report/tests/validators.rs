//! The OCSF and ASFF documents of a report with every priority, checked by the tools that define
//! each format (`tests/validators/validate.py`: py-ocsf-models, botocore's model of
//! `BatchImportFindings`), with the Python of `MFA_AUDITOR_PYTHON` (`scripts/test` sets it; the
//! venv of `tests/validators/requirements.txt`). Each check has its positive control: the same
//! document with the value where it does not belong is refused.

use mfa_report::{fixtures, render_asff, render_ocsf};
use serde_json::{json, Value};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Runs the validator on `document`: whether it passed, and what it said.
fn validate(kind: &str, document: &str) -> (bool, String) {
    let python = std::env::var("MFA_AUDITOR_PYTHON").unwrap_or_else(|_| "python3".into());
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/validators/validate.py");
    let spawned = Command::new(&python)
        .arg(&script)
        .arg(kind)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) => panic!("cannot run {python} (set MFA_AUDITOR_PYTHON, as scripts/test does): {e}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(document.as_bytes())
            .expect("the validator reads its input");
    }
    let output = child.wait_with_output().expect("the validator ends");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        !said.contains("ModuleNotFoundError"),
        "{python} lacks the validators' packages (tests/validators/requirements.txt; set \
         MFA_AUDITOR_PYTHON, as scripts/test does):\n{said}"
    );
    (output.status.success(), said)
}

#[test]
fn ocsf_with_every_priority_is_valid_and_a_risk_level_at_the_top_is_not() {
    let ocsf = render_ocsf(&fixtures::priorities_report());
    let (valid, said) = validate("ocsf", &ocsf);
    assert!(valid, "{said}\n{ocsf}");
    assert!(said.contains("8 ocsf findings valid"), "{said}");
    let ids: Vec<Value> = ocsf
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a JSON line"))
        .map(|event| event["unmapped"]["risk_level_id"].clone())
        .collect();
    for id in 1..=4 {
        assert!(ids.contains(&json!(id)), "risk_level_id {id}: {ocsf}");
    }

    // OCSF 1.5.0's Compliance Finding has no risk_level: the validator refuses it there.
    let line = ocsf
        .lines()
        .find(|line| line.contains("risk_level_id"))
        .expect("a line with a priority");
    let mut event: Value = serde_json::from_str(line).expect("a JSON line");
    event["risk_level"] = event["unmapped"]["risk_level"].take();
    event["risk_level_id"] = event["unmapped"]["risk_level_id"].take();
    let (valid, said) = validate("ocsf", &event.to_string());
    assert!(!valid, "{said}");
    assert!(said.contains("unknown key .risk_level"), "{said}");
}

#[test]
fn asff_with_every_priority_is_valid_and_a_criticality_of_another_type_is_not() {
    let asff = render_asff(&fixtures::priorities_report()).expect("renders");
    let (valid, said) = validate("asff", &asff);
    assert!(valid, "{said}\n{asff}");
    assert!(said.contains("8 asff findings valid"), "{said}");
    let mut findings: Vec<Value> = serde_json::from_str(&asff).expect("a JSON array");
    let criticalities: Vec<&Value> = findings.iter().map(|f| &f["Criticality"]).collect();
    for expected in [90, 70, 40, 10] {
        assert!(criticalities.contains(&&json!(expected)), "{asff}");
    }

    // botocore checks what it is given: a criticality that is no integer is refused.
    let with = findings
        .iter_mut()
        .find(|f| f["Criticality"].is_number())
        .expect("a finding with a priority");
    with["Criticality"] = json!("90");
    let (valid, said) = validate("asff", &Value::from(vec![with.clone()]).to_string());
    assert!(!valid, "{said}");
    assert!(said.contains("Criticality"), "{said}");
}

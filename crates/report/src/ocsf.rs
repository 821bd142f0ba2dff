//! `report --format ocsf`: one OCSF 1.5.0 Compliance Finding (class 2003) per resource ×
//! control, as JSON lines, for a SIEM or Amazon Security Lake.

use crate::findings::{findings, Finding};
use crate::SweepReport;
use chrono::{DateTime, Utc};
use mfa_evaluator::{Priority, Severity, Status};
use serde_json::{json, Value};

/// The OCSF schema version the findings follow.
pub const OCSF_VERSION: &str = "1.5.0";

const COMPLIANCE_FINDING: u32 = 2003;
const ACTIVITY_CREATE: u32 = 1;

/// The findings as JSON lines, one Compliance Finding per line.
pub fn render_ocsf(report: &SweepReport) -> String {
    let mut out = String::new();
    for finding in findings(report) {
        out += &ocsf_finding(&finding).to_string();
        out.push('\n');
    }
    out
}

fn ocsf_finding(finding: &Finding) -> Value {
    let sweep = &finding.report.sweep;
    let time = sweep.finished_at.unwrap_or(sweep.started_at);
    let control = finding.control_id();
    let resource = finding.resource;
    let (status_id, status) = workflow_status(finding);
    let (severity_id, severity) = severity_of(finding);
    let mut event = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": COMPLIANCE_FINDING,
        "class_name": "Compliance Finding",
        "type_uid": COMPLIANCE_FINDING * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": millis(time),
        "time_dt": time,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": resource.status.as_str(),
        "message": format!("{control} {} for {}", resource.status, resource.resource_id),
        "metadata": {
            "version": OCSF_VERSION,
            "product": {
                "name": "mfa-auditor",
                "vendor_name": "mfa-auditor",
                "version": env!("CARGO_PKG_VERSION"),
                "uid": "mfa-auditor",
            },
            "profiles": ["cloud"],
            "event_code": control.as_str(),
            "correlation_uid": sweep.id,
        },
        "finding_info": finding_info(finding, time),
        "compliance": {
            "control": control.as_str(),
            "standards": finding.standards(),
            "requirements": finding.control.related_requirements,
            "status_id": compliance_status_id(resource.status),
        },
        "resources": [{
            "uid": resource.resource_id,
            "type": resource.resource_type.as_str(),
            "region": finding.region(),
            "cloud_partition": finding.partition(),
            "data": {"evidence": resource.evidence},
        }],
        "cloud": cloud(finding),
        "remediation": {
            "desc": control.remediation(),
            "references": [control.reference_url()],
        },
    });
    add_why_not_counted(&mut event, finding);
    add_risk_level(&mut event, finding);
    event
}

/// The finding's workflow status: suppressed when an exception covers it.
fn workflow_status(finding: &Finding) -> (u32, &'static str) {
    match finding.resource.exception {
        Some(_) => (3, "Suppressed"),
        None => (1, "New"),
    }
}

/// OCSF's compliance status: 1 Pass, 3 Fail, 99 Other.
fn compliance_status_id(status: Status) -> u32 {
    match status {
        Status::Passed => 1,
        Status::Failed => 3,
        Status::NotApplicable | Status::Error => 99,
    }
}

/// Informational when nothing is wrong; otherwise the control's severity.
fn severity_of(finding: &Finding) -> (u32, &'static str) {
    match (finding.resource.status, finding.control_id().severity()) {
        (Status::Passed | Status::NotApplicable, _) => (1, "Informational"),
        (_, Severity::Critical) => (5, "Critical"),
        (_, Severity::Medium) => (3, "Medium"),
    }
}

/// The control as a finding: title, reference, and since when the resource has failed.
fn finding_info(finding: &Finding, time: DateTime<Utc>) -> Value {
    let control = finding.control_id();
    let resource = finding.resource;
    let mut finding_info = json!({
        "uid": finding.uid(),
        "title": control.title(),
        "desc": format!("{control} {}: {}", resource.status, control.title()),
        "types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "src_url": control.reference_url(),
        "last_seen_time": millis(time),
        "last_seen_time_dt": time,
    });
    if let Some(since) = resource.failing_since {
        finding_info["first_seen_time"] = json!(millis(since));
        finding_info["first_seen_time_dt"] = json!(since);
    }
    finding_info
}

/// The account, its region and its place in the organization.
fn cloud(finding: &Finding) -> Value {
    json!({
        "provider": "AWS",
        "region": finding.region(),
        "account": {
            "uid": finding.account.account_id,
            "name": finding.account.account_name,
            "type": "AWS Account",
            "type_id": 10,
        },
        "org": {
            "uid": finding.report.sweep.organization_id,
            "ou_name": finding.account.ou_path,
        },
    })
}

/// An accepted risk's exception, or why the control does not evaluate the resource.
fn add_why_not_counted(event: &mut Value, finding: &Finding) {
    let resource = finding.resource;
    if let Some(exception) = &resource.exception {
        event["comment"] = json!(format!(
            "Accepted risk: exception {} (owner {}, until {}): {}",
            exception.id, exception.owner, exception.expires, exception.reason
        ));
        event["unmapped"] = json!({ "exception": exception });
    }
    if let Some(reason) = crate::not_evaluated_reason(resource) {
        // Compliance status 99 (Other): the finding's status detail says why.
        event["status_detail"] = json!(reason);
    }
}

/// The priority of a failing identity (`docs/controls.md`) as OCSF's risk level, under OCSF's
/// own names and enum. OCSF 1.5.0 gives `risk_level` and `risk_level_id` to the Detection
/// Finding class and not to the Compliance Finding, so they go in `unmapped` (the validator
/// refuses them at the top level); only where a priority was read.
fn add_risk_level(event: &mut Value, finding: &Finding) {
    let Some(priority) = finding.resource.facts.priority else {
        return;
    };
    let (id, caption) = risk_level(priority);
    event["unmapped"]["risk_level"] = json!(caption);
    event["unmapped"]["risk_level_id"] = json!(id);
}

/// OCSF's `risk_level_id` (0 Info, 1 Low, 2 Medium, 3 High, 4 Critical) and its caption.
fn risk_level(priority: Priority) -> (u8, &'static str) {
    match priority {
        Priority::Critical => (4, "Critical"),
        Priority::High => (3, "High"),
        Priority::Medium => (2, "Medium"),
        Priority::Low => (1, "Low"),
    }
}

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn the_priority_is_the_risk_level_where_one_was_read() {
        let report = fixtures::priorities_report();
        let events: Vec<Value> = render_ocsf(&report)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        let risk = |user: &str| {
            let event = events
                .iter()
                .find(|e| {
                    e["resources"][0]["uid"]
                        .as_str()
                        .is_some_and(|uid| uid.ends_with(&format!("/{user}")))
                })
                .expect("the user's finding");
            (
                event["unmapped"]["risk_level_id"].clone(),
                event["unmapped"]["risk_level"].clone(),
            )
        };
        for (user, id, caption) in [
            ("critical", 4, "Critical"),
            ("high", 3, "High"),
            ("medium", 2, "Medium"),
            ("low", 1, "Low"),
        ] {
            assert_eq!(risk(user), (json!(id), json!(caption)), "{user}");
        }
        assert_eq!(risk("unread"), (Value::Null, Value::Null));
        // Beside an exception, not instead of it.
        let excepted = risk("excepted");
        assert_eq!(excepted, (json!(4), json!("Critical")));
        assert!(events
            .iter()
            .any(|e| e["unmapped"]["exception"]["id"] == "ci-keys"
                && e["unmapped"]["risk_level_id"] == 4));
        // Never at the top level, where OCSF 1.5.0's Compliance Finding has no such attribute.
        assert!(events
            .iter()
            .all(|e| e.get("risk_level").is_none() && e.get("risk_level_id").is_none()));
    }
}

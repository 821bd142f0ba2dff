//! `report --format ocsf`: one OCSF 1.5.0 Compliance Finding (class 2003) per resource ×
//! control, as JSON lines, for a SIEM or Amazon Security Lake.

use crate::findings::{findings, Finding};
use crate::SweepReport;
use chrono::{DateTime, Utc};
use mfa_evaluator::{Severity, Status};
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

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

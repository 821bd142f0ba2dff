//! `report --format asff`: the findings in the AWS Security Finding Format, as the JSON array of
//! `Findings` that `securityhub:BatchImportFindings` takes (in batches of at most 100). The
//! user sends them: mfa-auditor stays read-only.

use crate::findings::{findings, Finding};
use crate::SweepReport;
use chrono::SecondsFormat;
use mfa_evaluator::{Priority, Severity, Status};
use serde_json::{json, Value};

/// ASFF's one schema version.
pub const ASFF_SCHEMA_VERSION: &str = "2018-10-08";

/// Security Hub refuses a recommendation text over 512 characters.
const MAX_RECOMMENDATION: usize = 512;

/// The findings as one pretty JSON array.
pub fn render_asff(report: &SweepReport) -> Result<String, serde_json::Error> {
    let all: Vec<Value> = findings(report).map(|f| asff_finding(&f)).collect();
    Ok(serde_json::to_string_pretty(&all)? + "\n")
}

fn asff_finding(finding: &Finding) -> Value {
    let sweep = &finding.report.sweep;
    let updated = sweep
        .finished_at
        .unwrap_or(sweep.started_at)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let control = finding.control_id();
    let resource = finding.resource;
    let severity = severity_label(finding);
    let created = resource
        .failing_since
        .unwrap_or(sweep.started_at)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut value = json!({
        "SchemaVersion": ASFF_SCHEMA_VERSION,
        "Id": finding.uid(),
        "ProductArn": product_arn(finding),
        "GeneratorId": format!("mfa-auditor/{control}"),
        "AwsAccountId": finding.account.account_id,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": created,
        "UpdatedAt": updated,
        "Severity": {"Label": severity, "Original": control.severity().as_str()},
        // Security Hub takes later changes of severity and types from here, not from the
        // top-level fields, once a finding exists.
        "FindingProviderFields": {
            "Severity": {"Label": severity, "Original": control.severity().as_str()},
            "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        },
        "Title": format!("{control} {}", control.title()),
        "Description": format!(
            "{control} {} for {}: {}", resource.status, resource.resource_id, control.title()
        ),
        "Remediation": {"Recommendation": {
            "Text": truncate(control.remediation(), MAX_RECOMMENDATION),
            "Url": control.reference_url(),
        }},
        "Resources": [{
            "Type": resource.resource_type.as_str(),
            "Id": resource.resource_id,
            "Partition": finding.partition(),
            "Region": finding.region(),
        }],
        "Compliance": {
            "Status": compliance_status(resource.status),
            "SecurityControlId": control.as_str(),
            "RelatedRequirements": finding.control.related_requirements,
        },
        "Workflow": {"Status": workflow_status(finding)},
        "RecordState": "ACTIVE",
    });
    if let Some(reason) = crate::not_evaluated_reason(resource) {
        // Security Hub's own words for a resource AWS Config does not evaluate.
        value["Compliance"]["StatusReasons"] = json!([{
            "ReasonCode": "CONFIG_RETURNS_NOT_APPLICABLE",
            "Description": truncate(reason, MAX_RECOMMENDATION),
        }]);
    }
    if let Some(exception) = &resource.exception {
        value["Note"] = json!({
            "Text": truncate(
                &format!("Accepted risk until {}: {}", exception.expires, exception.reason),
                MAX_RECOMMENDATION,
            ),
            "UpdatedBy": truncate(&exception.owner, 128),
            "UpdatedAt": updated,
        });
    }
    if let Some(since) = resource.failing_since {
        value["FirstObservedAt"] = json!(since.to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    if let Some(priority) = resource.facts.priority {
        value["Criticality"] = json!(criticality(priority));
        value["FindingProviderFields"]["Criticality"] = json!(criticality(priority));
    }
    value["ProductFields"] = product_fields(finding);
    value
}

/// The priority of a failing identity (`docs/controls.md`) as Security Hub's `Criticality`, "the
/// level of importance assigned to the resources" from 0 to 100, evenly apart and clear of both
/// ends (100 is "reserved for the most critical resources"): critical 90, high 70, medium 40,
/// low 10. Set, like the severity, in `FindingProviderFields` too, where Security Hub takes
/// later changes from.
fn criticality(priority: Priority) -> u8 {
    match priority {
        Priority::Critical => 90,
        Priority::High => 70,
        Priority::Medium => 40,
        Priority::Low => 10,
    }
}

/// The account's own default product, in the region the findings are imported into.
fn product_arn(finding: &Finding) -> String {
    let partition = finding.partition();
    let import_region = finding.report.sweep.import_region();
    let account = &finding.account.account_id;
    format!("arn:{partition}:securityhub:{import_region}:{account}:product/{account}/default")
}

/// ASFF has no status for a resource the control does not evaluate, or could not decide.
fn compliance_status(status: Status) -> &'static str {
    match status {
        Status::Passed => "PASSED",
        Status::Failed => "FAILED",
        Status::NotApplicable | Status::Error => "NOT_AVAILABLE",
    }
}

/// Security Hub's own control findings say INFORMATIONAL when they pass.
fn severity_label(finding: &Finding) -> &'static str {
    match (finding.resource.status, finding.control_id().severity()) {
        (Status::Passed | Status::NotApplicable, _) => "INFORMATIONAL",
        (_, Severity::Critical) => "CRITICAL",
        (_, Severity::Medium) => "MEDIUM",
    }
}

/// Suppressed when an exception covers the finding.
fn workflow_status(finding: &Finding) -> &'static str {
    match finding.resource.exception {
        Some(_) => "SUPPRESSED",
        None => "NEW",
    }
}

/// Where the finding is in the organization, and the exception that covers it.
fn product_fields(finding: &Finding) -> Value {
    let mut product_fields = json!({
        "mfa-auditor/AccountName": finding.account.account_name,
        "mfa-auditor/OuPath": finding.account.ou_path,
        "mfa-auditor/SweepId": finding.report.sweep.id,
    });
    if let Some(exception) = &finding.resource.exception {
        product_fields["mfa-auditor/ExceptionId"] = json!(exception.id);
        product_fields["mfa-auditor/ExceptionOwner"] = json!(exception.owner);
        product_fields["mfa-auditor/ExceptionExpires"] = json!(exception.expires.to_string());
    }
    product_fields
}

/// At most `max` characters, cut on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use mfa_evaluator::ControlId;

    #[test]
    fn the_priority_is_the_criticality_where_one_was_read() {
        let asff = render_asff(&fixtures::priorities_report()).expect("renders");
        let findings: Vec<Value> = serde_json::from_str(&asff).expect("a JSON array");
        let criticality = |resource: &str| {
            let finding = findings
                .iter()
                .find(|f| {
                    f["Resources"][0]["Id"]
                        .as_str()
                        .is_some_and(|id| id.ends_with(resource))
                })
                .expect("the resource's finding");
            assert_eq!(
                finding["Criticality"], finding["FindingProviderFields"]["Criticality"],
                "{finding}"
            );
            finding["Criticality"].clone()
        };
        for (resource, expected) in [
            ("/critical", json!(90)),
            ("/high", json!(70)),
            ("/medium", json!(40)),
            ("/low", json!(10)),
            ("/excepted", json!(90)),
            (":root", json!(90)),
            ("/unread", Value::Null),
            ("/strong", Value::Null),
        ] {
            assert_eq!(criticality(resource), expected, "{resource}");
        }
    }

    #[test]
    fn every_remediation_fits_whole_in_security_hubs_recommendation() {
        for control in ControlId::ALL {
            let length = control.remediation().chars().count();
            assert!(
                length <= MAX_RECOMMENDATION,
                "{control}: {length} characters"
            );
        }
    }
}

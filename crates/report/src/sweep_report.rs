//! The JSON v1 report of one stored sweep: the sweep, its accounts, their control results and
//! the resources under each. The shape users script against; [`SCHEMA_VERSION`] says which.

use crate::{
    ChangeReport, ControlCounts, ExceptionRef, Outcome, SkipReason, SweepException, SweepStatus,
};
use chrono::{DateTime, NaiveDate, Utc};
pub use mfa_evaluator::DataError as ErrorInfo;
use mfa_evaluator::{
    CentralizedRootAccess, ControlId, ControlResult, Facts, ResourceType, Severity, Standard,
    Status,
};
use serde::{Deserialize, Serialize};

/// The version of the JSON report's shape; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepReport {
    pub schema_version: u32,
    pub sweep: SweepInfo,
    pub accounts: Vec<AccountReport>,
    /// For each account whose findings the report shows, what changed between that assessment
    /// and the one before it.
    #[serde(default)]
    pub changes_since_previous_sweep: Vec<ChangeReport>,
    /// With `report --as-of DATE`: the organization as it stood at the end of that day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<AsOf>,
    /// Each control over the accounts shown, as the store counts it.
    #[serde(default)]
    pub control_counts: Vec<ControlCounts>,
    /// The standards `--framework` narrowed the report to ([`SweepReport::retain_standards`]),
    /// for the renderings to name their requirements; empty when not narrowed. Not in the JSON
    /// report, whose controls say it.
    #[serde(skip)]
    pub standards: Vec<Standard>,
}

/// A report as of the end of a day: `sweep` is the last finished sweep that started by then,
/// and each account's findings are those of the last sweep up to it that assessed the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsOf {
    pub date: NaiveDate,
    /// The end of `date` in UTC: nothing recorded at or after it is in the report.
    pub end: DateTime<Utc>,
    /// Accounts that errored in `sweep` (or were not reached by it) and whose findings come
    /// from an earlier assessment.
    pub earlier_assessments: Vec<EarlierAssessment>,
}

/// An account's findings taken from an earlier sweep than the report's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlierAssessment {
    pub account_id: String,
    pub sweep_id: String,
    pub assessed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: SweepStatus,
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    /// Where user pools were searched, as configured: regions, or `["*"]` for every region
    /// enabled in each account (then each account's `regions` say which).
    pub regions: Vec<String>,
    /// Where IAM, STS and Organizations were called (`[aws] region`); `None` for sweeps from
    /// before it was recorded.
    #[serde(default)]
    pub home_region: Option<String>,
    pub controls: Vec<ControlId>,
    /// The exceptions the sweep read, and where each stood on its day.
    #[serde(default)]
    pub exceptions: Vec<SweepException>,
    /// Centralized root access as the sweep read it when it began; `None` when it could not
    /// be read (then `centralized_root_access_error` says why) or for sweeps from before.
    #[serde(default)]
    pub centralized_root_access: Option<CentralizedRootAccess>,
    #[serde(default)]
    pub centralized_root_access_error: Option<ErrorInfo>,
}

impl SweepInfo {
    /// The region findings are imported into (ASFF's `ProductArn`) and IAM's global resources
    /// are placed in: the first region listed, or with `["*"]` the sweep's home region.
    pub fn import_region(&self) -> &str {
        self.regions
            .iter()
            .find(|region| *region != mfa_evaluator::ALL_ENABLED_REGIONS)
            .or(self.home_region.as_ref())
            .map(String::as_str)
            // Every sweep lists a region or records its home region; this is for none at all.
            .unwrap_or("us-east-1")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountReport {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub outcome: Outcome,
    pub skip_reason: Option<SkipReason>,
    pub error: Option<ErrorInfo>,
    pub controls: Vec<ControlReport>,
    /// The regions whose user pools were searched in this account (with `[audit] regions =
    /// ["*"]`, those enabled in it); `None` when none was searched (not assessed, or its
    /// enabled regions could not be read).
    #[serde(default)]
    pub regions: Option<Vec<String>>,
    /// The SCPs in force on the account that deny weakening MFA (empty: none); `None` when not
    /// read (not assessed, `[audit] policies = false`, or the SCPs could not be read: then
    /// `mfa_guardrail_scps_error` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_guardrail_scps: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_guardrail_scps_error: Option<ErrorInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlReport {
    pub control_id: ControlId,
    pub status: Status,
    pub severity: Severity,
    pub title: String,
    pub remediation: String,
    pub error: Option<ErrorInfo>,
    pub resources: Vec<ResourceReport>,
    /// FAILED resources no exception covers.
    #[serde(default)]
    pub failed_unexcepted: usize,
    /// The framework requirements Security Hub relates the control to, e.g.
    /// `CIS AWS Foundations Benchmark v1.4.0/1.5` (see `docs/compliance.md`).
    #[serde(default)]
    pub related_requirements: Vec<String>,
}

impl ControlReport {
    /// A control's report with the catalogue's title, severity, remediation and mapping.
    pub fn new(
        control_id: ControlId,
        status: Status,
        error: Option<ErrorInfo>,
        resources: Vec<ResourceReport>,
    ) -> Self {
        let failed_unexcepted = resources
            .iter()
            .filter(|r| r.status == Status::Failed && r.exception.is_none())
            .count();
        ControlReport {
            control_id,
            status,
            severity: control_id.severity(),
            title: control_id.title().to_string(),
            remediation: control_id.remediation().to_string(),
            error,
            resources,
            failed_unexcepted,
            related_requirements: related_requirements(control_id),
        }
    }
}

/// A control's related requirements, as the reports spell them.
pub fn related_requirements(control: ControlId) -> Vec<String> {
    control
        .related_requirements()
        .iter()
        .map(ToString::to_string)
        .collect()
}

impl From<ControlResult> for ControlReport {
    fn from(result: ControlResult) -> Self {
        let resources = result
            .resources
            .into_iter()
            .map(|r| ResourceReport {
                resource_type: r.resource_type,
                resource_id: r.resource_id,
                status: r.status,
                evidence: r.evidence,
                exception: None,
                failing_since: None,
                facts: r.facts,
            })
            .collect();
        ControlReport::new(result.control, result.status, result.error, resources)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceReport {
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub status: Status,
    pub evidence: serde_json::Value,
    /// The exception that covers this failing resource, if any (an accepted risk).
    #[serde(default)]
    pub exception: Option<ExceptionRef>,
    /// For a FAILED resource read back from the history: when its current failing streak
    /// began (the `current_findings` view's `failing_since`).
    #[serde(default)]
    pub failing_since: Option<DateTime<Utc>>,
    /// The facts beyond the control (`mfa_devices`, `phishing_resistant`, `mfa_enforcement`,
    /// `stakes`, `priority`, and a pool's factors), where read.
    #[serde(flatten)]
    pub facts: Facts,
}

impl SweepReport {
    /// Whether any control of any account FAILED.
    pub fn has_failures(&self) -> bool {
        self.accounts
            .iter()
            .flat_map(|a| &a.controls)
            .any(|c| c.status == Status::Failed)
    }
}

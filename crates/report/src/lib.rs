//! The report of one stored sweep: the JSON v1 model users script against, the text a person
//! reads in a terminal, and the interchange formats other tools read (CSV, OCSF, ASFF), each
//! with the controls' compliance mapping.
//!
//! Pure data and formatting: the store fills a [`SweepReport`] from Postgres, the binary prints
//! it. Nothing here does I/O.

mod asff;
mod coverage;
mod csv_export;
mod exceptions;
mod findings;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod frameworks;
mod html;
mod not_evaluated;
mod ocsf;
mod regions;
mod root_access;
pub mod terminal;
mod text;
mod text_exceptions;

pub use asff::{render_asff, ASFF_SCHEMA_VERSION};
pub use coverage::{by_control, ControlCoverage, Coverage, CoveragePoint, Series};
pub use csv_export::{findings_of, render_csv, CurrentFinding};
pub use exceptions::{ExceptionRef, SweepException};
pub use frameworks::{render_by_requirement, retain_findings, select_standards};
pub use html::render_html;
pub use not_evaluated::{not_evaluated, not_evaluated_reason, NotEvaluated};
pub use ocsf::{render_ocsf, OCSF_VERSION};

use chrono::{DateTime, NaiveDate, Utc};
pub use mfa_evaluator::DataError as ErrorInfo;
use mfa_evaluator::{
    CentralizedRootAccess, ControlId, ControlResult, ResourceType, Severity, Status,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use strum::{Display, EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

pub use text::render_text;

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

/// How a resource's finding changed between two assessments of its account (the
/// `changes_since_previous_sweep` view's `change`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FindingChange {
    /// FAILED now, not before (PASSED, or not evaluated).
    NewFailure,
    /// FAILED before, not now.
    Resolved,
    /// Not there before; `status` says how it stands.
    NewResource,
    /// There before, not now (a user deleted, a pool removed).
    Gone,
    /// PASSED before, now not evaluated by the control (a pool that now allows passwordless
    /// sign-in).
    OutOfScope,
    /// Not evaluated before, PASSED now.
    InScope,
    /// There before and not listed now, because the assessment did not look at it: its control
    /// could not be decided, or its region was not searched. Not gone, and never resolved.
    NotAssessed,
}

impl FindingChange {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Whether a resource starts or stops failing between two assessments (the SQL function
/// `failing_change`, the view's `failing_change` column): what "new failures" and "resolved"
/// count in every report and notification.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FailingChange {
    /// FAILED now, not before: a resource newly failing, or a new resource that fails.
    NewFailure,
    /// FAILED before, not now: fixed, out of scope, or gone.
    Resolved,
}

/// Where an account stands in the history (the views' `account_state`): a skipped account
/// stands as its skip reason. strum cannot parse a variant that holds a value, so `FromStr` is
/// written out below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Display, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum AccountStanding {
    /// Assessed in its latest sweep.
    Current,
    /// Errored in its latest sweep: its findings are those of its last successful assessment.
    Stale,
    /// Out of scope in its latest sweep.
    #[strum(transparent)]
    Skipped(SkipReason),
    /// Absent from the latest finished sweep: no longer in the organization.
    Left,
}

impl AccountStanding {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Every standing, skip reasons included.
    pub fn iter() -> impl Iterator<Item = AccountStanding> {
        [AccountStanding::Current, AccountStanding::Stale]
            .into_iter()
            .chain(SkipReason::iter().map(AccountStanding::Skipped))
            .chain([AccountStanding::Left])
    }
}

impl FromStr for AccountStanding {
    type Err = strum::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "current" => Ok(AccountStanding::Current),
            "stale" => Ok(AccountStanding::Stale),
            "left" => Ok(AccountStanding::Left),
            other => other.parse().map(AccountStanding::Skipped),
        }
    }
}

impl Serialize for AccountStanding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AccountStanding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown account state {text:?}")))
    }
}

/// One resource whose finding changed between an account's last two assessments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeReport {
    pub account_id: String,
    pub account_name: String,
    pub control_id: ControlId,
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub change: FindingChange,
    /// Now; `None` when the resource is gone.
    pub status: Option<Status>,
    pub previous_status: Option<Status>,
    /// Whether it starts or stops failing; `None` when neither.
    #[serde(default)]
    pub failing: Option<FailingChange>,
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

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SweepStatus {
    /// Still being written (or its process died; the next start marks it interrupted).
    Running,
    /// Every planned account was assessed or skipped.
    Completed,
    /// Finished, but some accounts errored.
    Partial,
    Interrupted,
}

impl SweepStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    Assessed,
    Error,
    Skipped,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Why an account was not audited: the configuration excluded it, or its state in
/// Organizations (`Account.State`) is not `ACTIVE`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SkipReason {
    Suspended,
    Excluded,
    PendingClosure,
    Closed,
    PendingActivation,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::Suspended,
        SkipReason::Excluded,
        SkipReason::PendingClosure,
        SkipReason::Closed,
        SkipReason::PendingActivation,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
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
}

/// One control over the accounts a report shows, as the store's SQL function `control_counts`
/// decides it: the numbers every format shows, and those `control_trend` keeps when the sweep
/// ends (named as its columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlCounts {
    pub control_id: ControlId,
    /// Accounts where the control PASSED, FAILED or was NOT_APPLICABLE.
    pub accounts_passed: usize,
    pub accounts_failed: usize,
    pub accounts_not_applicable: usize,
    /// Accounts where it could not be decided: the control errored, or the whole account did.
    pub accounts_errored: usize,
    /// Failing resources (root users, IAM users, user pools), those an exception covers
    /// included; and those an exception covers.
    pub failing_resources: usize,
    pub excepted_resources: usize,
    /// Accounts with a failure no exception covers.
    pub accounts_failed_unexcepted: usize,
}

impl ControlCounts {
    /// Failing resources no exception covers: what is left to fix.
    pub fn failing_unexcepted(&self) -> usize {
        self.failing_resources
            .saturating_sub(self.excepted_resources)
    }

    /// The verdict on a requirement over its controls: FAILED when one has a failure no
    /// exception covers, INCOMPLETE when one could not be decided in some account, else PASSED.
    pub fn verdict<'a>(counts: impl IntoIterator<Item = &'a ControlCounts>) -> &'static str {
        let counts: Vec<&ControlCounts> = counts.into_iter().collect();
        if counts.iter().any(|c| c.failing_unexcepted() > 0) {
            "FAILED"
        } else if counts.iter().any(|c| c.accounts_errored > 0) {
            "INCOMPLETE"
        } else {
            "PASSED"
        }
    }
}

/// What changed since each shown account's previous assessment, counted: "new failures" and
/// "resolved" as the store's `failing_change` says, the rest by the view's `change`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub new_failures: usize,
    pub resolved: usize,
    /// Every finding that changed, and among them those new, gone, or in or out of scope.
    pub changed: usize,
    pub new_resources: usize,
    pub gone: usize,
    pub rescoped: usize,
    /// Not looked at this time (a control that errored, a region not searched).
    pub not_assessed: usize,
}

impl ChangeCounts {
    /// The counts in one line, as the text and HTML reports say them.
    pub fn headline(&self) -> String {
        let mut line = format!(
            "{} new failures, {} resolved; {} findings changed ({} new resources, {} gone",
            self.new_failures, self.resolved, self.changed, self.new_resources, self.gone
        );
        if self.rescoped > 0 {
            line.push_str(&format!(
                ", {} in or out of a control's scope",
                self.rescoped
            ));
        }
        if self.not_assessed > 0 {
            line.push_str(&format!(
                ", {} not assessed this time (a control that errored, a region not searched)",
                self.not_assessed
            ));
        }
        line.push(')');
        line
    }
}

impl SweepReport {
    /// Accounts by outcome: (assessed, error, skipped).
    pub fn outcome_counts(&self) -> (usize, usize, usize) {
        let count = |o| self.accounts.iter().filter(|a| a.outcome == o).count();
        (
            count(Outcome::Assessed),
            count(Outcome::Error),
            count(Outcome::Skipped),
        )
    }

    /// The counts of each of the report's controls, in the report's order. A store-loaded
    /// report has them for every control (`Store::load_report` refuses one without).
    pub fn controls_counted(&self) -> impl Iterator<Item = &ControlCounts> {
        self.sweep.controls.iter().filter_map(|control| {
            self.control_counts
                .iter()
                .find(|c| c.control_id == *control)
        })
    }

    /// The changes since the previous assessments, counted.
    pub fn change_counts(&self) -> ChangeCounts {
        let changes = &self.changes_since_previous_sweep;
        let failing = |kind| changes.iter().filter(|c| c.failing == Some(kind)).count();
        let changed = |kind| changes.iter().filter(|c| c.change == kind).count();
        ChangeCounts {
            new_failures: failing(FailingChange::NewFailure),
            resolved: failing(FailingChange::Resolved),
            changed: changes.len(),
            new_resources: changed(FindingChange::NewResource),
            gone: changed(FindingChange::Gone),
            rescoped: changed(FindingChange::OutOfScope) + changed(FindingChange::InScope),
            not_assessed: changed(FindingChange::NotAssessed),
        }
    }

    /// Whether any control of any account FAILED.
    pub fn has_failures(&self) -> bool {
        self.accounts
            .iter()
            .flat_map(|a| &a.controls)
            .any(|c| c.status == Status::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_evaluator::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn finding_changes_are_the_views() {
        assert_wire_names::<FindingChange>(&[
            "new_failure",
            "resolved",
            "new_resource",
            "gone",
            "out_of_scope",
            "in_scope",
            "not_assessed",
        ]);
        assert_serde_agrees::<FindingChange>();
    }

    #[test]
    fn failing_changes_are_the_sql_functions() {
        assert_wire_names::<FailingChange>(&["new_failure", "resolved"]);
        assert_serde_agrees::<FailingChange>();
    }

    #[test]
    fn sweep_statuses_are_the_historys() {
        assert_wire_names::<SweepStatus>(&["running", "completed", "partial", "interrupted"]);
        assert_serde_agrees::<SweepStatus>();
    }

    #[test]
    fn outcomes_are_the_historys() {
        assert_wire_names::<Outcome>(&["assessed", "error", "skipped"]);
        assert_serde_agrees::<Outcome>();
    }

    #[test]
    fn skip_reasons_are_the_historys() {
        assert_wire_names::<SkipReason>(&[
            "suspended",
            "excluded",
            "pending_closure",
            "closed",
            "pending_activation",
        ]);
        assert_serde_agrees::<SkipReason>();
        assert_eq!(SkipReason::iter().collect::<Vec<_>>(), SkipReason::ALL);
    }

    #[test]
    fn account_standings_are_the_views_with_skip_reasons() {
        let names: Vec<&str> = AccountStanding::iter()
            .map(AccountStanding::as_str)
            .collect();
        assert_eq!(
            names,
            [
                "current",
                "stale",
                "suspended",
                "excluded",
                "pending_closure",
                "closed",
                "pending_activation",
                "left",
            ]
        );
        for standing in AccountStanding::iter() {
            assert_eq!(standing.to_string(), standing.as_str());
            assert_eq!(standing.as_str().parse(), Ok(standing));
            let json = serde_json::to_value(standing).expect("serializes");
            assert_eq!(json, standing.as_str());
        }
        for unknown in ["", "Current", "current ", "skipped", "not a standing"] {
            assert!(unknown.parse::<AccountStanding>().is_err(), "{unknown:?}");
        }
    }
}

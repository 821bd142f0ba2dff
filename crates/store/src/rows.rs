//! Rows as the queries return them (`sqlx::FromRow`), and their conversion into the report
//! model: every text column that names an enum is parsed, and a value this version does not
//! know is [`StoreError::Unreadable`], never a default.

use crate::facts_columns::parse_facts;
use crate::StoreError;
use chrono::{DateTime, NaiveDate, Utc};
use mfa_evaluator::{
    CentralizedRootAccess, ControlId, DataError, EnforcementState, ExceptionState, Priority,
    ResourceType, Severity, Status,
};
use mfa_report::{
    AccountStanding, ChangeReport, CurrentFinding, ExceptionRef, FactColumns, FailingChange,
    FindingChange, FindingRow, Outcome, ResourceReport, SkipReason, SweepInfo, SweepStatus,
};
use std::str::FromStr;
use uuid::Uuid;

/// An enum stored as text, and how the error names a value this version does not know.
pub(crate) trait StoredEnum: FromStr {
    /// Followed by the value, quoted.
    const UNKNOWN: &'static str;
}

macro_rules! stored_enums {
    ($($enum:ty => $unknown:literal,)*) => {
        $(impl StoredEnum for $enum {
            const UNKNOWN: &'static str = $unknown;
        })*
    };
}

stored_enums! {
    ControlId => "unknown control",
    Priority => "unknown priority",
    EnforcementState => "unknown MFA enforcement state",
    Status => "unknown status",
    Severity => "unknown severity",
    ResourceType => "unknown resource type",
    SweepStatus => "sweep status",
    Outcome => "outcome",
    SkipReason => "skip reason",
    FindingChange => "change",
    FailingChange => "failing change",
    AccountStanding => "account state",
    ExceptionState => "exception state",
}

/// A text column as its enum: an unknown value is [`StoreError::Unreadable`], never a default.
pub(crate) fn parse<T: StoredEnum>(value: &str) -> Result<T, StoreError> {
    value
        .parse()
        .map_err(|_| StoreError::Unreadable(format!("{} {value:?}", T::UNKNOWN)))
}

/// A `sweeps` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SweepRow {
    pub sweep_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: String,
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    pub regions: Vec<String>,
    pub home_region: Option<String>,
    pub controls: Vec<String>,
    pub root_trusted_access: Option<bool>,
    pub root_credentials_management: Option<bool>,
    pub root_sessions: Option<bool>,
    pub root_access_error: Option<serde_json::Value>,
}

impl SweepRow {
    /// The sweep as the report shows it.
    pub fn info(&self) -> Result<SweepInfo, StoreError> {
        Ok(SweepInfo {
            id: self.sweep_id.to_string(),
            started_at: self.started_at,
            finished_at: self.finished_at,
            status: parse::<SweepStatus>(&self.status)?,
            organization_id: self.organization_id.clone(),
            management_account_id: self.management_account_id.clone(),
            regions: self.regions.clone(),
            controls: self
                .controls
                .iter()
                .map(|c| parse(c))
                .collect::<Result<_, _>>()?,
            // Kept in their own table: the reader adds them.
            exceptions: Vec::new(),
            centralized_root_access: match (
                self.root_trusted_access,
                self.root_credentials_management,
                self.root_sessions,
            ) {
                (Some(trusted_access), Some(root_credentials_management), Some(root_sessions)) => {
                    Some(CentralizedRootAccess {
                        trusted_access,
                        root_credentials_management,
                        root_sessions,
                    })
                }
                _ => None,
            },
            centralized_root_access_error: self
                .root_access_error
                .clone()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| StoreError::Unreadable(format!("sweeps.root_access_error: {e}")))?,
            home_region: self.home_region.clone(),
        })
    }
}

/// The error columns of `sweep_accounts` and `control_results`.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ErrorColumns {
    pub error_operation: Option<String>,
    pub error_region: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub error_request_id: Option<String>,
}

impl ErrorColumns {
    /// `None` when the row has no error (the schema keeps the operation set exactly then).
    pub fn into_error(self) -> Result<Option<DataError>, StoreError> {
        let Some(operation) = self.error_operation else {
            return Ok(None);
        };
        // Written together with the operation, always.
        let (Some(region), Some(message)) = (self.error_region, self.error_message) else {
            return Err(StoreError::Unreadable(format!(
                "an error of {operation} without its region or message"
            )));
        };
        Ok(Some(DataError {
            operation,
            region,
            code: self.error_code,
            message,
            request_id: self.error_request_id,
        }))
    }
}

/// A `sweep_accounts` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub outcome: String,
    pub skip_reason: Option<String>,
    #[sqlx(flatten)]
    pub error: ErrorColumns,
}

impl AccountRow {
    pub fn outcome(&self) -> Result<Outcome, StoreError> {
        parse::<Outcome>(&self.outcome)
    }

    pub fn skip_reason(&self) -> Result<Option<SkipReason>, StoreError> {
        self.skip_reason
            .as_deref()
            .map(parse::<SkipReason>)
            .transpose()
    }
}

/// A `control_results` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ControlRow {
    pub account_id: String,
    pub control_id: String,
    pub status: String,
    pub failed_resources: i32,
    pub excepted_resources: i32,
    #[sqlx(flatten)]
    pub error: ErrorColumns,
}

impl ControlRow {
    pub fn control(&self) -> Result<ControlId, StoreError> {
        parse(&self.control_id)
    }

    pub fn status(&self) -> Result<Status, StoreError> {
        parse(&self.status)
    }

    /// Failed resources no exception covered (from the counts, which outlive pruning). More
    /// excepted than failed cannot be written: it is an unreadable row, never a zero.
    pub fn failed_unexcepted(&self) -> Result<usize, StoreError> {
        usize::try_from(self.failed_resources - self.excepted_resources).map_err(|_| {
            StoreError::Unreadable(format!(
                "control_results of account {} and {}: {} failed resources but {} excepted",
                self.account_id, self.control_id, self.failed_resources, self.excepted_resources
            ))
        })
    }
}

/// A finding span, as a report shows the resource, with the exception that covered it in the
/// sweep read.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct SpanRow {
    pub account_id: String,
    pub control_id: String,
    pub resource_type: String,
    pub resource_id: String,
    pub status: String,
    pub evidence: serde_json::Value,
    /// The evaluator's order of the resource within its control.
    pub ordinal: i32,
    /// The facts beyond the control; `None` when none was read.
    pub facts: Option<serde_json::Value>,
    pub failing_since: Option<DateTime<Utc>>,
    pub exception_id: Option<String>,
    pub exception_owner: Option<String>,
    pub exception_reason: Option<String>,
    pub exception_expires: Option<NaiveDate>,
    pub exception_ticket: Option<String>,
}

impl SpanRow {
    pub fn into_resource(self) -> Result<ResourceReport, StoreError> {
        let exception = match self.exception_id {
            None => None,
            Some(id) => {
                // Written with the sweep's exceptions, always.
                let (Some(owner), Some(reason), Some(expires)) = (
                    self.exception_owner,
                    self.exception_reason,
                    self.exception_expires,
                ) else {
                    return Err(StoreError::Unreadable(format!(
                        "exception {id:?} covers a finding but the sweep did not record it"
                    )));
                };
                Some(ExceptionRef {
                    id,
                    owner,
                    reason,
                    expires,
                    ticket: self.exception_ticket,
                })
            }
        };
        let facts = parse_facts(
            self.facts,
            &self.account_id,
            &self.control_id,
            &self.resource_id,
        )?;
        Ok(ResourceReport {
            resource_type: parse(&self.resource_type)?,
            status: parse(&self.status)?,
            resource_id: self.resource_id,
            evidence: self.evidence,
            exception,
            failing_since: self.failing_since,
            facts,
        })
    }
}

/// A `changes_since_previous_sweep` row.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct ChangeRow {
    pub account_id: String,
    pub account_name: String,
    pub control_id: String,
    pub resource_type: String,
    pub resource_id: String,
    /// `None` for a pair of statuses `finding_change` does not know.
    pub change: Option<String>,
    pub status: Option<String>,
    pub previous_status: Option<String>,
    /// `failing_change`: `new_failure`, `resolved`, or `None`.
    pub failing_change: Option<String>,
}

impl ChangeRow {
    pub fn into_change(self) -> Result<ChangeReport, StoreError> {
        let change = match self.change.as_deref() {
            Some(change) => parse::<FindingChange>(change)?,
            None => {
                return Err(StoreError::Unreadable(format!(
                    "{} of {} under {}: a change from {:?} to {:?} this version does not know",
                    self.resource_id,
                    self.account_id,
                    self.control_id,
                    self.previous_status,
                    self.status
                )))
            }
        };
        let status = |value: Option<String>| value.as_deref().map(parse::<Status>).transpose();
        Ok(ChangeReport {
            control_id: parse(&self.control_id)?,
            resource_type: parse::<ResourceType>(&self.resource_type)?,
            status: status(self.status)?,
            previous_status: status(self.previous_status)?,
            account_id: self.account_id,
            account_name: self.account_name,
            resource_id: self.resource_id,
            change,
            failing: self
                .failing_change
                .as_deref()
                .map(parse::<FailingChange>)
                .transpose()?,
        })
    }
}

/// A `current_findings` row with its control's severity.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct CurrentFindingRow {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub control_id: String,
    pub severity: String,
    pub resource_type: String,
    pub resource_id: String,
    pub status: String,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_assessed_at: Option<DateTime<Utc>>,
    pub account_state: String,
    pub exception_id: Option<String>,
    pub exception_owner: Option<String>,
    pub exception_expires: Option<NaiveDate>,
    pub not_evaluated: Option<String>,
    pub priority: Option<String>,
    pub phishing_resistant: Option<bool>,
    pub mfa_enforcement: Option<String>,
    pub admin_equivalent: Option<bool>,
}

impl TryFrom<CurrentFindingRow> for FindingRow {
    type Error = StoreError;
    fn try_from(row: CurrentFindingRow) -> Result<Self, StoreError> {
        let control: ControlId = parse(&row.control_id)?;
        let facts = FactColumns {
            priority: row.priority.as_deref().map(parse).transpose()?,
            phishing_resistant: row.phishing_resistant,
            mfa_enforcement: row.mfa_enforcement.as_deref().map(parse).transpose()?,
            admin_equivalent: row.admin_equivalent,
        };
        let finding = CurrentFinding {
            account_id: row.account_id,
            account_name: row.account_name,
            ou_path: row.ou_path,
            control_id: control,
            severity: parse::<Severity>(&row.severity)?,
            resource_type: parse::<ResourceType>(&row.resource_type)?,
            resource_id: row.resource_id,
            status: parse::<Status>(&row.status)?,
            failing_since: row.failing_since,
            last_assessed_at: row.last_assessed_at,
            account_state: parse::<AccountStanding>(&row.account_state)?,
            exception_id: row.exception_id,
            exception_owner: row.exception_owner,
            exception_expires: row.exception_expires,
            related_requirements: mfa_report::related_requirements(control).join("; "),
            not_evaluated: row.not_evaluated,
        };
        Ok(FindingRow { finding, facts })
    }
}

/// A `sweep_accounts` row with the assessment its findings come from, and the one before.
#[derive(Debug, sqlx::FromRow)]
pub(crate) struct AssessedAccountRow {
    #[sqlx(flatten)]
    pub account: AccountRow,
    pub assessed_sweep_id: Option<Uuid>,
    pub assessed_seq: Option<i64>,
    pub assessed_at: Option<DateTime<Utc>>,
    pub previous_assessed_seq: Option<i64>,
    /// The regions searched in the assessment the findings come from.
    pub assessed_regions: Option<Vec<String>>,
    /// The SCPs guarding MFA on the account in that assessment, or why they could not be read.
    pub assessed_guardrail_scps: Option<Vec<String>>,
    pub assessed_guardrail_scps_error: Option<serde_json::Value>,
}

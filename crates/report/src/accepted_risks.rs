//! Accepted risks in the report: the exception that covers a failing finding, and the
//! exceptions a sweep applied, with where each stood that day.

use crate::{AccountReport, ControlReport};
use chrono::NaiveDate;
use mfa_evaluator::{exception_for, Exception, ExceptionState, FindingPlace, Status};
use serde::{Deserialize, Serialize};

/// The exception that covers a failing finding: who accepted it, why, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRef {
    pub id: String,
    pub owner: String,
    pub reason: String,
    /// The last day (UTC) it applies.
    pub expires: NaiveDate,
    pub ticket: Option<String>,
}

impl From<&Exception> for ExceptionRef {
    fn from(exception: &Exception) -> Self {
        ExceptionRef {
            id: exception.id.clone(),
            owner: exception.owner.clone(),
            reason: exception.reason.clone(),
            expires: exception.expires,
            ticket: exception.ticket.clone(),
        }
    }
}

/// An exception a sweep read, and where it stood on the sweep's day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepException {
    #[serde(flatten)]
    pub exception: ExceptionRef,
    pub state: ExceptionState,
}

impl SweepException {
    /// Every exception of the file, as it stood on `day`.
    pub fn all(exceptions: &[Exception], day: NaiveDate, warn_days: u32) -> Vec<SweepException> {
        exceptions
            .iter()
            .map(|e| SweepException {
                exception: e.into(),
                state: e.state_on(day, warn_days),
            })
            .collect()
    }
}

impl ControlReport {
    /// Failed resources no exception covers: what `--fail-on-findings` and the counts of
    /// unexcepted failures count.
    pub fn count_unexcepted(&self) -> usize {
        self.resources
            .iter()
            .filter(|r| r.status == Status::Failed && r.exception.is_none())
            .count()
    }
}

impl AccountReport {
    /// Marks each failing resource with the exception that covers it on `day` (the account sits
    /// under `ous`, root first), and recounts each control's unexcepted failures. The finding
    /// keeps its FAILED status: the exception is a decision about it, not a new fact.
    pub fn apply_exceptions(&mut self, exceptions: &[Exception], ous: &[String], day: NaiveDate) {
        for control in &mut self.controls {
            for resource in &mut control.resources {
                resource.exception = None;
                if resource.status != Status::Failed {
                    continue;
                }
                let place = FindingPlace {
                    control: control.control_id,
                    account_id: &self.account_id,
                    ous,
                    resource_id: &resource.resource_id,
                };
                resource.exception = exception_for(exceptions, &place, day).map(ExceptionRef::from);
            }
            control.failed_unexcepted = control.count_unexcepted();
        }
    }

    /// Whether any control has a failure no exception covers.
    pub fn has_unexcepted_failures(&self) -> bool {
        self.controls.iter().any(|c| c.failed_unexcepted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use mfa_evaluator::{ControlId, ControlScope, ResourceGlob};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("a date")
    }

    #[test]
    fn failures_covered_are_marked_and_counted_apart() {
        let account = "111122223333";
        let mut report = fixtures::assessed(
            account,
            vec![fixtures::control(
                ControlId::Iam19,
                vec![
                    fixtures::iam_user(account, "automation/ci", Status::Failed),
                    fixtures::iam_user(account, "staff/jess", Status::Failed),
                    fixtures::iam_user(account, "automation/ok", Status::Passed),
                ],
            )],
        );
        let exceptions = [Exception {
            id: "ci".into(),
            controls: ControlScope::Only(vec![ControlId::Iam19]),
            accounts: vec![account.into()],
            ous: Vec::new(),
            resources: vec![ResourceGlob::new("arn:aws:iam::*:user/automation/*").expect("glob")],
            owner: "platform".into(),
            reason: "CI".into(),
            expires: day(12, 31),
            ticket: Some("SEC-1".into()),
        }];
        report.apply_exceptions(&exceptions, &[], day(11, 29));
        let iam19 = &report.controls[3];
        assert_eq!(iam19.status, Status::Failed, "the fact stays");
        assert_eq!(iam19.failed_unexcepted, 1);
        let marked: Vec<Option<&str>> = iam19
            .resources
            .iter()
            .map(|r| r.exception.as_ref().map(|e| e.id.as_str()))
            .collect();
        assert_eq!(
            marked,
            vec![Some("ci"), None, None],
            "passing ones are never marked"
        );
        assert!(report.has_unexcepted_failures());

        // The day after it expires, the same finding counts again.
        report.apply_exceptions(&exceptions, &[], day(12, 31).succ_opt().expect("a day"));
        assert_eq!(report.controls[3].failed_unexcepted, 2);
        assert!(report.controls[3].resources[0].exception.is_none());
    }
}

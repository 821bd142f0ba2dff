//! Resources a control keeps but does not evaluate (status `NOT_APPLICABLE`): a user pool whose
//! sign-in allows a passwordless first factor, which Security Hub leaves out of Cognito.5. Every
//! format names them with the reason their evidence gives, read here once.

use crate::{AccountReport, ResourceReport, SweepReport};
use mfa_evaluator::{ControlId, Status};

/// Why a resource is not evaluated, as its evidence says (`not_evaluated`); `None` for a
/// resource the control evaluates.
pub fn not_evaluated_reason(resource: &ResourceReport) -> Option<&str> {
    if resource.status != Status::NotApplicable {
        return None;
    }
    Some(
        resource
            .evidence
            .get("not_evaluated")
            .and_then(|why| why.as_str())
            .unwrap_or("not evaluated by the control (no reason recorded)"),
    )
}

/// One resource a control does not evaluate, where it is, and why.
#[derive(Debug, Clone, Copy)]
pub struct NotEvaluated<'a> {
    pub account: &'a AccountReport,
    pub control: ControlId,
    pub resource: &'a ResourceReport,
    pub reason: &'a str,
}

/// Every resource of the report that its control does not evaluate, in report order.
pub fn not_evaluated(report: &SweepReport) -> Vec<NotEvaluated<'_>> {
    report
        .accounts
        .iter()
        .flat_map(|account| {
            account.controls.iter().flat_map(move |control| {
                control.resources.iter().filter_map(move |resource| {
                    Some(NotEvaluated {
                        account,
                        control: control.control_id,
                        resource,
                        reason: not_evaluated_reason(resource)?,
                    })
                })
            })
        })
        .collect()
}

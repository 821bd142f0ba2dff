//! The columns that keep the facts beyond the five controls (`finding_spans.facts`,
//! `sweep_accounts.mfa_guardrail_scps_error`): written as JSON, read back failing closed (a
//! kind, state or priority this version does not know is an error naming the resource).

use crate::rows::AssessedAccountRow;
use crate::StoreError;
use mfa_evaluator::{DataError, Facts, Stakes};

/// A resource's facts as the `facts` column keeps them: `NULL` when none was read.
pub(crate) fn facts_column(facts: &Facts) -> Result<Option<serde_json::Value>, StoreError> {
    if facts.is_empty() {
        return Ok(None);
    }
    serde_json::to_value(facts)
        .map(Some)
        .map_err(|e| StoreError::Encode(format!("a resource's facts: {e}")))
}

/// A span's `facts` column: a fact this version does not know (a kind, a state, a priority) is
/// an error naming the resource, never dropped.
pub(crate) fn parse_facts(
    facts: Option<serde_json::Value>,
    account_id: &str,
    control_id: &str,
    resource_id: &str,
) -> Result<Facts, StoreError> {
    let Some(facts) = facts else {
        return Ok(Facts::default());
    };
    let mut facts: Facts = serde_json::from_value(facts).map_err(|e| {
        StoreError::Unreadable(format!(
            "finding_spans.facts of {resource_id} ({control_id}, account {account_id}): {e}"
        ))
    })?;
    if let Some(stakes) = &mut facts.stakes {
        forget_unread_admin_via(stakes);
    }
    Ok(facts)
}

/// Rows written before `admin_via` was left out when the policies were not read carry
/// `"admin_via": []` there, which would now say that no policy grants admin. They are told by
/// what else they say: no `admin_equivalent` and nothing `admin_unrecognised` (policies that
/// were read leave one or the other), so their `admin_via` is dropped, as a new row has none.
fn forget_unread_admin_via(stakes: &mut Stakes) {
    let unread = stakes.admin_equivalent.is_none() && stakes.admin_unrecognised.is_empty();
    if unread && stakes.admin_via.as_deref() == Some(&[]) {
        stakes.admin_via = None;
    }
}

/// Why the account's MFA guardrail SCPs could not be read, as its assessment recorded it.
pub(crate) fn guardrail_scps_error(
    assessed: &AssessedAccountRow,
) -> Result<Option<DataError>, StoreError> {
    assessed
        .assessed_guardrail_scps_error
        .clone()
        .map(|error| {
            serde_json::from_value(error).map_err(|e| {
                StoreError::Unreadable(format!(
                    "sweep_accounts.mfa_guardrail_scps_error of account {}: {e}",
                    assessed.account.account_id
                ))
            })
        })
        .transpose()
}

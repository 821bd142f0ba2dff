//! The columns that keep the facts beyond the five controls (`finding_spans.facts`,
//! `sweep_accounts.mfa_guardrail_scps_error`): written as JSON, read back failing closed (a
//! kind, state or priority this version does not know is an error naming the resource).

use crate::rows::AssessedAccountRow;
use crate::StoreError;
use mfa_evaluator::{DataError, Facts};

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
    serde_json::from_value(facts).map_err(|e| {
        StoreError::Unreadable(format!(
            "finding_spans.facts of {resource_id} ({control_id}, account {account_id}): {e}"
        ))
    })
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

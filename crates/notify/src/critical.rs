//! Identities that became `critical` in a sweep (see `docs/controls.md`, "Beyond the five
//! controls": root without MFA, or an admin-equivalent user with a console password or an
//! active key): news on the `critical` topic, each with what is at stake.

use mfa_evaluator::{ControlId, Priority, Stakes};
use mfa_report::AccountReport;
use serde::Serialize;
use std::collections::BTreeSet;

/// An identity (root or an IAM user) that is `critical` now and was not at its previous
/// assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalIdentity {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub resource_id: String,
    /// The failing controls that rate it critical (IAM.5 and IAM.19 for one user, say).
    pub controls: Vec<ControlId>,
    pub stakes: Option<Stakes>,
}

/// The identities of `account` that the store says became critical in this sweep
/// (`became_critical` holds account and resource ids), each once, in the report's order.
pub(crate) fn critical_identities(
    account: &AccountReport,
    became_critical: &BTreeSet<(String, String)>,
) -> Vec<CriticalIdentity> {
    let mut out: Vec<CriticalIdentity> = Vec::new();
    for control in &account.controls {
        for resource in &control.resources {
            let key = (account.account_id.clone(), resource.resource_id.clone());
            if resource.facts.priority != Some(Priority::Critical)
                || !became_critical.contains(&key)
            {
                continue;
            }
            match out
                .iter_mut()
                .find(|c| c.resource_id == resource.resource_id)
            {
                Some(seen) => seen.controls.push(control.control_id),
                None => out.push(CriticalIdentity {
                    account_id: account.account_id.clone(),
                    account_name: account.account_name.clone(),
                    ou_path: account.ou_path.clone(),
                    resource_id: resource.resource_id.clone(),
                    controls: vec![control.control_id],
                    stakes: resource.facts.stakes.clone(),
                }),
            }
        }
    }
    out
}

/// What is at stake, in one line for a chat message.
pub(crate) fn stakes_line(stakes: &Stakes) -> String {
    let mut parts = Vec::new();
    if stakes.admin_equivalent == Some(true) {
        match stakes.admin_via.as_deref() {
            None | Some([]) => parts.push("admin".to_string()),
            Some(via) => parts.push(format!("admin via {}", via.join(", "))),
        }
    }
    if stakes.console_password {
        parts.push("console password".to_string());
    }
    if let Some(keys) = &stakes.access_keys {
        if !keys.is_empty() {
            parts.push(format!("{} active access key(s)", keys.len()));
        }
    }
    parts.join(", ")
}

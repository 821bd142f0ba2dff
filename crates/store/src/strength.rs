//! How strong one account's MFA is under one control, counted when the account is written (the
//! columns `control_results.phishing_resistant`, `mfa_enforced` and `admin_without_mfa`, which
//! `record_mfa_strength` sums into the `mfa_strength` view when the sweep ends).

use mfa_evaluator::{ControlId, EnforcementState, Facts, Status};
use mfa_report::ControlReport;
use std::collections::HashMap;

/// One control's strength counts in one account; `None` where the fact was not read (no
/// resource carries it) or does not apply to the control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct StrengthCounts {
    pub(crate) phishing_resistant: Option<i32>,
    pub(crate) mfa_enforced: Option<i32>,
    pub(crate) admin_without_mfa: Option<i32>,
}

impl StrengthCounts {
    /// Counts each resource once (a resource listed twice keeps the failing listing, as the
    /// spans do).
    pub(crate) fn of(control: &ControlReport) -> StrengthCounts {
        let mut by_resource: HashMap<&str, (Status, &Facts)> = HashMap::new();
        for resource in &control.resources {
            let kept = by_resource
                .entry(resource.resource_id.as_str())
                .or_insert((resource.status, &resource.facts));
            if resource.status == Status::Failed {
                *kept = (resource.status, &resource.facts);
            }
        }
        let resources: Vec<(Status, &Facts)> = by_resource.into_values().collect();
        let users = matches!(control.control_id, ControlId::Iam5 | ControlId::Iam19);
        let identities = users || control.control_id == ControlId::Iam9;
        let phishing_resistant = |_: Status, facts: &Facts| facts.phishing_resistant;
        let enforced = |_: Status, facts: &Facts| {
            facts
                .mfa_enforcement
                .as_ref()
                .map(|e| e.state == EnforcementState::Enforced)
        };
        let admin_failing = |status: Status, facts: &Facts| {
            let admin = facts.stakes.as_ref().and_then(|s| s.admin_equivalent)?;
            Some(admin && status == Status::Failed)
        };
        StrengthCounts {
            phishing_resistant: users
                .then(|| count_known(&resources, phishing_resistant))
                .flatten(),
            mfa_enforced: users.then(|| count_known(&resources, enforced)).flatten(),
            admin_without_mfa: identities
                .then(|| count_known(&resources, admin_failing))
                .flatten(),
        }
    }
}

/// How many resources the fact holds for; `None` when resources exist and none carries it (the
/// fact was not read).
fn count_known(
    resources: &[(Status, &Facts)],
    fact: impl Fn(Status, &Facts) -> Option<bool>,
) -> Option<i32> {
    let known: Vec<bool> = resources
        .iter()
        .filter_map(|(status, facts)| fact(*status, facts))
        .collect();
    if known.is_empty() && !resources.is_empty() {
        return None;
    }
    Some(i32::try_from(known.iter().filter(|holds| **holds).count()).unwrap_or(i32::MAX))
}

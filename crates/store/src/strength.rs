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
        // A read that failed for any resource leaves the account's count unknown: the others
        // alone would be a partial count, shown as if whole.
        let phishing_resistant = |_: Status, facts: &Facts| match &facts.mfa_devices_error {
            Some(_) => Reading::Failed,
            None => Reading::from(facts.phishing_resistant),
        };
        let enforced = |_: Status, facts: &Facts| match &facts.policies_error {
            Some(_) => Reading::Failed,
            None => Reading::from(
                facts
                    .mfa_enforcement
                    .as_ref()
                    .map(|e| e.state == EnforcementState::Enforced),
            ),
        };
        let admin_failing = |status: Status, facts: &Facts| match &facts.policies_error {
            Some(_) => Reading::Failed,
            None => Reading::from(
                facts
                    .stakes
                    .as_ref()
                    .and_then(|s| s.admin_equivalent)
                    .map(|admin| admin && status == Status::Failed),
            ),
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

/// One resource's reading of a fact.
enum Reading {
    Holds(bool),
    /// Not read (a switch off, a sweep from before, or a fact that does not apply to it).
    NotRead,
    /// Its read failed (`mfa_devices_error`, `policies_error`).
    Failed,
}

impl From<Option<bool>> for Reading {
    fn from(value: Option<bool>) -> Reading {
        value.map_or(Reading::NotRead, Reading::Holds)
    }
}

/// How many resources the fact holds for; `None` when its read failed for any resource, or
/// when resources exist and none carries it (the fact was not read).
fn count_known(
    resources: &[(Status, &Facts)],
    fact: impl Fn(Status, &Facts) -> Reading,
) -> Option<i32> {
    let mut known = Vec::new();
    for (status, facts) in resources {
        match fact(*status, facts) {
            Reading::Holds(holds) => known.push(holds),
            Reading::NotRead => {}
            Reading::Failed => return None,
        }
    }
    if known.is_empty() && !resources.is_empty() {
        return None;
    }
    Some(i32::try_from(known.iter().filter(|holds| **holds).count()).unwrap_or(i32::MAX))
}

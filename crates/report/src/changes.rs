//! What changed between an account's last two assessments: each resource's change, whether it
//! starts or stops failing, and the counts every report and notification says.

use crate::SweepReport;
use mfa_evaluator::{ControlId, ResourceType, Status};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

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

/// How a resource's finding changed between two assessments of its account (the
/// `changes_since_previous_sweep` view's `change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum FailingChange {
    /// FAILED now, not before: a resource newly failing, or a new resource that fails.
    NewFailure,
    /// FAILED before, not now: fixed, out of scope, or gone.
    Resolved,
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
}

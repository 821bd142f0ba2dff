//! The numbers a report shows: each control over the accounts shown (as the store's SQL
//! decides them), and the accounts by outcome.

use crate::{Outcome, SweepReport};
use mfa_evaluator::ControlId;
use serde::{Deserialize, Serialize};

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
}

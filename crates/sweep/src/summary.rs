//! What a finished sweep did: its summary, the status it ends with, and the log line saying so.

use mfa_report::SweepStatus;
use std::path::PathBuf;
use std::time::Duration;
use tracing::info;

/// What a finished sweep did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    pub sweep_id: String,
    pub status: SweepStatus,
    pub assessed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// Accounts with at least one FAILED control.
    pub accounts_failing: usize,
    /// Accounts with a failure no exception covers: what `--fail-on-findings` counts.
    pub accounts_failing_unexcepted: usize,
    /// Resumed: accounts the interrupted sweep had already recorded, not audited again.
    pub already_done: usize,
    /// Interrupted: accounts left for `sweep --resume`.
    pub unfinished: usize,
    /// Accounts written to the spool file because the database was unreachable.
    pub spooled: usize,
    pub spool_file: Option<PathBuf>,
    /// Time spent in the store's writes, all accounts together.
    pub store_time: Duration,
    pub elapsed: Duration,
}

/// Interrupted when accounts are left or the lock was lost; partial when any account (of
/// either part of a resumed sweep) is an error.
pub(crate) fn sweep_status(unfinished: usize, lock_lost: bool, errored: usize) -> SweepStatus {
    if unfinished > 0 || lock_lost {
        SweepStatus::Interrupted
    } else if errored > 0 {
        SweepStatus::Partial
    } else {
        SweepStatus::Completed
    }
}

impl SweepSummary {
    pub(crate) fn log(&self) {
        info!(
            sweep_id = self.sweep_id,
            status = self.status.as_str(),
            assessed = self.assessed,
            errored = self.errored,
            skipped = self.skipped,
            unfinished = self.unfinished,
            spooled = self.spooled,
            elapsed_s = self.elapsed.as_secs_f64(),
            store_s = self.store_time.as_secs_f64(),
            "sweep finished"
        );
    }
}

//! The writer half of a sweep: records every finished account the pool hands it, in the order
//! they finished, and counts them. It never blocks the pool (an unbounded channel between them),
//! and when it can record no more (the lock lost, the spool unwritable) it tells the pool to
//! stop.

use crate::record::{Destination, Recorder};
use crate::run::{Finished, Progress};
use crate::sink::Sink;
use crate::sweep_error::SweepError;
use mfa_evaluator::Status;
use mfa_report::{AccountReport, Outcome};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

/// What the writer counted.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) assessed: usize,
    pub(crate) errored: usize,
    pub(crate) skipped: usize,
    pub(crate) failing: usize,
    pub(crate) failing_unexcepted: usize,
}

impl Tally {
    fn count(&mut self, report: &AccountReport) {
        match report.outcome {
            Outcome::Assessed => self.assessed += 1,
            Outcome::Error => self.errored += 1,
            Outcome::Skipped => self.skipped += 1,
        }
        if report.controls.iter().any(|c| c.status == Status::Failed) {
            self.failing += 1;
        }
        if report.has_unexcepted_failures() {
            self.failing_unexcepted += 1;
        }
    }
}

/// The writer: records every finished account, in the order they finished, until the pool is
/// done. When the spool cannot be written either (or the lock is lost), `end_now` tells the
/// pool to stop, and each account
/// that could not be recorded is named in the log.
pub(crate) async fn write_all<S: Sink>(
    recorder: &mut Recorder<S>,
    mut from_pool: mpsc::UnboundedReceiver<Finished>,
    progress: &dyn Progress,
    end_now: &CancellationToken,
) -> Result<Tally, SweepError> {
    let mut tally = Tally::default();
    let mut fatal: Option<SweepError> = None;
    while let Some(Finished { report, took }) = from_pool.recv().await {
        if let Some(error) = &fatal {
            error!(account_id = %report.account_id, operation = "store:record_account",
                   "account audited but not recorded ({error}); the next sweep audits it again");
            continue;
        }
        match recorder.account(&report).await {
            Ok(destination) => {
                if destination == Destination::Spool {
                    warn!(account_id = %report.account_id, operation = "store:record_account",
                          "account spooled: it could not be written to the database");
                }
                tally.count(&report);
                match took {
                    Some(took) => progress.account_finished(&report, took),
                    None => progress.account_not_audited(&report),
                }
            }
            Err(error) => {
                error!(account_id = %report.account_id, operation = "store:record_account",
                       "account audited but not recorded: {error}");
                fatal = Some(error);
                end_now.cancel();
            }
        }
        if recorder.lock_lost().is_some() {
            end_now.cancel();
        }
    }
    match fatal {
        Some(error) => Err(error),
        None => Ok(tally),
    }
}

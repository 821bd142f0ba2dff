//! Where a finished account goes: the database, or when the database stays away, the spool.
//!
//! Writes that fail because the database is gone are retried with backoff for a configured
//! time (cut short once the sweep's grace period is over). If it is still gone, this account and
//! every later one of the sweep go to a spool file that `mfa-auditor import` loads later. A
//! record the database refuses goes to the spool alone; once the sweep lock is lost, everything
//! left goes there. Nothing audited is lost.

use crate::sink::{Sink, WriteFailure};
use crate::spool::{SpoolFile, SpoolRecord};
use crate::SweepError;
use backon::{BackoffBuilder, ExponentialBuilder, RetryableWithContext};
use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, SweepInfo, SweepStatus};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn, Instrument};

/// How hard to try the database before spooling.
#[derive(Debug, Clone)]
pub struct RecordSettings {
    /// How long a write keeps retrying while the database is unreachable.
    pub retry_for: Duration,
    /// Where spool files are written, one per sweep.
    pub spool_dir: PathBuf,
}

/// The waits between tries of a write while the database is unreachable: 250 ms, doubling,
/// at most 5 s apart. [`RecordSettings::retry_for`] bounds them all.
const DATABASE_RETRY: ExponentialBuilder = ExponentialBuilder::new()
    .with_min_delay(Duration::from_millis(250))
    .with_max_delay(Duration::from_secs(5))
    .without_max_times();

/// Where a record ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Database,
    Spool,
}

/// Writes one sweep's records, to the sink while it answers and to the spool after.
#[derive(Debug)]
pub(crate) struct Recorder<S> {
    sink: S,
    sweep: SweepInfo,
    settings: RecordSettings,
    spool: Option<SpoolFile>,
    /// Set once the database stayed away past `retry_for`: the rest of the sweep is spooled
    /// rather than waiting out the retries once per account.
    database_gone: bool,
    /// Set once another sweep took the lock: nothing more is written to the database.
    lock_lost: Option<String>,
    /// Cancelled when the sweep must end now (its grace period is over): no more waiting for
    /// the database.
    end_now: CancellationToken,
    pub(crate) spooled_accounts: usize,
    pub(crate) store_time: Duration,
}

/// What a write with retries came to.
enum Attempted {
    Written,
    Spool,
}

/// A write the recorder retries.
#[derive(Clone, Copy)]
enum Write<'r> {
    Account(&'r AccountReport),
    Finish(DateTime<Utc>, SweepStatus),
}

impl<S: Sink> Recorder<S> {
    pub(crate) fn new(
        sink: S,
        sweep: SweepInfo,
        settings: RecordSettings,
        end_now: CancellationToken,
    ) -> Recorder<S> {
        Recorder {
            sink,
            sweep,
            settings,
            spool: None,
            database_gone: false,
            lock_lost: None,
            end_now,
            spooled_accounts: 0,
            store_time: Duration::ZERO,
        }
    }

    pub(crate) fn spool_path(&self) -> Option<&Path> {
        self.spool.as_ref().map(|s| s.path.as_path())
    }

    /// Why the sweep lost its lock, once it has.
    pub(crate) fn lock_lost(&self) -> Option<&str> {
        self.lock_lost.as_deref()
    }

    pub(crate) async fn account(
        &mut self,
        report: &AccountReport,
    ) -> Result<Destination, SweepError> {
        let started = Instant::now();
        let attempted = if self.database_gone || self.lock_lost.is_some() {
            Attempted::Spool
        } else {
            let span = tracing::info_span!("account", account_id = %report.account_id);
            self.with_retries("store:record_account", Write::Account(report))
                .instrument(span)
                .await
        };
        self.store_time += started.elapsed();
        if let Attempted::Written = attempted {
            return Ok(Destination::Database);
        }
        self.spool(SpoolRecord::Account {
            sweep_id: self.sweep.id.clone(),
            account: report.clone(),
        })?;
        self.spooled_accounts += 1;
        Ok(Destination::Spool)
    }

    /// Records the sweep's end. A sweep that lost the lock with nothing spooled records none:
    /// the sweep that took the lock marked it interrupted.
    pub(crate) async fn finish(
        &mut self,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<(), SweepError> {
        // Once accounts are spooled, the end goes with them: an import then finishes the
        // sweep after its accounts, never before.
        if self.spool.is_none() && !self.database_gone && self.lock_lost.is_none() {
            let started = Instant::now();
            let attempted = self
                .with_retries("store:finish_sweep", Write::Finish(finished_at, status))
                .await;
            self.store_time += started.elapsed();
            if let Attempted::Written = attempted {
                return Ok(());
            }
        }
        if self.lock_lost.is_some() && self.spool.is_none() {
            return Ok(());
        }
        self.spool(SpoolRecord::Finished {
            sweep_id: self.sweep.id.clone(),
            finished_at,
            status,
        })
    }

    async fn attempt_lent<'r>(
        recorder: &'r mut Self,
        write: Write<'_>,
    ) -> (&'r mut Self, Result<(), WriteFailure>) {
        let result = recorder.attempt(write).await;
        (recorder, result)
    }

    async fn attempt(&mut self, write: Write<'_>) -> Result<(), WriteFailure> {
        let sweep_id = &self.sweep.id;
        match write {
            Write::Account(report) => self.sink.record(sweep_id, report).await.map(|_| ()),
            Write::Finish(at, status) => self
                .sink
                .finish(sweep_id, at, status, false)
                .await
                .map(|_| ()),
        }
    }

    /// Runs a write, retrying while the database is unreachable (for `retry_for`, or until
    /// the sweep must end now).
    async fn with_retries(&mut self, operation: &str, write: Write<'_>) -> Attempted {
        let started = Instant::now();
        let (retry_for, end_now) = (self.settings.retry_for, self.end_now.clone());
        let waits = DATABASE_RETRY
            .build()
            .take_while(move |_| started.elapsed() < retry_for && !end_now.is_cancelled());
        let end_now = self.end_now.clone();
        let sweep_id = self.sweep.id.clone();
        let mut failed = false;
        // The write needs the recorder mutably: backon lends it to each try and hands it back.
        let (recorder, result) = (move |recorder| Self::attempt_lent(recorder, write))
            .retry(waits)
            // backon panics if the sleeper is set after the context.
            .sleep(move |wait| sleep_unless_cancelled(wait, end_now.clone()))
            .context(self)
            .when(|failure| matches!(failure, WriteFailure::Unreachable(_)))
            .notify(|failure, wait| {
                failed = true;
                if let WriteFailure::Unreachable(reason) = failure {
                    warn!(sweep_id = %sweep_id, operation, retry_in_ms = wait.as_millis() as u64,
                      "database write failed, retrying: {reason}");
                }
            })
            .await;
        recorder.attempted(operation, result, failed, started.elapsed())
    }

    /// What a write with retries came to, logged; marks the database gone or the lock lost.
    fn attempted(
        &mut self,
        operation: &str,
        result: Result<(), WriteFailure>,
        retried: bool,
        waited: Duration,
    ) -> Attempted {
        match result {
            Ok(()) => {
                if retried {
                    info!(sweep_id = %self.sweep.id, operation, "database back; written");
                }
                Attempted::Written
            }
            Err(WriteFailure::Unreachable(reason)) => {
                let hurry = self.end_now.is_cancelled();
                error!(sweep_id = %self.sweep.id, operation,
                       "database unreachable for {} s{}: {reason}; the rest of this sweep goes to the spool",
                       waited.as_secs(),
                       if hurry { " and the sweep must end now" } else { "" });
                self.database_gone = true;
                Attempted::Spool
            }
            Err(WriteFailure::LockLost(reason)) => {
                error!(sweep_id = %self.sweep.id, operation,
                       "{reason}; what is left of this sweep goes to the spool");
                self.lock_lost = Some(reason);
                Attempted::Spool
            }
            Err(WriteFailure::Refused(reason)) => {
                // Retrying will not help, but the results are not dropped either.
                error!(sweep_id = %self.sweep.id, operation,
                       "database write refused, spooled instead: {reason}");
                Attempted::Spool
            }
        }
    }

    fn spool(&mut self, record: SpoolRecord) -> Result<(), SweepError> {
        if self.spool.is_none() {
            let mut file = SpoolFile::create(&self.settings.spool_dir, &self.sweep.id)?;
            file.append(&SpoolRecord::Sweep {
                sweep: self.sweep.clone(),
            })?;
            warn!(sweep_id = %self.sweep.id, path = %file.path.display(), "spooling results to a file");
            self.spool = Some(file);
        }
        match &mut self.spool {
            Some(file) => file.append(&record),
            None => Ok(()),
        }
    }
}

/// Sleeps `wait`, or less if the sweep must end now.
async fn sleep_unless_cancelled(wait: Duration, end_now: CancellationToken) {
    tokio::select! {
        () = tokio::time::sleep(wait) => {}
        () = end_now.cancelled() => {}
    }
}

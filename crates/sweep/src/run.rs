//! Runs a planned sweep: a pool that only audits, and a writer that only writes, joined by a
//! channel.
//!
//! Every account is its own task, so a panic in one is that account's error. The pool never
//! waits on the database: it hands each finished account to the writer and goes on, so a stop
//! request and the grace period are seen on time however long the writes retry. A stop request
//! ends the sweep cleanly: no new accounts, a grace period for those in flight, then every
//! finished account is written (the writer stops waiting for the database once the grace
//! period is over: what it cannot write goes to the spool) and the sweep is recorded
//! `interrupted`, for `sweep --resume` to finish. If the writer loses the sweep lock, or cannot
//! write the spool, the pool stops at once.

use crate::audit::{died_report, not_audited_report, Audit};
use crate::decide::Decision;
use crate::plan::{Plan, PlannedAccount};
use crate::record::{RecordSettings, Recorder};
use crate::sink::Sink;
use crate::summary::sweep_status;
use crate::summary::SweepSummary;
use crate::sweep_error::SweepError;
use crate::writer::write_all;
use chrono::Utc;
use mfa_evaluator::{CentralizedRootAccess, ControlId, DataError};
use mfa_report::{AccountReport, Outcome, SweepException, SweepInfo, SweepStatus};
use mfa_store::ResumableSweep;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// Accounts audited at once (each making several requests: `limits.concurrency` bounds
    /// those).
    pub accounts_in_flight: usize,
    /// The exceptions the sweep reads, as they stand on its day: recorded with the sweep.
    pub exceptions: Vec<SweepException>,
    /// How long accounts in flight may still finish once a stop is requested.
    pub grace_period: Duration,
    pub record: RecordSettings,
    /// Centralized root access, read once when the sweep begins: recorded with the sweep.
    pub centralized_root_access: Result<CentralizedRootAccess, DataError>,
}

/// Told about the sweep as it goes (a progress bar, log lines, metrics).
pub trait Progress: Send + Sync {
    fn started(&self, sweep_id: &str, accounts_to_audit: usize);
    /// An audited account, recorded. `took`: its audit, from its first call to its evaluation.
    fn account_finished(&self, account: &AccountReport, took: Duration);
    /// An account recorded without an audit: skipped, or invalid in the organization's listing.
    fn account_not_audited(&self, _account: &AccountReport) {}
}

/// A new sweep, or the rest of an interrupted one.
#[derive(Debug, Clone)]
pub enum SweepStart {
    New,
    Resume(Box<ResumableSweep>),
}

/// A finished account on its way to the writer; `took` is `None` for one not audited.
pub(crate) struct Finished {
    pub(crate) report: AccountReport,
    pub(crate) took: Option<Duration>,
}

#[derive(Debug)]
pub struct SweepRunner<A> {
    auditor: A,
    settings: SweepSettings,
}

impl<A: Audit> SweepRunner<A> {
    pub fn new(auditor: A, settings: SweepSettings) -> SweepRunner<A> {
        SweepRunner { auditor, settings }
    }

    /// Runs the sweep, writing through `sink`.
    pub async fn run<S: Sink>(
        &self,
        plan: Plan,
        start: SweepStart,
        mut sink: S,
        progress: &dyn Progress,
        stop: &CancellationToken,
    ) -> Result<SweepSummary, SweepError> {
        let (info, done) = match start {
            SweepStart::New => (self.begin(&plan, &mut sink).await?, HashMap::new()),
            SweepStart::Resume(resumable) => self.reopen(*resumable, &mut sink).await?,
        };
        let sweep_id = info.id.clone();
        // A resumed sweep's status counts the errors of its first part too.
        let errored_before = done.values().filter(|o| **o == Outcome::Error).count();
        let (audit, not_audited) = left_to_do(plan.accounts, &done);
        info!(
            sweep_id,
            to_audit = audit.len(),
            not_audited = not_audited.len(),
            already_done = done.len(),
            "sweep started"
        );
        progress.started(&sweep_id, audit.len());

        let started = Instant::now();
        let (to_writer, from_pool) = mpsc::unbounded_channel();
        for planned in not_audited {
            let report = not_audited_report(planned, self.auditor.home_region());
            // The receiver lives below: a send cannot fail.
            let _ = to_writer.send(Finished { report, took: None });
        }
        // One token for "the sweep ends now", whoever decides it: the pool once the grace period
        // is over, the writer once it can record no more. The pool then abandons what is in
        // flight, and the recorder stops waiting for the database (after the writer's reasons it
        // has nothing left to wait for, so sharing the token changes nothing for it).
        let end_now = CancellationToken::new();
        let mut recorder = Recorder::new(sink, info, self.settings.record.clone(), end_now.clone());
        let (unfinished, tally) = tokio::join!(
            self.audit_all(audit, to_writer, stop, &end_now),
            write_all(&mut recorder, from_pool, progress, &end_now),
        );
        let tally = tally?;

        let lock_lost = recorder.lock_lost().map(str::to_string);
        let status = sweep_status(
            unfinished,
            lock_lost.is_some(),
            tally.errored + errored_before,
        );
        recorder.finish(Utc::now(), status).await?;
        let spool_file = recorder.spool_path().map(|p| p.to_path_buf());
        if let Some(reason) = lock_lost {
            return Err(SweepError::LockLost {
                reason,
                spool: spool_file,
            });
        }
        let summary = SweepSummary {
            sweep_id,
            status,
            assessed: tally.assessed,
            errored: tally.errored,
            skipped: tally.skipped,
            accounts_failing: tally.failing,
            accounts_failing_unexcepted: tally.failing_unexcepted,
            already_done: done.len(),
            unfinished,
            spooled: recorder.spooled_accounts,
            spool_file,
            store_time: recorder.store_time,
            elapsed: started.elapsed(),
        };
        summary.log();
        Ok(summary)
    }

    /// Begins a new sweep: what it audits, and with what, recorded before any account.
    async fn begin<S: Sink>(&self, plan: &Plan, sink: &mut S) -> Result<SweepInfo, SweepError> {
        let info = SweepInfo {
            id: Uuid::new_v4().to_string(),
            started_at: Utc::now(),
            finished_at: None,
            status: SweepStatus::Running,
            organization_id: Some(plan.organization_id.clone()),
            management_account_id: Some(plan.management_account_id.clone()),
            regions: self.auditor.regions().to_vec(),
            controls: ControlId::ALL.to_vec(),
            exceptions: self.settings.exceptions.clone(),
            centralized_root_access: self.settings.centralized_root_access.clone().ok(),
            centralized_root_access_error: self.settings.centralized_root_access.clone().err(),
            home_region: Some(self.auditor.home_region().to_string()),
        };
        sink.begin(&info).await?;
        Ok(info)
    }

    /// Reopens an interrupted sweep; returns it with the accounts it already recorded.
    async fn reopen<S: Sink>(
        &self,
        resumable: ResumableSweep,
        sink: &mut S,
    ) -> Result<(SweepInfo, HashMap<String, Outcome>), SweepError> {
        sink.reopen(&resumable.sweep.id).await?;
        let ResumableSweep { mut sweep, done } = resumable;
        // The rest is audited with today's exceptions: record those the sweep did not
        // read when it began (its start is already there: only they are added).
        let known: Vec<String> = sweep
            .exceptions
            .iter()
            .map(|e| e.exception.id.clone())
            .collect();
        let added: Vec<SweepException> = self
            .settings
            .exceptions
            .iter()
            .filter(|e| !known.contains(&e.exception.id))
            .cloned()
            .collect();
        if !added.is_empty() {
            sweep.exceptions.extend(added);
            sink.begin(&sweep).await?;
        }
        Ok((sweep, done))
    }

    /// The pool: at most `accounts_in_flight` audits at once, each finished one handed to the
    /// writer. Returns the number of accounts left unaudited (stopped, or ended by the writer).
    /// It cancels `end_now` itself when the grace period is over; `end_now` cancelled by
    /// anyone else is the writer saying it can record no more.
    async fn audit_all(
        &self,
        accounts: Vec<PlannedAccount>,
        to_writer: mpsc::UnboundedSender<Finished>,
        stop: &CancellationToken,
        end_now: &CancellationToken,
    ) -> usize {
        let mut queue = accounts.into_iter();
        let mut in_flight = JoinSet::new();
        let mut who: HashMap<tokio::task::Id, PlannedAccount> = HashMap::new();
        let mut grace_ends: Option<Instant> = None;
        let send = |finished: Finished| {
            // The writer drains the channel to its end: a send cannot fail.
            let _ = to_writer.send(finished);
        };
        loop {
            if grace_ends.is_none() && !stop.is_cancelled() {
                while in_flight.len() < self.settings.accounts_in_flight.max(1) {
                    let Some(planned) = queue.next() else { break };
                    let audit = self.auditor.audit(planned.clone());
                    let handle = in_flight.spawn(async move {
                        let started = Instant::now();
                        let report = audit.await;
                        (report, started.elapsed())
                    });
                    who.insert(handle.id(), planned);
                }
            }
            if in_flight.is_empty() {
                break;
            }
            // Biased: the writer's end, the end of the grace period or a stop is seen before any more
            // results; the drain below keeps the results already finished by then.
            tokio::select! {
                biased;
                () = end_now.cancelled() => {
                    warn!(abandoned = in_flight.len(), queued = queue.len(),
                          "the sweep cannot record any more: no new accounts; those in flight are abandoned");
                    break;
                }
                () = sleep_until(grace_ends), if grace_ends.is_some() => {
                    warn!(in_flight = in_flight.len(),
                          "grace period over: accounts still in flight are left for --resume");
                    end_now.cancel();
                    break;
                }
                () = stop.cancelled(), if grace_ends.is_none() => {
                    warn!(in_flight = in_flight.len(), queued = queue.len(),
                          grace_s = self.settings.grace_period.as_secs_f64(),
                          "stop requested: no new accounts; those in flight get the grace period");
                    grace_ends = Some(Instant::now() + self.settings.grace_period);
                }
                Some(joined) = in_flight.join_next_with_id() => {
                    if let Some(finished) = joined_report(joined, &mut who, self.auditor.home_region()) {
                        send(finished);
                    }
                }
            }
        }
        // What is still in flight is abandoned; what already finished is kept.
        in_flight.abort_all();
        let mut unfinished = queue.len();
        while let Some(joined) = in_flight.join_next_with_id().await {
            match joined_report(joined, &mut who, self.auditor.home_region()) {
                Some(finished) => send(finished),
                None => unfinished += 1,
            }
        }
        unfinished
    }
}

/// The accounts not recorded yet: those to audit, and those recorded without an audit.
fn left_to_do(
    accounts: Vec<PlannedAccount>,
    done: &HashMap<String, Outcome>,
) -> (Vec<PlannedAccount>, Vec<PlannedAccount>) {
    accounts
        .into_iter()
        .filter(|planned| !done.contains_key(&planned.account.id))
        .partition(|a| a.decision == Decision::Audit)
}

/// The report of a joined audit: its own, or an error report if it panicked; `None` when it
/// was aborted (left for `--resume`).
fn joined_report(
    joined: Result<(tokio::task::Id, (AccountReport, Duration)), tokio::task::JoinError>,
    who: &mut HashMap<tokio::task::Id, PlannedAccount>,
    error_region: &str,
) -> Option<Finished> {
    match joined {
        Ok((id, (report, took))) => {
            who.remove(&id);
            Some(Finished {
                report,
                took: Some(took),
            })
        }
        Err(error) => {
            let planned = who.remove(&error.id())?;
            if error.is_cancelled() {
                info!(account_id = %planned.account.id, "audit abandoned; left for --resume");
                return None;
            }
            Some(Finished {
                report: died_report(&planned, &error, error_region),
                took: Some(Duration::ZERO),
            })
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests;

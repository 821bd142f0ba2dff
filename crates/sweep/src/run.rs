//! Runs a planned sweep: a bounded pool of accounts in flight, each written as it finishes.
//!
//! Every account is its own task, so a slow write (the database retrying) never stalls the
//! audits in flight, and a panic in one account is that account's error. A stop request ends
//! the sweep cleanly: no new accounts, a grace period for those in flight, then the sweep is
//! recorded `interrupted` with what was done, for `sweep --resume` to finish.

use crate::plan::{Decision, Plan, PlannedAccount};
use crate::record::{Destination, RecordSettings, Recorder};
use chrono::Utc;
use mfa_collector::AccountCollector;
use mfa_evaluator::{evaluate, ControlId, DataError, Status};
use mfa_report::{AccountReport, ControlReport, Outcome, SweepInfo, SweepStatus};
use mfa_store::{ResumableSweep, Store, StoreError, SweepLock};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn, Instrument};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another sweep is running ({0}); not starting a second one (set schedule.if_sweep_running = \"wait\" to wait for it)")]
    Busy(String),
    #[error("another sweep is still running ({running}) after waiting {} s for it (schedule.lock_wait_seconds); not starting a second one", waited.as_secs())]
    WaitedTooLong { waited: Duration, running: String },
    /// A stop request came before the sweep began (while it waited for the lock).
    #[error("stopped before the sweep began; nothing was recorded")]
    Stopped,
    /// The database restarted mid-sweep, releasing the lock, and another sweep took it.
    #[error("this sweep stopped: {0}; its finished accounts are recorded, `sweep --resume` can finish it later")]
    LockLost(#[source] StoreError),
    #[error("spool file {}: {source}", path.display())]
    Spool {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("spool file {}, line {line}: not a spool record: {message}", path.display())]
    SpoolLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// Accounts in flight at once.
    pub concurrency: usize,
    /// The most one account may take, all its calls included.
    pub account_deadline: Duration,
    /// How long accounts in flight may still finish once a stop is requested.
    pub grace_period: Duration,
    pub record: RecordSettings,
}

/// Told about the sweep as it goes (a progress bar, log lines, metrics).
pub trait Progress: Send + Sync {
    fn started(&self, sweep_id: &str, accounts_to_audit: usize);
    /// `took`: the account's audit, from its first call to its evaluation.
    fn account_finished(&self, account: &AccountReport, took: Duration);
    /// An account recorded without an audit: skipped, or invalid in the organization's listing.
    fn account_not_audited(&self, _account: &AccountReport) {}
}

/// Asks a running sweep to stop (SIGTERM, Ctrl-C).
#[derive(Debug)]
pub struct StopHandle(watch::Sender<bool>);

/// What a sweep watches for a stop request.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

/// A connected pair: the handle stops the sweeps watching the signal.
pub fn stop_signal() -> (StopHandle, StopSignal) {
    let (sender, receiver) = watch::channel(false);
    (StopHandle(sender), StopSignal(receiver))
}

impl StopHandle {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl StopSignal {
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes when a stop is requested; never, if the handle is gone without one.
    pub async fn stopped(&mut self) {
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// A new sweep, or the rest of an interrupted one.
#[derive(Debug, Clone)]
pub enum SweepStart {
    New,
    Resume(ResumableSweep),
}

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

#[derive(Debug)]
pub struct SweepRunner {
    collector: AccountCollector,
    store: Store,
    settings: SweepSettings,
}

/// Who a task in flight is auditing, to name the account if its task dies.
#[derive(Debug)]
struct InFlight {
    account_id: String,
    account_name: String,
    ou_path: String,
}

impl SweepRunner {
    pub fn new(collector: AccountCollector, store: Store, settings: SweepSettings) -> SweepRunner {
        SweepRunner {
            collector,
            store,
            settings,
        }
    }

    /// Runs the sweep under `lock`, which it keeps, and takes again if a database restart
    /// releases it.
    pub async fn run(
        &self,
        plan: Plan,
        start: SweepStart,
        lock: SweepLock,
        progress: &dyn Progress,
        stop: &StopSignal,
    ) -> Result<SweepSummary, SweepError> {
        let (info, done) = match start {
            SweepStart::New => {
                let info = SweepInfo {
                    id: Uuid::new_v4().to_string(),
                    started_at: Utc::now(),
                    finished_at: None,
                    status: SweepStatus::Running,
                    organization_id: Some(plan.organization_id.clone()),
                    management_account_id: Some(plan.management_account_id.clone()),
                    regions: self.collector.regions().to_vec(),
                    controls: ControlId::ALL.to_vec(),
                };
                self.store.begin_sweep(&info).await?;
                (info, HashMap::new())
            }
            SweepStart::Resume(resumable) => {
                self.store.reopen_sweep(&resumable.sweep.id).await?;
                (resumable.sweep, resumable.done)
            }
        };
        let sweep_id = info.id.clone();
        let mut recorder =
            Recorder::new(self.store.clone(), lock, info, self.settings.record.clone());
        let mut summary = SweepSummary {
            sweep_id: sweep_id.clone(),
            status: SweepStatus::Completed,
            assessed: 0,
            errored: 0,
            skipped: 0,
            accounts_failing: 0,
            already_done: done.len(),
            unfinished: 0,
            spooled: 0,
            spool_file: None,
            store_time: Duration::ZERO,
            elapsed: Duration::ZERO,
        };
        // A resumed sweep's status counts the errors of its first part too.
        let errored_before = done.values().filter(|o| **o == Outcome::Error).count();
        let (audit, not_audited): (Vec<PlannedAccount>, Vec<PlannedAccount>) = plan
            .accounts
            .into_iter()
            .filter(|planned| !done.contains_key(&planned.account.id))
            .partition(|a| a.decision == Decision::Audit);
        info!(
            sweep_id,
            to_audit = audit.len(),
            not_audited = not_audited.len(),
            already_done = done.len(),
            "sweep started"
        );
        progress.started(&sweep_id, audit.len());

        let started = Instant::now();
        for planned in not_audited {
            let report = not_audited_report(planned, self.collector.regions());
            self.record(&mut recorder, &report, &mut summary).await?;
            progress.account_not_audited(&report);
        }

        let mut stop = stop.clone();
        let mut queue = audit.into_iter();
        let mut in_flight = JoinSet::new();
        let mut who: HashMap<tokio::task::Id, InFlight> = HashMap::new();
        let mut grace_ends: Option<tokio::time::Instant> = None;
        loop {
            if grace_ends.is_none() && !stop.is_stopped() {
                while in_flight.len() < self.settings.concurrency.max(1) {
                    let Some(planned) = queue.next() else { break };
                    let entry = InFlight {
                        account_id: planned.account.id.clone(),
                        account_name: planned.account.name.clone(),
                        ou_path: planned.account.ou_path(),
                    };
                    let audit = audit_one(
                        self.collector.clone(),
                        self.settings.account_deadline,
                        planned,
                    );
                    let handle = in_flight.spawn(audit);
                    who.insert(handle.id(), entry);
                }
            }
            if in_flight.is_empty() {
                break;
            }
            tokio::select! {
                joined = in_flight.join_next_with_id() => {
                    let (report, took) = match joined {
                        Some(Ok((id, finished))) => {
                            who.remove(&id);
                            finished
                        }
                        Some(Err(error)) => {
                            let Some(entry) = who.remove(&error.id()) else { continue };
                            if error.is_cancelled() {
                                continue;
                            }
                            (died_report(entry, &error, self.collector.regions()), Duration::ZERO)
                        }
                        None => continue,
                    };
                    self.record(&mut recorder, &report, &mut summary).await?;
                    progress.account_finished(&report, took);
                }
                () = stop.stopped(), if grace_ends.is_none() => {
                    warn!(sweep_id, in_flight = in_flight.len(), queued = queue.len(),
                          grace_s = self.settings.grace_period.as_secs_f64(),
                          "stop requested: no new accounts; those in flight get the grace period");
                    grace_ends = Some(tokio::time::Instant::now() + self.settings.grace_period);
                }
                () = sleep_until(grace_ends), if grace_ends.is_some() => {
                    warn!(sweep_id, abandoned = in_flight.len(),
                          "grace period over: accounts still in flight are left for --resume");
                    summary.unfinished += in_flight.len();
                    in_flight.abort_all();
                    while in_flight.join_next().await.is_some() {}
                    break;
                }
            }
        }
        summary.unfinished += queue.len();

        summary.status = if summary.unfinished > 0 {
            SweepStatus::Interrupted
        } else if summary.errored + errored_before > 0 {
            SweepStatus::Partial
        } else {
            SweepStatus::Completed
        };
        let start_write = Instant::now();
        recorder.finish(Utc::now(), summary.status).await?;
        summary.store_time += start_write.elapsed();
        summary.store_time += recorder.store_time;
        summary.spooled = recorder.spooled_accounts;
        summary.spool_file = recorder.spool_path().map(|p| p.to_path_buf());
        summary.elapsed = started.elapsed();
        info!(
            sweep_id,
            status = summary.status.as_str(),
            assessed = summary.assessed,
            errored = summary.errored,
            skipped = summary.skipped,
            unfinished = summary.unfinished,
            spooled = summary.spooled,
            elapsed_s = summary.elapsed.as_secs_f64(),
            store_s = summary.store_time.as_secs_f64(),
            "sweep finished"
        );
        Ok(summary)
    }

    async fn record(
        &self,
        recorder: &mut Recorder,
        report: &AccountReport,
        summary: &mut SweepSummary,
    ) -> Result<(), SweepError> {
        if recorder.account(report).await? == Destination::Spool {
            warn!(account_id = %report.account_id, operation = "store:record_account",
                  "account spooled: the database is unreachable");
        }
        match report.outcome {
            Outcome::Assessed => summary.assessed += 1,
            Outcome::Error => summary.errored += 1,
            Outcome::Skipped => summary.skipped += 1,
        }
        if report.controls.iter().any(|c| c.status == Status::Failed) {
            summary.accounts_failing += 1;
        }
        Ok(())
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Audits one account; never fails: a failure becomes the account's `error`.
async fn audit_one(
    collector: AccountCollector,
    deadline: Duration,
    planned: PlannedAccount,
) -> (AccountReport, Duration) {
    let started = Instant::now();
    let account = planned.account;
    let account_id = account.id.clone();
    let span = tracing::info_span!("account", account_id = %account_id);
    let ends = tokio::time::Instant::now() + deadline;
    let collected = tokio::time::timeout_at(ends, collector.collect(&account_id, ends))
        .instrument(span.clone())
        .await;
    let mut report = AccountReport {
        ou_path: account.ou_path(),
        account_id,
        account_name: account.name,
        outcome: Outcome::Assessed,
        skip_reason: None,
        error: None,
        controls: Vec::new(),
    };
    let _entered = span.enter();
    match collected {
        Ok(Ok(snapshot)) => {
            report.controls = evaluate(&snapshot)
                .into_iter()
                .map(ControlReport::from)
                .collect();
            for control in report.controls.iter().filter(|c| c.status == Status::Error) {
                if let Some(error) = &control.error {
                    warn!(control = %control.control_id, operation = %error.operation,
                          region = %error.region, code = ?error.code, "control not decided");
                }
            }
        }
        Ok(Err(error)) => {
            warn!(operation = error.operation, region = %error.region,
                  code = ?error.aws_code, "account not assessed: {}", error.message);
            report.outcome = Outcome::Error;
            report.error = Some(error.to_data_error());
        }
        Err(_) => {
            warn!(
                operation = "account",
                deadline_s = deadline.as_secs(),
                "account deadline passed"
            );
            report.outcome = Outcome::Error;
            report.error = Some(DataError {
                operation: "account".to_string(),
                region: collector.regions().first().cloned().unwrap_or_default(),
                code: Some("Timeout".to_string()),
                message: format!(
                    "the account did not finish within its deadline of {} s",
                    deadline.as_secs()
                ),
                request_id: None,
            });
        }
    }
    (report, started.elapsed())
}

/// The report of an account whose task died (a bug): that account errors, the sweep goes on.
fn died_report(
    entry: InFlight,
    error: &tokio::task::JoinError,
    regions: &[String],
) -> AccountReport {
    warn!(account_id = %entry.account_id, operation = "account", "account audit panicked: {error}");
    AccountReport {
        account_id: entry.account_id,
        account_name: entry.account_name,
        ou_path: entry.ou_path,
        outcome: Outcome::Error,
        skip_reason: None,
        error: Some(DataError {
            operation: "account".to_string(),
            region: regions.first().cloned().unwrap_or_default(),
            code: Some("InternalError".to_string()),
            message: format!("the audit of this account failed inside mfa-auditor: {error}"),
            request_id: None,
        }),
        controls: Vec::new(),
    }
}

/// The report of an account that is not audited: skipped, or invalid (an error).
fn not_audited_report(planned: PlannedAccount, regions: &[String]) -> AccountReport {
    let (outcome, skip_reason, error) = match planned.decision {
        Decision::Skip { reason, .. } => (Outcome::Skipped, Some(reason), None),
        Decision::Invalid { mut error } => {
            if error.region.is_empty() {
                error.region = regions.first().cloned().unwrap_or_default();
            }
            (Outcome::Error, None, Some(error))
        }
        Decision::Audit => (Outcome::Assessed, None, None),
    };
    AccountReport {
        ou_path: planned.account.ou_path(),
        account_id: planned.account.id.chars().take(64).collect(),
        account_name: planned.account.name,
        outcome,
        skip_reason,
        error,
        controls: Vec::new(),
    }
}

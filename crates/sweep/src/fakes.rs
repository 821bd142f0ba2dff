//! Test doubles for the pool and the writer: an auditor whose accounts take a scripted time,
//! hang or panic, and a sink that is slow, unreachable, refusing or loses the lock on cue. Both
//! keep what happened for the test to read.

#![allow(clippy::unwrap_used)] // test support: a poisoned mutex is a failed test

use crate::audit::Audit;
use crate::decide::Decision;
use crate::plan::{Plan, PlannedAccount};
use crate::run::Progress;
use crate::sink::{Sink, WriteFailure};
use chrono::{DateTime, Utc};
use mfa_collector::{AccountState, Lifecycle, OrgAccount, StateField};
use mfa_report::{AccountReport, Outcome, SweepInfo, SweepStatus};
use mfa_store::Recorded;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// A plan of `n` active accounts, `000000000001` and up.
pub(crate) fn plan_of(n: usize) -> Plan {
    Plan {
        organization_id: "o-test".into(),
        management_account_id: account_id(1),
        accounts: (1..=n)
            .map(|i| PlannedAccount {
                account: OrgAccount {
                    id: account_id(i),
                    name: Some(format!("account-{i}")),
                    lifecycle: Ok(Lifecycle {
                        state: AccountState::Active,
                        field: StateField::State,
                    }),
                    parents: Ok(Vec::new()),
                },
                decision: Decision::Audit,
            })
            .collect(),
    }
}

pub(crate) fn account_id(i: usize) -> String {
    format!("{i:012}")
}

pub(crate) fn assessed(account_id: &str) -> AccountReport {
    AccountReport {
        account_id: account_id.into(),
        account_name: format!("name-{account_id}"),
        ou_path: "Root".into(),
        outcome: Outcome::Assessed,
        skip_reason: None,
        error: None,
        controls: Vec::new(),
        regions: None,
        mfa_guardrail_scps: None,
        mfa_guardrail_scps_error: None,
    }
}

/// What an audited account does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Behaviour {
    Take(Duration),
    Hang,
    Panic,
}

#[derive(Debug, Default)]
pub(crate) struct AuditLog {
    pub started: Mutex<Vec<String>>,
    pub in_flight: AtomicUsize,
    pub most_in_flight: AtomicUsize,
}

#[derive(Debug, Clone)]
pub(crate) struct FakeAudit {
    pub regions: Vec<String>,
    pub default: Behaviour,
    pub script: HashMap<String, Behaviour>,
    pub log: Arc<AuditLog>,
}

impl FakeAudit {
    /// Every account takes `each`.
    pub(crate) fn taking(each: Duration) -> FakeAudit {
        FakeAudit {
            regions: vec!["us-east-1".into()],
            default: Behaviour::Take(each),
            script: HashMap::new(),
            log: Arc::new(AuditLog::default()),
        }
    }

    pub(crate) fn with(mut self, account: &str, behaviour: Behaviour) -> FakeAudit {
        self.script.insert(account.into(), behaviour);
        self
    }
}

impl Audit for FakeAudit {
    fn audit(
        &self,
        planned: PlannedAccount,
    ) -> impl Future<Output = AccountReport> + Send + 'static {
        let behaviour = *self
            .script
            .get(&planned.account.id)
            .unwrap_or(&self.default);
        let log = self.log.clone();
        async move {
            log.started.lock().unwrap().push(planned.account.id.clone());
            let now = log.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            log.most_in_flight.fetch_max(now, Ordering::SeqCst);
            match behaviour {
                Behaviour::Take(time) => tokio::time::sleep(time).await,
                Behaviour::Hang => std::future::pending::<()>().await,
                Behaviour::Panic => panic!("a bug in the audit of {}", planned.account.id),
            }
            log.in_flight.fetch_sub(1, Ordering::SeqCst);
            assessed(&planned.account.id)
        }
    }

    fn regions(&self) -> &[String] {
        &self.regions
    }

    fn home_region(&self) -> &str {
        "us-east-1"
    }
}

/// What the fake database holds, and how it misbehaves.
#[derive(Debug, Default)]
pub(crate) struct SinkState {
    pub begun: Vec<String>,
    /// The exceptions each `begin` recorded, by their ids.
    pub begun_exceptions: Vec<Vec<String>>,
    /// Accounts recorded, in order.
    pub recorded: Vec<String>,
    pub finished: Option<SweepStatus>,
    /// Each account's write takes this long.
    pub write_time: Duration,
    /// Unreachable until then (for ever with `unreachable_forever`).
    pub unreachable_until: Option<Instant>,
    pub unreachable_forever: bool,
    /// After this many accounts recorded, the lock is lost (for the accounts' writes).
    pub lock_lost_after: Option<usize>,
    /// Accounts the database refuses.
    pub refuse: HashSet<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FakeSink(pub Arc<Mutex<SinkState>>);

impl FakeSink {
    pub(crate) fn state(&self) -> std::sync::MutexGuard<'_, SinkState> {
        self.0.lock().unwrap()
    }

    /// The failure due now, if any.
    fn attempt(&self) -> Result<(), WriteFailure> {
        let state = self.state();
        let down = state.unreachable_forever
            || state
                .unreachable_until
                .is_some_and(|until| Instant::now() < until);
        if down {
            return Err(WriteFailure::Unreachable("connection refused".into()));
        }
        Ok(())
    }
}

impl Sink for FakeSink {
    async fn begin(&mut self, sweep: &SweepInfo) -> Result<(), WriteFailure> {
        self.attempt()?;
        let mut state = self.state();
        state.begun.push(sweep.id.clone());
        state.begun_exceptions.push(
            sweep
                .exceptions
                .iter()
                .map(|e| e.exception.id.clone())
                .collect(),
        );
        Ok(())
    }

    async fn reopen(&mut self, sweep_id: &str) -> Result<(), WriteFailure> {
        self.attempt()?;
        self.state().begun.push(sweep_id.to_string());
        Ok(())
    }

    async fn record(
        &mut self,
        _sweep_id: &str,
        account: &AccountReport,
    ) -> Result<Recorded, WriteFailure> {
        // An account's write takes its time, as a real one does.
        let write_time = self.state().write_time;
        tokio::time::sleep(write_time).await;
        self.attempt()?;
        let mut state = self.state();
        if state
            .lock_lost_after
            .is_some_and(|after| state.recorded.len() >= after)
        {
            return Err(WriteFailure::LockLost("another sweep took the lock".into()));
        }
        if state.refuse.contains(&account.account_id) {
            return Err(WriteFailure::Refused(format!(
                "duplicate key value violates unique constraint (account {})",
                account.account_id
            )));
        }
        if state.recorded.contains(&account.account_id) {
            return Ok(Recorded::AlreadyPresent);
        }
        state.recorded.push(account.account_id.clone());
        Ok(Recorded::Written)
    }

    async fn finish(
        &mut self,
        _sweep_id: &str,
        _finished_at: DateTime<Utc>,
        status: SweepStatus,
        only_if_open: bool,
    ) -> Result<bool, WriteFailure> {
        self.attempt()?;
        let mut state = self.state();
        if only_if_open && state.finished.is_some() {
            return Ok(false);
        }
        state.finished = Some(status);
        Ok(true)
    }
}

/// Progress nobody watches.
#[derive(Debug)]
pub(crate) struct NoProgress;

impl Progress for NoProgress {
    fn started(&self, _sweep_id: &str, _accounts_to_audit: usize) {}
    fn account_finished(&self, _account: &AccountReport, _took: Duration) {}
}

/// A fresh, empty directory under the system's temporary directory.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mfa-sweep-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

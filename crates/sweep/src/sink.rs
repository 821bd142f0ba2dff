//! Where a sweep's records are written: the [`Sink`] trait, and its real implementation, the
//! store under the sweep lock ([`LockedStore`]).
//!
//! The trait is what the recorder and the import need, and no more, so both are tested with a
//! fake that loses the database, refuses a record or loses the lock on cue.

use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, SweepInfo, SweepStatus};
use mfa_store::{Recorded, Store, StoreError, SweepLock};
use std::future::Future;

/// Why a write did not happen, as far as what to do next is concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteFailure {
    /// The database (or the way to it) is gone: retry, then spool.
    #[error("the database is unreachable: {0}")]
    Unreachable(String),
    /// Another sweep holds the sweep lock now: stop writing at once.
    #[error("{0}")]
    LockLost(String),
    /// The database refused this write, and retrying will not change its mind (a constraint,
    /// bad data).
    #[error("the database refused the write: {0}")]
    Refused(String),
}

impl From<StoreError> for WriteFailure {
    fn from(error: StoreError) -> Self {
        if error.is_connection_lost() {
            WriteFailure::Unreachable(error.to_string())
        } else if matches!(error, StoreError::LockLost(_)) {
            WriteFailure::LockLost(error.to_string())
        } else {
            WriteFailure::Refused(error.to_string())
        }
    }
}

/// The writes of a sweep, and of an import.
pub trait Sink: Send {
    /// Records a sweep's start; again is harmless.
    fn begin(&mut self, sweep: &SweepInfo)
        -> impl Future<Output = Result<(), WriteFailure>> + Send;

    /// Marks an interrupted sweep `running` again, for `--resume`.
    fn reopen(&mut self, sweep_id: &str) -> impl Future<Output = Result<(), WriteFailure>> + Send;

    /// Records one account, whole or not at all; an account already recorded is left alone.
    fn record(
        &mut self,
        sweep_id: &str,
        account: &AccountReport,
    ) -> impl Future<Output = Result<Recorded, WriteFailure>> + Send;

    /// Records a sweep's end; with `only_if_open`, only when it has none yet (an import must
    /// not overwrite the end of a sweep resumed since). Returns whether it was recorded.
    fn finish(
        &mut self,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
        only_if_open: bool,
    ) -> impl Future<Output = Result<bool, WriteFailure>> + Send;
}

/// The store, written under the sweep lock: each write first makes sure the lock is still held
/// (taking it again after a database restart) and proves it with the lock's fencing token.
#[derive(Debug)]
pub struct LockedStore {
    store: Store,
    lock: SweepLock,
}

impl LockedStore {
    pub fn new(store: Store, lock: SweepLock) -> LockedStore {
        LockedStore { store, lock }
    }

    async fn held(&mut self) -> Result<(), WriteFailure> {
        Ok(self.lock.ensure_held(&self.store).await?)
    }
}

impl Sink for LockedStore {
    async fn begin(&mut self, sweep: &SweepInfo) -> Result<(), WriteFailure> {
        self.held().await?;
        Ok(self.store.begin_sweep(self.lock.fence(), sweep).await?)
    }

    async fn reopen(&mut self, sweep_id: &str) -> Result<(), WriteFailure> {
        self.held().await?;
        Ok(self.store.reopen_sweep(self.lock.fence(), sweep_id).await?)
    }

    async fn record(
        &mut self,
        sweep_id: &str,
        account: &AccountReport,
    ) -> Result<Recorded, WriteFailure> {
        self.held().await?;
        Ok(self
            .store
            .record_account(self.lock.fence(), sweep_id, account)
            .await?)
    }

    async fn finish(
        &mut self,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
        only_if_open: bool,
    ) -> Result<bool, WriteFailure> {
        self.held().await?;
        let fence = self.lock.fence();
        if only_if_open {
            Ok(self
                .store
                .finish_sweep_if_open(fence, sweep_id, finished_at, status)
                .await?)
        } else {
            self.store
                .finish_sweep(fence, sweep_id, finished_at, status)
                .await?;
            Ok(true)
        }
    }
}

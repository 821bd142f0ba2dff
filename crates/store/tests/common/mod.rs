//! Shared by the store's tests: a store in a fresh database, written under the sweep lock as a
//! sweep writes it.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own part

use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, SweepInfo, SweepStatus};
use mfa_store::{Recorded, Store, StoreError, SweepLock};
use sqlx::PgPool;

pub mod sql_guide;

/// The store with the sweep lock held: its writes carry the lock's fencing token. Reads go
/// through [`std::ops::Deref`] to the store.
pub struct Locked {
    pub store: Store,
    pub lock: SweepLock,
}

impl std::ops::Deref for Locked {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

/// The store of the test's database, migrated, with the lock taken. A `Locked` dropped just
/// before (a test that writes two histories) closes its lock's connection without waiting for
/// the server, which releases the lock when it sees the connection gone: wait for that, up to
/// five seconds, rather than fail on a loaded machine.
pub async fn locked_store(pool: &PgPool) -> Locked {
    let store = Store::from_pool(pool.clone());
    store.migrate().await.unwrap();
    for _ in 0..50 {
        if let Some(lock) = store.try_lock_for_sweep().await.unwrap() {
            return Locked { store, lock };
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the sweep lock is still held after 5 s");
}

impl Locked {
    pub async fn begin_sweep(&self, sweep: &SweepInfo) -> Result<(), StoreError> {
        self.store.begin_sweep(self.lock.fence(), sweep).await
    }

    pub async fn record_account(
        &self,
        sweep_id: &str,
        account: &AccountReport,
    ) -> Result<Recorded, StoreError> {
        self.store
            .record_account(self.lock.fence(), sweep_id, account)
            .await
    }

    pub async fn finish_sweep(
        &self,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<(), StoreError> {
        self.store
            .finish_sweep(self.lock.fence(), sweep_id, finished_at, status)
            .await
    }

    /// One whole sweep: its start, every account, its end (`partial` if any account errored).
    pub async fn sweep(&self, info: &SweepInfo, accounts: &[AccountReport]) {
        self.begin_sweep(info).await.unwrap();
        for account in accounts {
            self.record_account(&info.id, account).await.unwrap();
        }
        let errored = accounts
            .iter()
            .any(|a| a.outcome == mfa_report::Outcome::Error);
        let status = if errored {
            SweepStatus::Partial
        } else {
            SweepStatus::Completed
        };
        self.finish_sweep(&info.id, info.started_at, status)
            .await
            .unwrap();
    }
}

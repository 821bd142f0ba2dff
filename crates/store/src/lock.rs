//! One sweep at a time: an advisory lock, and a fencing token that every write checks.
//!
//! The advisory lock decides who may start: it lives on a connection of its own and dies with
//! it, so a sweep whose process dies frees it at once. But a PostgreSQL restart frees it too,
//! while the sweep that held it goes on; another sweep may then take it. So whoever takes the
//! lock also increments the token in `sweep_fence`, and every write transaction first reads the
//! token `FOR SHARE` and refuses to go on unless it is still the writer's own
//! ([`StoreError::LockLost`]). The share lock makes the check hold until the write commits: a
//! sweep taking the lock waits for writes in flight, and writes after it see its token.

use crate::{query_error, Store, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

/// The advisory lock every sweep holds.
const SWEEP_LOCK_KEY: i64 = 0x6d66_615f_7377_6570; // "mfa_swep"

/// The token a lock holder writes under; see the module's documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence(i64);

/// Held for the whole of a sweep (or an import); released when dropped (its connection
/// closes).
#[derive(Debug)]
pub struct SweepLock {
    connection: PgConnection,
    fence: Fence,
}

impl SweepLock {
    /// What this holder's writes prove they hold.
    pub fn fence(&self) -> Fence {
        self.fence
    }

    /// Makes sure the lock is still held, taking it again on a new connection after a
    /// database restart released it. Fails with [`StoreError::LockLost`] when another sweep
    /// holds it, or took it and released it meanwhile (the token moved on). Cheap when all is
    /// well: one round trip.
    pub async fn ensure_held(&mut self, store: &Store) -> Result<(), StoreError> {
        if self.connection.ping().await.is_ok() {
            return Ok(());
        }
        let mut connection = store.lock_connection().await?;
        if !try_advisory_lock(&mut connection).await? {
            let _ = connection.close().await;
            return Err(StoreError::LockLost(
                "the database restarted, and another sweep holds the lock now".to_string(),
            ));
        }
        let token: i64 = sqlx::query_scalar("SELECT token FROM sweep_fence")
            .fetch_one(&mut connection)
            .await
            .map_err(query_error("read of the fencing token"))?;
        if token != self.fence.0 {
            let _ = connection.close().await;
            return Err(StoreError::LockLost(
                "the database restarted, and another sweep took the lock meanwhile".to_string(),
            ));
        }
        self.connection = connection;
        Ok(())
    }
}

async fn try_advisory_lock(connection: &mut PgConnection) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(SWEEP_LOCK_KEY)
        .fetch_one(connection)
        .await
        .map_err(query_error("take of the sweep lock"))
}

/// In a write's transaction: the writer still holds the lock it took. Holds a share lock on
/// the token until the transaction ends.
pub(crate) async fn check_fence(tx: &mut PgConnection, fence: Fence) -> Result<(), StoreError> {
    let token: i64 = sqlx::query_scalar("SELECT token FROM sweep_fence FOR SHARE")
        .fetch_one(tx)
        .await
        .map_err(query_error("check of the fencing token"))?;
    if token == fence.0 {
        Ok(())
    } else {
        Err(StoreError::LockLost(
            "another sweep took the sweep lock (the database restarted?); this one writes no more"
                .to_string(),
        ))
    }
}

impl Store {
    /// A connection of its own, never returned to the pool: the lock lives exactly as long.
    async fn lock_connection(&self) -> Result<PgConnection, StoreError> {
        Ok(self
            .pool
            .acquire()
            .await
            .map_err(query_error("connection for the sweep lock"))?
            .detach())
    }

    /// Takes the sweep lock if no other sweep holds it (`None` when one does), with a new
    /// fencing token. Sweeps left `running` by a process that died are then marked
    /// `interrupted`: with the lock held, none of them can still be running.
    pub async fn try_lock_for_sweep(&self) -> Result<Option<SweepLock>, StoreError> {
        let mut connection = self.lock_connection().await?;
        if !try_advisory_lock(&mut connection).await? {
            let _ = connection.close().await;
            return Ok(None);
        }
        let token: i64 = sqlx::query_scalar(
            "UPDATE sweep_fence SET token = token + 1, taken_at = now() RETURNING token",
        )
        .fetch_one(&mut connection)
        .await
        .map_err(query_error("increment of the fencing token"))?;
        sqlx::query("UPDATE sweeps SET status = 'interrupted' WHERE status = 'running'")
            .execute(&mut connection)
            .await
            .map_err(query_error("marking of interrupted sweeps"))?;
        Ok(Some(SweepLock {
            connection,
            fence: Fence(token),
        }))
    }

    /// The sweep that holds the lock, as a person reads it: `sweep ID, started T`.
    pub async fn running_sweep(&self) -> Result<String, StoreError> {
        let running: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT sweep_id, started_at FROM sweeps WHERE status = 'running'
             ORDER BY started_at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("read of the running sweep"))?;
        Ok(match running {
            Some((id, started)) => format!("sweep {id}, started {started}"),
            None => "it has not recorded its start yet".to_string(),
        })
    }
}

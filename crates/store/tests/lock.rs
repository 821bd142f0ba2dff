//! The sweep lock and its fencing token: a writer that lost the lock can no longer write, even
//! on a fresh connection, and a lock lost to a database restart is taken back only if no other
//! sweep took it meanwhile.

#![allow(clippy::unwrap_used)]

mod common;

use mfa_report::fixtures;
use mfa_store::{Store, StoreError};
use sqlx::PgPool;

const SWEEP: &str = "00000000-0000-4000-8000-000000000001";

/// What a database restart does to the lock: its connection is gone. Only the sweep lock's
/// connection in this test's own database: tests beside it (and their migrations, which take
/// advisory locks of their own) are left alone.
async fn drop_lock_connections(pool: &PgPool) {
    // The sweep lock's key, 0x6d66_615f_7377_6570, as pg_locks shows a bigint key.
    const HELD: &str = "FROM pg_locks
         WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid::bigint = 1835426143 AND objid::bigint = 1937204592 AND objsubid = 1";
    sqlx::query(&format!("SELECT pg_terminate_backend(pid) {HELD}"))
        .execute(pool)
        .await
        .unwrap();
    // A terminated backend lets go of its locks as it exits, a moment later.
    for _ in 0..100 {
        let held: i64 = sqlx::query_scalar(&format!("SELECT count(*) {HELD}"))
            .fetch_one(pool)
            .await
            .unwrap();
        if held == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the lock's connection did not end");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_writer_whose_lock_another_sweep_took_writes_nothing(pool: PgPool) {
    let first = common::locked_store(&pool).await;
    first
        .begin_sweep(&fixtures::sweep_info(SWEEP, chrono::Utc::now()))
        .await
        .unwrap();
    let stale = first.lock.fence();
    // The restart: the first sweep's lock connection is gone, and a second sweep takes it.
    drop_lock_connections(&pool).await;
    let store = Store::from_pool(pool.clone());
    let second = store.try_lock_for_sweep().await.unwrap().expect("free now");
    assert_ne!(second.fence(), stale);

    let account = fixtures::assessed("111111111111", Vec::new());
    let error = store
        .record_account(stale, SWEEP, &account)
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::LockLost(_)), "{error}");
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM sweep_accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing of the stale writer's account");
    // The sweep that holds the lock writes.
    store
        .record_account(second.fence(), SWEEP, &account)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_lock_lost_to_a_restart_is_taken_back_unless_another_sweep_came(pool: PgPool) {
    let mut first = common::locked_store(&pool).await;
    drop_lock_connections(&pool).await;
    // Nobody else came: taken back on a new connection, and a second sweep is refused.
    first.lock.ensure_held(&first.store).await.unwrap();
    assert!(first.store.try_lock_for_sweep().await.unwrap().is_none());

    // Now another sweep comes and goes between the restart and the next write.
    drop_lock_connections(&pool).await;
    let other = first
        .store
        .try_lock_for_sweep()
        .await
        .unwrap()
        .expect("free");
    drop(other);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let error = first.lock.ensure_held(&first.store).await.unwrap_err();
    assert!(matches!(error, StoreError::LockLost(_)), "{error}");
    assert!(
        error.to_string().contains("took the lock meanwhile"),
        "{error}"
    );
}

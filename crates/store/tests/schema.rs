//! Whether a database is migrated for this version, as `report` asks before reading: a database
//! that lacks this version's latest migrations says how many, and to run `mfa-auditor migrate`.

#![allow(clippy::unwrap_used)]

use mfa_store::{Store, StoreError};
use sqlx::PgPool;

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_database_without_the_latest_migration_says_to_migrate(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    store.check_schema().await.unwrap();

    // As an older mfa-auditor left it: its last migration not applied.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let error = store.check_schema().await.unwrap_err();
    assert!(matches!(error, StoreError::NotMigrated(_)), "{error:?}");
    let message = error.to_string();
    let total = mfa_store::MIGRATOR.iter().count();
    assert!(
        message.contains(&format!("lacks 1 of this version's {total} migrations"))
            && message.contains("run `mfa-auditor migrate`"),
        "{message}"
    );
}

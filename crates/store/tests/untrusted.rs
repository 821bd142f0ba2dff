//! A value the database holds that this version does not know, or a count that cannot be, is
//! an error naming it: never passed through as text, never clamped to something plausible.
//! (A newer version's migration, or a hand edit, is how such rows arrive; each test makes one
//! the same way, by lifting the schema's own check.)

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{TimeZone, Utc};
use common::locked_store;
use mfa_evaluator::{ControlId, Status};
use mfa_report::fixtures::{self, sweep_info};
use mfa_store::{StoreError, SweepSelector};
use sqlx::PgPool;

const ACCOUNT: &str = "111111111111";

async fn one_sweep(pool: &PgPool) -> mfa_store::Store {
    let store = locked_store(pool).await;
    let started = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().unwrap();
    let users = vec![
        fixtures::iam_user(ACCOUNT, "jess", Status::Failed),
        fixtures::iam_user(ACCOUNT, "ci", Status::Passed),
    ];
    let account = fixtures::assessed(ACCOUNT, vec![fixtures::control(ControlId::Iam19, users)]);
    store
        .sweep(
            &sweep_info("00000000-0000-4000-8000-000000000001", started),
            &[account],
        )
        .await;
    store.store.clone()
}

fn unreadable(result: Result<impl std::fmt::Debug, StoreError>, needle: &str) {
    match result {
        Err(StoreError::Unreadable(message)) => {
            assert!(message.contains(needle), "{message} lacks {needle}")
        }
        other => panic!("expected Unreadable naming {needle}, got {other:?}"),
    }
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_finding_status_this_version_does_not_know_is_an_error(pool: PgPool) {
    let store = one_sweep(&pool).await;
    sqlx::query("ALTER TABLE finding_spans DROP CONSTRAINT finding_spans_status_check")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE finding_spans SET status = 'WARNING' WHERE resource_id LIKE '%/jess'")
        .execute(&pool)
        .await
        .unwrap();
    unreadable(store.current_findings().await, "WARNING");
    unreadable(store.load_report(&SweepSelector::Latest).await, "WARNING");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_account_state_this_version_does_not_know_is_an_error(pool: PgPool) {
    let store = one_sweep(&pool).await;
    // A newer version's skip reason, read back through the views by this one.
    sqlx::query("UPDATE accounts SET last_outcome = 'skipped', last_skip_reason = 'hibernating'")
        .execute(&pool)
        .await
        .unwrap();
    unreadable(store.current_findings().await, "hibernating");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn more_excepted_than_failed_resources_is_an_error_not_zero(pool: PgPool) {
    let store = one_sweep(&pool).await;
    sqlx::query(
        "UPDATE control_results SET excepted_resources = failed_resources + 1 \
         WHERE control_id = 'IAM.19'",
    )
    .execute(&pool)
    .await
    .unwrap();
    unreadable(
        store.load_report(&SweepSelector::Latest).await,
        "1 failed resources but 2 excepted",
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_assessed_account_without_its_control_results_is_an_error(pool: PgPool) {
    let store = one_sweep(&pool).await;
    sqlx::query("DELETE FROM control_results")
        .execute(&pool)
        .await
        .unwrap();
    unreadable(
        store.load_report(&SweepSelector::Latest).await,
        "none of its control results",
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_fact_this_version_does_not_know_is_an_error_naming_the_resource(pool: PgPool) {
    let store = one_sweep(&pool).await;
    sqlx::query(
        "UPDATE finding_spans SET facts = '{\"priority\": \"urgent\"}'
         WHERE resource_id LIKE '%/jess'",
    )
    .execute(&pool)
    .await
    .unwrap();
    unreadable(store.load_report(&SweepSelector::Latest).await, "user/jess");
}

//! What a sweep tells the notifications beyond its findings' changes: here, the identities that
//! became critical (critical now, not at their previous assessment).

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::locked_store;
use mfa_evaluator::{ControlId, Priority, Status};
use mfa_report::fixtures::{self, sweep_info};
use sqlx::PgPool;
use std::collections::BTreeSet;

const ACCOUNT: &str = "111111111111";

fn admin(priority: Option<Priority>) -> mfa_report::AccountReport {
    admin_in(ACCOUNT, priority)
}

fn admin_in(account: &str, priority: Option<Priority>) -> mfa_report::AccountReport {
    let mut user = fixtures::iam_user(account, "admin", Status::Failed);
    user.facts.priority = priority;
    let bystander = fixtures::iam_user(account, "ci", Status::Passed);
    fixtures::assessed(
        account,
        vec![
            fixtures::control(ControlId::Iam5, vec![user.clone(), bystander]),
            fixtures::control(ControlId::Iam19, vec![user]),
        ],
    )
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_identity_is_news_the_sweep_it_becomes_critical_and_again_only_after_a_break(
    pool: PgPool,
) {
    let store = locked_store(&pool).await;
    let first = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().unwrap();
    // A night that could not decide the priority (its policies not read) is no break: the
    // next critical night is not news again.
    let nights = [
        Some(Priority::Medium),
        Some(Priority::Critical),
        None,
        Some(Priority::Critical),
        Some(Priority::High),
        Some(Priority::Critical),
    ];
    let mut heard = Vec::new();
    for (night, priority) in nights.into_iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-{night:012}");
        let started = first + Duration::days(i64::try_from(night).unwrap());
        store
            .sweep(&sweep_info(&id, started), &[admin(priority)])
            .await;
        let news = store.sweep_news(&id).await.unwrap();
        heard.push(news.became_critical);
    }
    let admin: BTreeSet<(String, String)> = [(
        ACCOUNT.to_string(),
        format!("arn:aws:iam::{ACCOUNT}:user/admin"),
    )]
    .into();
    assert_eq!(
        heard,
        vec![
            BTreeSet::new(),
            admin.clone(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            admin
        ]
    );
}

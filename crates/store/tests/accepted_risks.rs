//! Accepted risks in the history: which exception covered which finding in each sweep, read back
//! in every report, the views and the trend.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use mfa_evaluator::{ControlId, ExceptionState, Status};
use mfa_report::fixtures;
use mfa_report::{AccountReport, ExceptionRef, SweepException, SweepInfo};
use mfa_store::SweepSelector;
use sqlx::{PgPool, Row};

const A: &str = "111111111111";

fn exception(id: &str, expires: (i32, u32, u32)) -> ExceptionRef {
    ExceptionRef {
        id: id.into(),
        owner: format!("{id}-owner@example.com"),
        reason: format!("why {id}"),
        expires: NaiveDate::from_ymd_opt(expires.0, expires.1, expires.2).unwrap(),
        ticket: Some(format!("SEC-{id}")),
    }
}

fn sweep(n: u32, exceptions: Vec<(ExceptionRef, ExceptionState)>) -> SweepInfo {
    SweepInfo {
        exceptions: exceptions
            .into_iter()
            .map(|(exception, state)| SweepException { exception, state })
            .collect(),
        ..fixtures::sweep_info(
            &format!("00000000-0000-4000-8000-00000000000{n}"),
            Utc.with_ymd_and_hms(2026, 11, n, 3, 0, 0).single().unwrap(),
        )
    }
}

/// IAM.19 with `ci` and `jess` failing; `ci` covered by `covered_by`, if given.
fn account(covered_by: Option<ExceptionRef>) -> AccountReport {
    let mut ci = fixtures::iam_user(A, "automation/ci", Status::Failed);
    ci.exception = covered_by;
    let jess = fixtures::iam_user(A, "staff/jess", Status::Failed);
    let mut report =
        fixtures::assessed(A, vec![fixtures::control(ControlId::Iam19, vec![ci, jess])]);
    report.controls[3].failed_unexcepted = report.controls[3].count_unexcepted();
    report
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn which_exception_covered_which_finding_is_kept_per_sweep(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    let ci = exception("ci", (2026, 11, 1));
    let first = sweep(
        1,
        vec![
            (ci.clone(), ExceptionState::Expiring),
            (exception("spare", (2027, 6, 1)), ExceptionState::Active),
            (exception("old", (2026, 10, 1)), ExceptionState::Expired),
        ],
    );
    store.sweep(&first, &[account(Some(ci.clone()))]).await;

    let report = store
        .load_report(&SweepSelector::Id(first.id.clone()))
        .await
        .unwrap();
    assert_eq!(report.sweep.exceptions.len(), 3);
    let iam19 = &report.accounts[0].controls[3];
    assert_eq!(iam19.status, Status::Failed);
    assert_eq!(iam19.failed_unexcepted, 1);
    let covered: Vec<Option<&str>> = iam19
        .resources
        .iter()
        .map(|r| r.exception.as_ref().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(covered, vec![Some("ci"), None]);
    assert_eq!(iam19.resources[0].exception.as_ref(), Some(&ci));

    let rows = sqlx::query(
        "SELECT resource_id, exception_id, exception_owner, exception_expires::text
         FROM current_findings WHERE control_id = 'IAM.19' ORDER BY resource_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let current: Vec<Row> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        current,
        vec![
            (
                "arn:aws:iam::111111111111:user/automation/ci".into(),
                Some("ci".into()),
                Some("ci-owner@example.com".into()),
                Some("2026-11-01".into())
            ),
            (
                "arn:aws:iam::111111111111:user/staff/jess".into(),
                None,
                None,
                None
            ),
        ]
    );
    let status: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT exception_id, state, findings_covered FROM exceptions_status
         ORDER BY exception_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        status,
        vec![
            ("ci".into(), "expiring".into(), 1),
            ("old".into(), "expired".into(), 0),
            ("spare".into(), "unused".into(), 0),
        ]
    );
    let trend: (i32, i32, Option<i32>) = sqlx::query_as(
        "SELECT failing_resources, excepted_resources, accounts_failed_unexcepted
         FROM control_trend WHERE control_id = 'IAM.19'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(trend, (2, 1, Some(1)));

    // The next night the exception has expired: the finding counts again, and the history
    // still says the first night accepted it.
    let second = sweep(2, vec![(ci.clone(), ExceptionState::Expired)]);
    store.sweep(&second, &[account(None)]).await;
    let latest = store.load_report(&SweepSelector::Latest).await.unwrap();
    assert_eq!(latest.accounts[0].controls[3].failed_unexcepted, 2);
    assert!(latest.accounts[0].controls[3].resources[0]
        .exception
        .is_none());
    let earlier = store
        .load_report(&SweepSelector::Id(first.id.clone()))
        .await
        .unwrap();
    assert_eq!(
        earlier.accounts[0].controls[3].resources[0]
            .exception
            .as_ref()
            .map(|e| e.id.as_str()),
        Some("ci")
    );
    let exception_now: Option<String> = sqlx::query_scalar(
        "SELECT exception_id FROM current_findings WHERE resource_id LIKE '%automation/ci'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(exception_now, None);
    let status: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT exception_id, state, findings_covered FROM exceptions_status")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(status, vec![("ci".into(), "expired".into(), 0)]);
}

//! The organization as of a day, and MFA coverage over time, over a hand-built history of three
//! nights: each account's findings are those of the last sweep that assessed it by the end of
//! the day, and `mfa_coverage` counts each sweep per control and top-level OU.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::locked_store;
use mfa_evaluator::{ControlId, Status};
use mfa_report::fixtures::{self, errored, sweep_info};
use mfa_report::{AccountReport, SweepReport};
use mfa_store::{StoreError, SweepSelector};
use sqlx::{PgPool, Row};

const A: &str = "111111111111";
const B: &str = "222222222222";
const F: Status = Status::Failed;
const P: Status = Status::Passed;

fn night(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, day, 23, 30, 0)
        .single()
        .unwrap()
}

fn day(day: u32) -> SweepSelector {
    SweepSelector::AsOf(NaiveDate::from_ymd_opt(2026, 6, day).unwrap())
}

/// An assessed account in `ou_path` whose IAM.19 has these users.
fn assessed(account: &str, ou_path: &str, users: &[(&str, Status)]) -> AccountReport {
    let users = users
        .iter()
        .map(|(user, status)| fixtures::iam_user(account, user, *status))
        .collect();
    AccountReport {
        ou_path: ou_path.into(),
        ..fixtures::assessed(account, vec![fixtures::control(ControlId::Iam19, users)])
    }
}

/// (user, status, failing since) of an account's IAM.19 in a report.
fn users(report: &SweepReport, account: &str) -> Vec<(String, Status, Option<DateTime<Utc>>)> {
    let account = report
        .accounts
        .iter()
        .find(|a| a.account_id == account)
        .unwrap();
    account
        .controls
        .iter()
        .filter(|c| c.control_id == ControlId::Iam19)
        .flat_map(|c| &c.resources)
        .map(|r| {
            let user = r.resource_id.rsplit('/').next().unwrap().to_string();
            (user, r.status, r.failing_since)
        })
        .collect()
}

/// (account, user, change) of a report's changes.
fn changes(report: &SweepReport) -> Vec<(String, String, String)> {
    report
        .changes_since_previous_sweep
        .iter()
        .map(|c| {
            let user = c.resource_id.rsplit('/').next().unwrap().to_string();
            (c.account_id.clone(), user, c.change.as_str().to_string())
        })
        .collect()
}

fn change(account: &str, user: &str, change: &str) -> (String, String, String) {
    (account.into(), user.into(), change.into())
}

/// Three nights, 23:30 UTC: A in Workloads assessed every night; B at the root assessed on the
/// 10th, errored on the 11th, assessed again on the 12th.
async fn three_nights(pool: &PgPool) -> Vec<String> {
    let store = locked_store(pool).await;
    let nights: [(u32, Vec<AccountReport>); 3] = [
        (
            10,
            vec![
                assessed(A, "Root/Workloads/Prod", &[("alice", F), ("bob", P)]),
                assessed(B, "Root", &[("carol", F)]),
            ],
        ),
        (
            11,
            vec![
                assessed(A, "Root/Workloads/Prod", &[("alice", P), ("bob", P)]),
                AccountReport {
                    ou_path: "Root".into(),
                    ..errored(B)
                },
            ],
        ),
        (
            12,
            vec![
                assessed(A, "Root/Workloads/Prod", &[("alice", P), ("bob", F)]),
                assessed(B, "Root", &[("carol", P)]),
            ],
        ),
    ];
    let mut ids = Vec::new();
    for (n, accounts) in nights {
        let id = format!("00000000-0000-4000-8000-0000000000{n}");
        store.sweep(&sweep_info(&id, night(n)), &accounts).await;
        ids.push(id);
    }
    ids
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn as_of_a_day_each_account_is_what_the_last_sweep_that_assessed_it_by_then_saw(
    pool: PgPool,
) {
    let ids = three_nights(&pool).await;
    let store = mfa_store::Store::from_pool(pool.clone());

    // The 11th: that night's sweep; B errored in it, so B is as the 10th saw it.
    let eleventh = store.load_report(&day(11)).await.unwrap();
    assert_eq!(eleventh.sweep.id, ids[1]);
    assert_eq!(
        users(&eleventh, A),
        vec![("alice".into(), P, None), ("bob".into(), P, None)]
    );
    assert_eq!(
        users(&eleventh, B),
        vec![("carol".into(), F, Some(night(10)))]
    );
    let as_of = eleventh.as_of.as_ref().unwrap();
    assert_eq!(
        as_of.end,
        Utc.with_ymd_and_hms(2026, 6, 12, 0, 0, 0).unwrap()
    );
    assert_eq!(as_of.earlier_assessments.len(), 1);
    assert_eq!(
        (
            as_of.earlier_assessments[0].account_id.as_str(),
            as_of.earlier_assessments[0].sweep_id.as_str(),
            as_of.earlier_assessments[0].assessed_at
        ),
        (B, ids[0].as_str(), night(10))
    );
    // B keeps its error of that sweep beside the findings of the earlier one.
    let b = eleventh
        .accounts
        .iter()
        .find(|a| a.account_id == B)
        .unwrap();
    assert_eq!(b.outcome, mfa_report::Outcome::Error);
    // What changed at each account's assessment by then: A between the 10th and the 11th; B's
    // assessment of the 10th is its first.
    assert_eq!(changes(&eleventh), vec![change(A, "alice", "resolved")]);

    // The 12th: B between its assessments of the 10th and the 12th, across the error.
    let twelfth = store.load_report(&day(12)).await.unwrap();
    assert_eq!(twelfth.sweep.id, ids[2]);
    assert!(twelfth
        .as_of
        .as_ref()
        .unwrap()
        .earlier_assessments
        .is_empty());
    assert_eq!(
        changes(&twelfth),
        vec![
            change(A, "bob", "new_failure"),
            change(B, "carol", "resolved")
        ]
    );

    // A day after the last sweep reads as the latest, with its day.
    let later = store.load_report(&day(30)).await.unwrap();
    let latest = store.load_report(&SweepSelector::Latest).await.unwrap();
    assert_eq!(
        SweepReport {
            as_of: None,
            ..later
        },
        latest
    );
    // An older sweep read by id says what changed at it, as it did then.
    let by_id = store
        .load_report(&SweepSelector::Id(ids[1].clone()))
        .await
        .unwrap();
    assert_eq!(changes(&by_id), changes(&eleventh));
    assert!(
        users(&by_id, B).is_empty(),
        "by id, an errored account has no findings"
    );

    // Before the first sweep: nothing to show, said so.
    let before = store.load_report(&day(9)).await;
    assert!(
        matches!(before, Err(StoreError::NoSweepBy(date)) if date.to_string() == "2026-06-09"),
        "{before:?}"
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn mfa_coverage_counts_each_sweep_per_control_and_top_level_ou(pool: PgPool) {
    let ids = three_nights(&pool).await;
    let rows = sqlx::query(
        "SELECT sweep_id::text, top_level_ou, accounts_assessed, in_scope, with_mfa, share
         FROM mfa_coverage WHERE control_id = 'IAM.19' ORDER BY sweep_started_at, top_level_ou",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let rows: Vec<(String, String, i32, i32, i32, Option<f64>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    let row = |sweep: usize, ou: &str, in_scope: i32, with_mfa: i32, share: Option<f64>| {
        (
            ids[sweep].clone(),
            ou.to_string(),
            1,
            in_scope,
            with_mfa,
            share,
        )
    };
    assert_eq!(
        rows,
        vec![
            row(0, "Root", 1, 0, Some(0.0)),
            row(0, "Workloads", 2, 1, Some(0.5)),
            // B errored: the root has no row that night.
            row(1, "Workloads", 2, 2, Some(1.0)),
            row(2, "Root", 1, 1, Some(1.0)),
            row(2, "Workloads", 2, 1, Some(0.5)),
        ]
    );
    // Controls with nothing in scope are counted too, with no share.
    let iam9: Vec<(i32, Option<f64>)> = sqlx::query(
        "SELECT in_scope, share FROM mfa_coverage WHERE control_id = 'IAM.9' AND sweep_id = $1::uuid",
    )
    .bind(&ids[0])
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(iam9, vec![(0, None), (0, None)]);

    // The store reads the same rows for a report: the year up to a sweep.
    let store = mfa_store::Store::from_pool(pool.clone());
    let points = store.coverage(night(10), night(12)).await.unwrap();
    let iam19: Vec<(String, u32, u32)> = points
        .iter()
        .filter(|p| p.control_id == ControlId::Iam19)
        .map(|p| (p.top_level_ou.clone(), p.in_scope, p.with_mfa))
        .collect();
    assert_eq!(
        iam19,
        vec![
            ("Workloads".into(), 2, 2),
            ("Root".into(), 1, 1),
            ("Workloads".into(), 2, 1)
        ]
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_summary_report_keeps_only_the_root_users_evidence(pool: PgPool) {
    let store = locked_store(&pool).await;
    let account = fixtures::assessed(
        A,
        vec![
            fixtures::control(ControlId::Iam9, vec![fixtures::root(A, F)]),
            fixtures::control(ControlId::Iam19, vec![fixtures::iam_user(A, "alice", F)]),
        ],
    );
    let id = "00000000-0000-4000-8000-000000000001";
    store.sweep(&sweep_info(id, night(10)), &[account]).await;
    let evidence = |report: &SweepReport, control: ControlId| {
        report.accounts[0]
            .controls
            .iter()
            .find(|c| c.control_id == control)
            .unwrap()
            .resources[0]
            .evidence
            .clone()
    };
    let full = store.load_report(&SweepSelector::Latest).await.unwrap();
    let summary = store
        .load_report_with(&SweepSelector::Latest, mfa_store::Evidence::Summary)
        .await
        .unwrap();
    assert_eq!(evidence(&full, ControlId::Iam19)["user"], "alice");
    assert_eq!(
        evidence(&summary, ControlId::Iam19),
        serde_json::Value::Null
    );
    assert_eq!(
        evidence(&summary, ControlId::Iam9),
        evidence(&full, ControlId::Iam9)
    );
    assert_ne!(evidence(&full, ControlId::Iam9), serde_json::Value::Null);
    // Nothing else differs.
    let without_evidence = |mut report: SweepReport| {
        for control in report.accounts.iter_mut().flat_map(|a| &mut a.controls) {
            for resource in &mut control.resources {
                resource.evidence = serde_json::Value::Null;
            }
        }
        report
    };
    assert_eq!(without_evidence(full), without_evidence(summary));
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_page_report_keeps_the_facts_of_failing_resources_and_pools_alone(pool: PgPool) {
    let store = locked_store(&pool).await;
    let with_facts = |mut resource: mfa_report::ResourceReport| {
        resource.facts.phishing_resistant = Some(false);
        resource
    };
    let account = fixtures::assessed(
        A,
        vec![
            fixtures::control(
                ControlId::Iam19,
                vec![
                    with_facts(fixtures::iam_user(A, "alice", F)),
                    with_facts(fixtures::iam_user(A, "bob", Status::Passed)),
                ],
            ),
            fixtures::control(
                ControlId::Cognito5,
                vec![with_facts(fixtures::pool(A, "us-east-1_a", true))],
            ),
        ],
    );
    let id = "00000000-0000-4000-8000-000000000001";
    store.sweep(&sweep_info(id, night(10)), &[account]).await;
    let facts_read = |evidence: mfa_store::Evidence| {
        let store = &store;
        async move {
            let report = store
                .load_report_with(&SweepSelector::Latest, evidence)
                .await
                .unwrap();
            report.accounts[0]
                .controls
                .iter()
                .flat_map(|c| &c.resources)
                .map(|r| r.facts.phishing_resistant.is_some())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        facts_read(mfa_store::Evidence::Summary).await,
        vec![true, true, true]
    );
    assert_eq!(
        facts_read(mfa_store::Evidence::Page).await,
        vec![true, false, true]
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn as_of_a_day_an_interrupted_sweep_after_the_last_finished_one_is_not_the_frame(
    pool: PgPool,
) {
    let ids = three_nights(&pool).await;
    // Twenty minutes after the 12th's sweep, another starts, assesses A, and is interrupted.
    let store = locked_store(&pool).await;
    let late = "00000000-0000-4000-8000-000000000099";
    let started = night(12) + chrono::Duration::minutes(20);
    store.begin_sweep(&sweep_info(late, started)).await.unwrap();
    store
        .record_account(late, &assessed(A, "Root/Workloads/Prod", &[("alice", F)]))
        .await
        .unwrap();
    store
        .finish_sweep(late, started, mfa_report::SweepStatus::Interrupted)
        .await
        .unwrap();

    let twelfth = store.load_report(&day(12)).await.unwrap();
    assert_eq!(
        twelfth.sweep.id, ids[2],
        "the last finished sweep frames the day"
    );
    assert_eq!(
        users(&twelfth, A),
        vec![
            ("alice".into(), P, None),
            ("bob".into(), F, Some(night(12)))
        ]
    );
    assert!(twelfth.as_of.unwrap().earlier_assessments.is_empty());
}

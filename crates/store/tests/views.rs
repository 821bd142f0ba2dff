//! The views security leads query, over hand-built histories: each test writes a few sweeps
//! through the store, as a sweep would, and reads the views back.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, SubsecRound, TimeZone, Utc};
use common::{locked_store, Locked};
use mfa_evaluator::{ControlId, Status};
use mfa_report::fixtures::{self, errored, sweep_info};
use mfa_report::{AccountReport, SkipReason, SweepStatus};
use sqlx::{PgPool, Row};

const A: &str = "111111111111";
const B: &str = "222222222222";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
        .single()
        .unwrap()
}

fn arn(account: &str, user: &str) -> String {
    format!("arn:aws:iam::{account}:user/{user}")
}

/// An assessed account whose IAM.19 has these users; the other controls not applicable.
fn assessed(account: &str, users: &[(&str, Status)]) -> AccountReport {
    let users = users
        .iter()
        .map(|(user, status)| fixtures::iam_user(account, user, *status))
        .collect();
    fixtures::assessed(account, vec![fixtures::control(ControlId::Iam19, users)])
}

fn excluded(account: &str) -> AccountReport {
    fixtures::skipped(account, SkipReason::Excluded)
}

async fn sweep(store: &Locked, started: DateTime<Utc>, accounts: Vec<AccountReport>) -> String {
    let id = uuid_for(started);
    store.sweep(&sweep_info(&id, started), &accounts).await;
    id
}

fn uuid_for(started: DateTime<Utc>) -> String {
    format!("00000000-0000-4000-8000-{:012}", started.timestamp())
}

async fn store(pool: &PgPool) -> Locked {
    locked_store(pool).await
}

/// (resource, status, failing_since, account_state) of an account's current IAM.19 findings.
async fn current(
    pool: &PgPool,
    account: &str,
) -> Vec<(String, String, Option<DateTime<Utc>>, String)> {
    sqlx::query(
        "SELECT resource_id, status, failing_since, account_state FROM current_findings
         WHERE account_id = $1 AND control_id = 'IAM.19' ORDER BY resource_id",
    )
    .bind(account)
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

/// (resource, change, status) of an account's changes.
async fn changes(pool: &PgPool, account: &str) -> Vec<(String, String, Option<String>)> {
    sqlx::query(
        "SELECT resource_id, change, status FROM changes_since_previous_sweep
         WHERE account_id = $1 ORDER BY resource_id",
    )
    .bind(account)
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect()
}

use Status::{Failed as F, Passed as P};

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_new_failure_and_a_fix(pool: PgPool) {
    let store = store(&pool).await;
    sweep(
        &store,
        at(1, 3),
        vec![assessed(A, &[("jess", P), ("ci", F)])],
    )
    .await;
    sweep(
        &store,
        at(2, 3),
        vec![assessed(A, &[("jess", F), ("ci", P)])],
    )
    .await;
    assert_eq!(
        current(&pool, A).await,
        vec![
            (arn(A, "ci"), "PASSED".into(), None, "current".into()),
            (
                arn(A, "jess"),
                "FAILED".into(),
                Some(at(2, 3)),
                "current".into()
            ),
        ]
    );
    assert_eq!(
        changes(&pool, A).await,
        vec![
            (arn(A, "ci"), "resolved".into(), Some("PASSED".into())),
            (arn(A, "jess"), "new_failure".into(), Some("FAILED".into())),
        ]
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_deleted_user_is_gone_and_a_new_failing_user_is_new(pool: PgPool) {
    let store = store(&pool).await;
    sweep(
        &store,
        at(1, 3),
        vec![assessed(A, &[("old", F), ("stays", F)])],
    )
    .await;
    sweep(
        &store,
        at(2, 3),
        vec![assessed(A, &[("stays", F), ("new", F)])],
    )
    .await;
    assert_eq!(
        changes(&pool, A).await,
        vec![
            (arn(A, "new"), "new_resource".into(), Some("FAILED".into())),
            (arn(A, "old"), "gone".into(), None),
        ]
    );
    let now = current(&pool, A).await;
    assert_eq!(now.len(), 2, "the deleted user is not a current finding");
    assert_eq!(
        now[1],
        (
            arn(A, "stays"),
            "FAILED".into(),
            Some(at(1, 3)),
            "current".into()
        )
    );
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn errors_keep_the_last_state_and_do_not_reset_failing_since(pool: PgPool) {
    let store = store(&pool).await;
    sweep(&store, at(1, 3), vec![assessed(A, &[("jess", F)])]).await;
    sweep(&store, at(2, 3), vec![errored(A)]).await;
    sweep(&store, at(3, 3), vec![errored(A)]).await;
    assert_eq!(
        current(&pool, A).await,
        vec![(
            arn(A, "jess"),
            "FAILED".into(),
            Some(at(1, 3)),
            "stale".into()
        )],
        "two nights of errors: the last known state, marked stale"
    );
    // An error is never a change, let alone `resolved`.
    assert!(changes(&pool, A)
        .await
        .iter()
        .all(|(_, change, _)| change != "resolved" && change != "gone"));

    sweep(&store, at(4, 3), vec![assessed(A, &[("jess", F)])]).await;
    assert_eq!(
        current(&pool, A).await,
        vec![(
            arn(A, "jess"),
            "FAILED".into(),
            Some(at(1, 3)),
            "current".into()
        )],
        "the streak survived the errors"
    );
    assert!(
        changes(&pool, A).await.is_empty(),
        "nothing changed between assessments"
    );

    let last_assessed: DateTime<Utc> = sqlx::query_scalar(
        "SELECT DISTINCT last_assessed_at FROM current_findings WHERE account_id = $1",
    )
    .bind(A)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(last_assessed, at(4, 3));
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_account_out_of_scope_is_neither_failing_nor_resolved(pool: PgPool) {
    let store = store(&pool).await;
    sweep(
        &store,
        at(1, 3),
        vec![assessed(A, &[("jess", F)]), assessed(B, &[("x", F)])],
    )
    .await;
    sweep(
        &store,
        at(2, 3),
        vec![excluded(A), assessed(B, &[("x", F)])],
    )
    .await;
    let now = current(&pool, A).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].3, "excluded", "it says it is out of scope");
    assert!(changes(&pool, A).await.is_empty(), "no resolved, no gone");

    let failing_in_scope: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM current_findings
         WHERE status = 'FAILED' AND account_state IN ('current', 'stale')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(failing_in_scope, 1, "only B's user fails in scope");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_account_that_left_the_organization_is_gone(pool: PgPool) {
    let store = store(&pool).await;
    sweep(
        &store,
        at(1, 3),
        vec![assessed(A, &[("jess", F)]), assessed(B, &[("x", P)])],
    )
    .await;
    sweep(&store, at(2, 3), vec![assessed(B, &[("x", P)])]).await;
    assert_eq!(
        changes(&pool, A).await,
        vec![(arn(A, "jess"), "gone".into(), None)]
    );
    assert_eq!(current(&pool, A).await[0].3, "left");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn two_sweeps_on_the_same_day(pool: PgPool) {
    let store = store(&pool).await;
    sweep(&store, at(1, 3), vec![assessed(A, &[("jess", F)])]).await;
    let noon = sweep(&store, at(1, 12), vec![assessed(A, &[("jess", P)])]).await;
    assert_eq!(
        changes(&pool, A).await,
        vec![(arn(A, "jess"), "resolved".into(), Some("PASSED".into()))]
    );
    let sweep_id: String =
        sqlx::query_scalar("SELECT DISTINCT sweep_id::text FROM changes_since_previous_sweep")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(sweep_id, noon);
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn history_and_trend_per_sweep(pool: PgPool) {
    let store = store(&pool).await;
    let first = sweep(
        &store,
        at(1, 3),
        vec![
            assessed(A, &[("jess", F), ("ci", F)]),
            assessed(B, &[("x", P)]),
        ],
    )
    .await;
    let second = sweep(&store, at(2, 3), vec![errored(A), assessed(B, &[("x", F)])]).await;

    let history: Vec<(String, String)> = sqlx::query(
        "SELECT sweep_id::text, status FROM account_control_history
         WHERE account_id = $1 AND control_id = 'IAM.19' ORDER BY sweep_started_at",
    )
    .bind(A)
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(
        history,
        vec![
            (first.clone(), "FAILED".into()),
            (second.clone(), "ERROR".into())
        ]
    );

    let trend: Vec<(String, i32, i32, i32, i32)> = sqlx::query(
        "SELECT sweep_id::text, accounts_failed, accounts_passed, accounts_errored, failing_resources
         FROM control_trend WHERE control_id = 'IAM.19' ORDER BY sweep_started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
    .collect();
    assert_eq!(trend, vec![(first, 1, 1, 0, 2), (second, 1, 0, 1, 1)]);
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn pruning_keeps_current_findings_and_trends(pool: PgPool) {
    let store = store(&pool).await;
    let long_ago = Utc::now() - chrono::Duration::days(500);
    let recent = Utc::now() - chrono::Duration::days(1);
    // Long ago: two users failing; one was deleted since, one still fails today.
    sweep(
        &store,
        long_ago,
        vec![assessed(A, &[("deleted", F), ("still", F)])],
    )
    .await;
    sweep(&store, recent, vec![assessed(A, &[("still", F)])]).await;

    let pruned = store.prune(400).await.unwrap();
    assert_eq!(pruned, 1, "only the deleted user's old span goes");
    assert_eq!(
        current(&pool, A).await,
        vec![(
            arn(A, "still"),
            "FAILED".into(),
            Some(long_ago.trunc_subsecs(6)),
            "current".into()
        )],
        "the current finding and its failing_since survive"
    );
    let trend_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM control_trend")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        trend_rows, 10,
        "both sweeps' trend counts, five controls each, are kept"
    );
}

/// Every row about one account, with its id replaced by `A`'s so two accounts compare.
async fn account_rows(pool: &PgPool, account: &str) -> Vec<String> {
    let queries = [
        "SELECT control_id, resource_id, status, first_sweep_seq, last_sweep_seq,
                first_seen_at, last_seen_at, ordinal, evidence
         FROM finding_spans WHERE account_id = $1
         ORDER BY control_id, resource_id, first_sweep_seq",
        "SELECT last_sweep_seq, last_outcome, last_assessed_seq, last_assessed_at,
                previous_assessed_seq FROM accounts WHERE account_id = $1",
        "SELECT * FROM current_findings WHERE account_id = $1 ORDER BY control_id, resource_id",
        "SELECT * FROM changes_since_previous_sweep WHERE account_id = $1
         ORDER BY control_id, resource_id",
        "SELECT * FROM account_control_history WHERE account_id = $1
         ORDER BY sweep_started_at, control_id",
    ];
    let mut rows = Vec::new();
    for query in queries {
        let text = format!("SELECT to_jsonb(q)::text FROM ({query}) q");
        for row in sqlx::query(&text)
            .bind(account)
            .fetch_all(pool)
            .await
            .unwrap()
        {
            let json: String = row.get(0);
            rows.push(json.replace(account, A).replace("name-", ""));
        }
    }
    rows
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_sweep_recorded_late_reads_as_if_recorded_in_order(pool: PgPool) {
    use mfa_store::Recorded;
    let store = store(&pool).await;
    // Five nights of one account: churn, a resource gone and back, an error night.
    fn night(n: usize, a: &str) -> AccountReport {
        let (f, p) = (Status::Failed, Status::Passed);
        match n {
            0 => assessed(a, &[("alice", f), ("bob", p)]),
            1 => assessed(a, &[("alice", f), ("bob", f), ("carol", p)]),
            2 => assessed(a, &[("alice", p), ("carol", p)]),
            3 => errored(a),
            _ => assessed(a, &[("alice", p), ("bob", f), ("carol", p)]),
        }
    }
    let mut ids = Vec::new();
    for n in 0..5 {
        let report = |a: &str| night(n, a);
        let started = at(10 + n as u32, 3);
        let id = uuid_for(started);
        store.begin_sweep(&sweep_info(&id, started)).await.unwrap();
        // A is recorded every night; B misses nights 3 and 4 (spooled while the database
        // was away) and has them imported after night 5, in the wrong order.
        store.record_account(&id, &report(A)).await.unwrap();
        if n != 2 && n != 3 {
            store.record_account(&id, &report(B)).await.unwrap();
        }
        store
            .finish_sweep(&id, started, SweepStatus::Completed)
            .await
            .unwrap();
        ids.push(id);
    }
    assert_ne!(account_rows(&pool, A).await, account_rows(&pool, B).await);
    for late in [3, 2] {
        let recorded = store.record_account(&ids[late], &night(late, B)).await;
        assert_eq!(recorded.unwrap(), Recorded::Written);
    }
    // Imported twice: the second time changes nothing.
    let again = store.record_account(&ids[2], &night(2, B)).await;
    assert_eq!(again.unwrap(), Recorded::AlreadyPresent);

    assert_eq!(account_rows(&pool, A).await, account_rows(&pool, B).await);
    for id in &ids {
        let report = store
            .load_report(&mfa_store::SweepSelector::Id(id.clone()))
            .await
            .unwrap();
        let of = |account: &str| {
            let found = report.accounts.iter().find(|a| a.account_id == account);
            serde_json::to_string(found.unwrap())
                .unwrap()
                .replace(account, A)
                .replace("name-", "")
        };
        assert_eq!(of(A), of(B), "sweep {id}");
    }
}

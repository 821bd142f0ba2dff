//! Runs every query of `docs/sql.md` against a seeded history: the page stays true, and every
//! query finds something to show.

#![allow(clippy::unwrap_used)]

use chrono::{Duration, Utc};
use mfa_evaluator::{ControlId, DataError, ResourceType, Status};
use mfa_report::{AccountReport, ControlReport, Outcome, ResourceReport, SweepInfo, SweepStatus};
use mfa_store::Store;
use serde_json::json;
use sqlx::PgPool;

fn account(id: &str, failing: &[&str], passing: &[&str]) -> AccountReport {
    let users = |names: &[&str], status: Status| -> Vec<ResourceReport> {
        names
            .iter()
            .map(|n| ResourceReport {
                resource_type: ResourceType::AwsIamUser,
                resource_id: format!("arn:aws:iam::{id}:user/{n}"),
                status,
                evidence: json!({"source": "iam:GetCredentialReport"}),
            })
            .collect()
    };
    let mut iam_users = users(failing, Status::Failed);
    iam_users.extend(users(passing, Status::Passed));
    let root = ResourceReport {
        resource_type: ResourceType::AwsAccount,
        resource_id: format!("arn:aws:iam::{id}:root"),
        status: Status::Failed,
        evidence: json!({"source": "iam:GetAccountSummary", "AccountMFAEnabled": 0}),
    };
    let controls = ControlId::ALL
        .iter()
        .map(|&c| {
            let resources = match c {
                ControlId::Iam9 => vec![root.clone()],
                ControlId::Iam5 | ControlId::Iam19 => iam_users.clone(),
                _ => vec![],
            };
            let status = mfa_evaluator::roll_up(resources.iter().map(|r| r.status));
            ControlReport {
                control_id: c,
                status,
                severity: c.severity(),
                title: c.title().into(),
                remediation: c.remediation().into(),
                error: None,
                resources,
            }
        })
        .collect();
    AccountReport {
        account_id: id.into(),
        account_name: format!("account-{id}"),
        ou_path: "Root/Workloads".into(),
        outcome: Outcome::Assessed,
        skip_reason: None,
        error: None,
        controls,
    }
}

fn errored(id: &str) -> AccountReport {
    AccountReport {
        outcome: Outcome::Error,
        error: Some(DataError {
            operation: "sts:AssumeRole".into(),
            region: "us-east-1".into(),
            code: Some("AccessDenied".into()),
            message: "denied".into(),
            request_id: None,
        }),
        controls: vec![],
        ..account(id, &[], &[])
    }
}

/// Forty nightly sweeps of three accounts: long-standing failures, last night's changes, and an
/// account that errored last night.
async fn seed(store: &Store) {
    let start = Utc::now() - Duration::days(40);
    for night in 0..40i64 {
        let id = format!("00000000-0000-4000-8000-{night:012}");
        let started = start + Duration::days(night);
        store
            .begin_sweep(&SweepInfo {
                id: id.clone(),
                started_at: started,
                finished_at: None,
                status: SweepStatus::Running,
                organization_id: Some("o-abcdef1234".into()),
                management_account_id: Some("111111111111".into()),
                regions: vec!["us-east-1".into()],
                controls: ControlId::ALL.to_vec(),
            })
            .await
            .unwrap();
        let last = night == 39;
        let accounts = vec![
            if last {
                account("111111111111", &["jess", "new-hire"], &["ci"])
            } else {
                account("111111111111", &["jess", "ci"], &[])
            },
            account("222222222222", &["ops"], &["dev"]),
            if last {
                errored("333333333333")
            } else {
                account("333333333333", &["legacy"], &[])
            },
        ];
        for a in &accounts {
            store.record_account(&id, a).await.unwrap();
        }
        let status = if last {
            SweepStatus::Partial
        } else {
            SweepStatus::Completed
        };
        store.finish_sweep(&id, started, status).await.unwrap();
    }
}

fn queries(doc: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sql") => current = Some(String::new()),
            (Some(query), "```") => {
                out.push(query.clone());
                current = None;
            }
            (Some(query), text) => {
                query.push_str(text);
                query.push('\n');
            }
            (None, _) => {}
        }
    }
    out
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn every_query_in_the_sql_guide_runs_and_finds_rows(pool: PgPool) {
    let store = Store::from_pool(pool.clone());
    store.migrate().await.unwrap();
    seed(&store).await;
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/sql.md")).unwrap();
    let queries = queries(&doc);
    assert!(queries.len() >= 10, "docs/sql.md has its queries");
    for query in queries {
        let rows = sqlx::query(&query)
            .fetch_all(&pool)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{query}"));
        assert!(!rows.is_empty(), "no rows from:\n{query}");
    }
}

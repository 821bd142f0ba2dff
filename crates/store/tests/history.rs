//! The store against a real PostgreSQL: each test gets a fresh database with migrations applied.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{TimeZone, Utc};
use mfa_evaluator::{ControlId, DataError, Status};
use mfa_report::fixtures;
use mfa_report::{
    AccountReport, ControlReport, Outcome, ResourceReport, SkipReason, SweepInfo, SweepStatus,
};
use mfa_store::{Store, StoreError, SweepSelector};
use serde_json::json;
use sqlx::PgPool;

fn sweep_info(id: &str, hour: u32) -> SweepInfo {
    SweepInfo {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        ..fixtures::sweep_info(
            id,
            Utc.with_ymd_and_hms(2026, 11, 23, hour, 0, 0)
                .single()
                .unwrap(),
        )
    }
}

fn control(id: ControlId, resources: Vec<ResourceReport>) -> ControlReport {
    fixtures::control(id, resources)
}

fn user(arn: &str, status: Status) -> ResourceReport {
    ResourceReport {
        resource_id: arn.into(),
        ..fixtures::iam_user("222222222222", "x", status)
    }
}

fn root_finding(status: Status, evidence: serde_json::Value) -> ResourceReport {
    ResourceReport {
        evidence,
        ..fixtures::root("222222222222", status)
    }
}

/// Every fact beyond the controls, as the JSON report names them.
fn every_fact() -> mfa_evaluator::Facts {
    serde_json::from_value(json!({
        "mfa_devices": [
            {"kind": "virtual", "serial": "arn:aws:iam::222222222222:mfa/b", "enabled_at": null},
            {"kind": "fido", "serial": "arn:aws:iam::222222222222:u2f/user/b/key",
             "enabled_at": "2026-11-01T10:00:00Z"}],
        "phishing_resistant": true,
        "mfa_enforcement": {"state": "not_recognised", "by": [],
                            "unrecognised": ["a permissions boundary"]},
        "stakes": {"admin_equivalent": true,
                   "admin_via": ["arn:aws:iam::aws:policy/AdministratorAccess"],
                   "console_password": true, "password_last_used": "2026-11-20T08:00:00Z",
                   "access_keys": [{"active": true, "last_used_date": null,
                                    "last_used_service": null}]},
        "priority": "critical"
    }))
    .unwrap()
}

fn accounts() -> Vec<AccountReport> {
    let cognito = fixtures::errored_control(
        ControlId::Cognito5,
        DataError {
            operation: "cognito-idp:ListUserPools".into(),
            region: "eu-west-1".into(),
            code: Some("AccessDeniedException".into()),
            message: "denied".into(),
            request_id: None,
        },
    );
    vec![
        AccountReport {
            account_id: "222222222222".into(),
            account_name: "prod 'quoted' ünïcode; DROP TABLE sweeps; --".into(),
            ou_path: "Root/Workloads/Prod".into(),
            outcome: Outcome::Assessed,
            skip_reason: None,
            error: None,
            controls: vec![
                control(
                    ControlId::Iam9,
                    vec![root_finding(
                        Status::Passed,
                        json!({"AccountMFAEnabled": 1}),
                    )],
                ),
                control(
                    ControlId::Iam6,
                    vec![root_finding(
                        Status::Failed,
                        json!({"virtual_devices_assigned_to_root": ["arn:aws:iam::222222222222:mfa/x"]}),
                    )],
                ),
                control(ControlId::Iam5, vec![]),
                control(
                    ControlId::Iam19,
                    vec![
                        ResourceReport {
                            facts: every_fact(),
                            ..user("arn:aws:iam::222222222222:user/b", Status::Failed)
                        },
                        user("arn:aws:iam::222222222222:user/staff/a\"'x", Status::Passed),
                    ],
                ),
                cognito,
            ],
            regions: None,
            mfa_guardrail_scps: Some(vec!["p-protectmfa".into()]),
            mfa_guardrail_scps_error: None,
        },
        AccountReport {
            account_id: "333333333333".into(),
            account_name: "broken".into(),
            ou_path: "Root".into(),
            outcome: Outcome::Error,
            skip_reason: None,
            error: Some(DataError {
                operation: "sts:AssumeRole".into(),
                region: "us-east-1".into(),
                code: Some("AccessDenied".into()),
                message: "not authorized".into(),
                request_id: None,
            }),
            controls: vec![],
            regions: None,
            mfa_guardrail_scps: None,
            mfa_guardrail_scps_error: None,
        },
        AccountReport {
            account_id: "444444444444".into(),
            account_name: "old".into(),
            ou_path: "Root/Suspended".into(),
            outcome: Outcome::Skipped,
            skip_reason: Some(SkipReason::Suspended),
            error: None,
            controls: vec![],
            regions: None,
            mfa_guardrail_scps: None,
            mfa_guardrail_scps_error: None,
        },
    ]
}

const SWEEP: &str = "6f1d3c1e-8d3e-4f37-9d7a-0a5a0e1b2c3d";

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_sweep_reads_back_exactly_as_written(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    store.begin_sweep(&sweep_info(SWEEP, 3)).await.unwrap();
    for account in accounts() {
        store.record_account(SWEEP, &account).await.unwrap();
    }
    let finished = Utc
        .with_ymd_and_hms(2026, 11, 23, 3, 5, 0)
        .single()
        .unwrap();
    store
        .finish_sweep(SWEEP, finished, SweepStatus::Partial)
        .await
        .unwrap();

    let report = store
        .load_report(&SweepSelector::Id(SWEEP.into()))
        .await
        .unwrap();
    assert_eq!(report.schema_version, 1);
    assert_eq!(report.sweep.status, SweepStatus::Partial);
    assert_eq!(report.sweep.finished_at, Some(finished));
    assert_eq!(report.sweep.regions, vec!["us-east-1", "eu-west-1"]);
    let mut want = accounts();
    want.sort_by(|a, b| (&a.ou_path, &a.account_name).cmp(&(&b.ou_path, &b.account_name)));
    // Read back, a failing resource also says since when it fails: this first sweep.
    let started = sweep_info(SWEEP, 3).started_at;
    for resource in want
        .iter_mut()
        .flat_map(|a| &mut a.controls)
        .flat_map(|c| &mut c.resources)
        .filter(|r| r.status == Status::Failed)
    {
        resource.failing_since = Some(started);
    }
    assert_eq!(report.accounts, want);
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_older_rows_empty_admin_via_where_policies_were_not_read_reads_back_absent(
    pool: PgPool,
) {
    let store = common::locked_store(&pool).await;
    store.begin_sweep(&sweep_info(SWEEP, 3)).await.unwrap();
    let account = fixtures::assessed(
        "222222222222",
        vec![control(
            ControlId::Iam19,
            vec![
                user("arn:aws:iam::222222222222:user/unread", Status::Failed),
                user("arn:aws:iam::222222222222:user/read", Status::Failed),
            ],
        )],
    );
    store.record_account(SWEEP, &account).await.unwrap();
    // As a version from before wrote them: `admin_via: []` whether the policies were read
    // (`read`: none grants admin) or not (`unread`).
    let stakes = |admin: &str| {
        format!(
            r#"{{"stakes": {{{admin}"admin_via": [], "console_password": true,
                "password_last_used": null, "access_keys": []}}}}"#
        )
    };
    for (name, admin) in [("unread", ""), ("read", r#""admin_equivalent": false, "#)] {
        sqlx::query("UPDATE finding_spans SET facts = $1::jsonb WHERE resource_id LIKE $2")
            .bind(stakes(admin))
            .bind(format!("%/{name}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let report = store
        .load_report(&SweepSelector::Id(SWEEP.into()))
        .await
        .unwrap();
    let admin_via = |name: &str| {
        let resource = report.accounts[0]
            .controls
            .iter()
            .flat_map(|c| &c.resources)
            .find(|r| r.resource_id.ends_with(&format!("/{name}")))
            .unwrap();
        serde_json::to_value(&resource.facts).unwrap()["stakes"]
            .get("admin_via")
            .cloned()
    };
    assert_eq!(admin_via("unread"), None, "not read: absent");
    assert_eq!(admin_via("read"), Some(json!([])), "read, none grants it");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn latest_is_the_most_recent_sweep(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    assert!(matches!(
        store.load_report(&SweepSelector::Latest).await,
        Err(StoreError::NoSweeps)
    ));
    let later = "7f1d3c1e-8d3e-4f37-9d7a-0a5a0e1b2c3d";
    store.begin_sweep(&sweep_info(SWEEP, 3)).await.unwrap();
    store.begin_sweep(&sweep_info(later, 4)).await.unwrap();
    let report = store.load_report(&SweepSelector::Latest).await.unwrap();
    assert_eq!(report.sweep.id, later);
    assert_eq!(report.sweep.status, SweepStatus::Running);
    assert!(matches!(
        store
            .load_report(&SweepSelector::Id("not-a-uuid".into()))
            .await,
        Err(StoreError::NoSuchSweep(_))
    ));
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn an_account_is_written_whole_or_not_at_all(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    store.begin_sweep(&sweep_info(SWEEP, 3)).await.unwrap();
    let mut account = accounts().remove(0);
    // A resource in a status the history does not keep breaks a check in the last insert.
    account.controls[3].resources[1].status = Status::Error;
    let error = store.record_account(SWEEP, &account).await.unwrap_err();
    assert!(error.to_string().contains("write of findings"), "{error}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM sweep_accounts")
        .fetch_one(&pool)
        .await
        .unwrap();
    let results: i64 = sqlx::query_scalar("SELECT count(*) FROM control_results")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (rows, results),
        (0, 0),
        "nothing of the failed account remains"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_named_by_host_and_port() {
    let error = Store::connect(
        "postgres://auditor:s3cret-pw@127.0.0.1:1/mfa",
        1,
        std::time::Duration::from_secs(2),
    )
    .await
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("127.0.0.1:1/mfa"), "{text}");
    assert!(!text.contains("s3cret-pw"), "{text}");
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn a_resource_listed_twice_is_recorded_once_failed_if_either_failed(pool: PgPool) {
    let store = common::locked_store(&pool).await;
    store.begin_sweep(&sweep_info(SWEEP, 3)).await.unwrap();
    let mut account = accounts().remove(0);
    // A credential report that lists a user twice, once failing: IAM.19's first resource.
    let mut twice = account.controls[3].resources[1].clone();
    twice.resource_id = account.controls[3].resources[0].resource_id.clone();
    twice.status = Status::Passed;
    account.controls[3].resources.insert(0, twice);
    store.record_account(SWEEP, &account).await.unwrap();
    let report = store
        .load_report(&SweepSelector::Id(SWEEP.into()))
        .await
        .unwrap();
    let iam19 = &report.accounts[0].controls[3];
    assert_eq!(iam19.control_id, ControlId::Iam19);
    let statuses: Vec<(&str, Status)> = iam19
        .resources
        .iter()
        .map(|r| (r.resource_id.as_str(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("arn:aws:iam::222222222222:user/b", Status::Failed),
            ("arn:aws:iam::222222222222:user/staff/a\"'x", Status::Passed),
        ]
    );
    let counts: (i32, i32) = sqlx::query_as(
        "SELECT failed_resources, passed_resources FROM control_results
         WHERE control_id = 'IAM.19'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counts, (1, 1), "each resource counted once");
}

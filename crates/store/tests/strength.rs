//! `mfa_strength`: counted when a sweep ends from the facts each account read; NULL where an
//! account of the OU did not read them (a sweep from before, a switch off), never a partial sum;
//! and the report's coverage points carry the phishing-resistant count beside MFA coverage.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use common::locked_store;
use mfa_evaluator::{ControlId, Status};
use mfa_report::fixtures::{self, sweep_info};
use mfa_report::AccountReport;
use serde_json::json;
use sqlx::{PgPool, Row};

/// How an account's sweep read its users' devices.
#[derive(Clone, Copy)]
enum Devices {
    NotRead,
    Read,
    /// Read, but the read of the user with a FIDO key failed (`mfa_devices_error`).
    OneFailed,
}

/// An account with a user with a FIDO key and a user without MFA.
fn account(id: &str, devices: Devices) -> AccountReport {
    let mut fido = fixtures::iam_user(id, "fido", Status::Passed);
    let mut none = fixtures::iam_user(id, "none", Status::Failed);
    let facts = |value| serde_json::from_value(value).unwrap();
    match devices {
        Devices::NotRead => {}
        Devices::Read => {
            fido.facts = facts(json!({"phishing_resistant": true}));
            none.facts = facts(json!({"phishing_resistant": false}));
        }
        Devices::OneFailed => {
            fido.facts = facts(json!({"mfa_devices_error": "iam:ListMFADevices: AccessDenied"}));
            none.facts = facts(json!({"phishing_resistant": false}));
        }
    }
    fixtures::assessed(
        id,
        vec![fixtures::control(ControlId::Iam19, vec![fido, none])],
    )
}

#[sqlx::test(migrator = "mfa_store::MIGRATOR")]
async fn strength_is_counted_where_every_account_read_it_and_null_elsewhere(pool: PgPool) {
    let store = locked_store(&pool).await;
    let first = Utc.with_ymd_and_hms(2026, 12, 1, 3, 0, 0).single().unwrap();
    // Night 0: no account read the devices (a version from before). Night 1: both did.
    // Night 2: one did not (a switch off there): the OU's count would be partial. Night 3:
    // both did, but one read failed for a user (it would count 1 of 2 keys as if whole).
    use Devices::{NotRead, OneFailed, Read};
    let nights = [
        (NotRead, NotRead),
        (Read, Read),
        (Read, NotRead),
        (Read, OneFailed),
    ];
    for (night, (a, b)) in nights.into_iter().enumerate() {
        let id = format!("00000000-0000-4000-8000-{night:012}");
        let started = first + Duration::days(i64::try_from(night).unwrap());
        store
            .sweep(
                &sweep_info(&id, started),
                &[account("111111111111", a), account("222222222222", b)],
            )
            .await;
    }
    let rows: Vec<(i32, i32, Option<i32>)> = sqlx::query(
        "SELECT in_scope, with_mfa, phishing_resistant FROM mfa_strength
         WHERE control_id = 'IAM.19' ORDER BY sweep_started_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2)))
    .collect();
    assert_eq!(
        rows,
        vec![(4, 2, None), (4, 2, Some(2)), (4, 2, None), (4, 2, None)]
    );

    let points = store
        .coverage(first - Duration::days(1), first + Duration::days(4))
        .await
        .unwrap();
    let phishing_resistant: Vec<Option<u32>> = points
        .iter()
        .filter(|p| p.control_id == ControlId::Iam19)
        .map(|p| p.phishing_resistant)
        .collect();
    assert_eq!(phishing_resistant, vec![None, Some(2), None, None]);
}

//! One account's results, written in one transaction: all of it or none, and only by the holder
//! of the sweep lock (see `lock.rs`).

use crate::lock::Fence;
use crate::strength::StrengthCounts;
use crate::{parse_sweep_id, query_error, spans, Store, StoreError};
use chrono::{DateTime, Utc};
use mfa_evaluator::Status;
use mfa_report::{AccountReport, ControlReport, Outcome};
use sqlx::PgConnection;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What [`Store::record_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// The account was already recorded in that sweep (an import run twice); nothing changed.
    AlreadyPresent,
}

impl Store {
    /// Records one account's results in one transaction: all of it or none.
    ///
    /// Idempotent: an account already recorded in this sweep is left as it is, so spooled
    /// results can be imported twice. Order-independent: a sweep recorded after a later one
    /// (an import that came late) is slotted into the account's history where it belongs.
    ///
    /// Fenced: the transaction first proves the writer still holds the sweep lock, else
    /// [`StoreError::LockLost`] and nothing is written.
    pub async fn record_account(
        &self,
        fence: Fence,
        sweep_id: &str,
        account: &AccountReport,
    ) -> Result<Recorded, StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let mut tx = self
            .fenced(fence, "begin of an account transaction")
            .await?;
        // Findings are dated by the sweep that saw them, not by when the row was written.
        let (sweep_seq, seen_at): (i64, DateTime<Utc>) =
            sqlx::query_as("SELECT sweep_seq, started_at FROM sweeps WHERE sweep_id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(query_error("read of a sweep's sequence number"))?
                .ok_or_else(|| StoreError::NoSuchSweep(sweep_id.to_string()))?;
        let inserted = insert_sweep_account(&mut tx, id, sweep_seq, account).await?;
        if !inserted {
            return Ok(Recorded::AlreadyPresent);
        }

        update_latest_state(&mut tx, sweep_seq, account).await?;

        if account.outcome == Outcome::Assessed {
            write_control_results(&mut tx, id, account).await?;
            write_excepted_findings(&mut tx, id, sweep_seq, account).await?;
            spans::record_assessment(&mut tx, sweep_seq, seen_at, account).await?;
        }
        tx.commit()
            .await
            .map_err(query_error("commit of an account transaction"))?;
        Ok(Recorded::Written)
    }
}

/// The account's row of this sweep; `false` when it is there already (an import run twice).
async fn insert_sweep_account(
    tx: &mut PgConnection,
    id: Uuid,
    sweep_seq: i64,
    account: &AccountReport,
) -> Result<bool, StoreError> {
    let error = account.error.as_ref();
    let inserted = sqlx::query(
        "INSERT INTO sweep_accounts (sweep_id, sweep_seq, account_id, account_name, ou_path,
             outcome, skip_reason, error_operation, error_region, error_code, error_message,
             error_request_id, regions, mfa_guardrail_scps, mfa_guardrail_scps_error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (sweep_id, account_id) DO NOTHING",
    )
    .bind(id)
    .bind(sweep_seq)
    .bind(&account.account_id)
    .bind(&account.account_name)
    .bind(&account.ou_path)
    .bind(account.outcome.as_str())
    .bind(account.skip_reason.map(|r| r.as_str()))
    .bind(error.map(|e| &e.operation))
    .bind(error.map(|e| &e.region))
    .bind(error.and_then(|e| e.code.as_ref()))
    .bind(error.map(|e| &e.message))
    .bind(error.and_then(|e| e.request_id.as_ref()))
    .bind(account.regions.as_deref())
    .bind(account.mfa_guardrail_scps.as_deref())
    .bind(
        account
            .mfa_guardrail_scps_error
            .as_ref()
            .map(sqlx::types::Json),
    )
    .execute(&mut *tx)
    .await
    .map_err(query_error("insert of an account"))?
    .rows_affected();
    Ok(inserted > 0)
}

/// The account's latest state, which moves only forward: a late import does not overwrite it.
async fn update_latest_state(
    tx: &mut PgConnection,
    sweep_seq: i64,
    account: &AccountReport,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO accounts AS a (account_id, account_name, ou_path, last_sweep_seq,
             last_outcome, last_skip_reason)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (account_id) DO UPDATE SET
             account_name = EXCLUDED.account_name,
             ou_path = EXCLUDED.ou_path,
             last_sweep_seq = EXCLUDED.last_sweep_seq,
             last_outcome = EXCLUDED.last_outcome,
             last_skip_reason = EXCLUDED.last_skip_reason
         WHERE a.last_sweep_seq <= EXCLUDED.last_sweep_seq",
    )
    .bind(&account.account_id)
    .bind(&account.account_name)
    .bind(&account.ou_path)
    .bind(sweep_seq)
    .bind(account.outcome.as_str())
    .bind(account.skip_reason.map(|r| r.as_str()))
    .execute(&mut *tx)
    .await
    .map_err(query_error("update of an account's latest state"))?;
    Ok(())
}

/// The per-control rows of an assessed account: status, error, resource counts.
async fn write_control_results(
    tx: &mut PgConnection,
    id: Uuid,
    account: &AccountReport,
) -> Result<(), StoreError> {
    if !account.controls.is_empty() {
        let mut control_ids = Vec::new();
        let mut statuses = Vec::new();
        let mut operations = Vec::new();
        let mut regions = Vec::new();
        let mut codes = Vec::new();
        let mut messages = Vec::new();
        let mut request_ids = Vec::new();
        let mut failed = Vec::new();
        let mut excepted = Vec::new();
        let mut passed = Vec::new();
        let mut phishing_resistant = Vec::new();
        let mut mfa_enforced = Vec::new();
        let mut admin_without_mfa = Vec::new();
        for control in &account.controls {
            control_ids.push(control.control_id.as_str());
            statuses.push(control.status.as_str());
            let error = control.error.as_ref();
            operations.push(error.map(|e| e.operation.as_str()));
            regions.push(error.map(|e| e.region.as_str()));
            codes.push(error.and_then(|e| e.code.as_deref()));
            messages.push(error.map(|e| e.message.as_str()));
            request_ids.push(error.and_then(|e| e.request_id.as_deref()));
            let counts = ResourceCounts::of(control);
            failed.push(counts.failed);
            passed.push(counts.passed);
            excepted.push(counts.excepted);
            let strength = StrengthCounts::of(control);
            phishing_resistant.push(strength.phishing_resistant);
            mfa_enforced.push(strength.mfa_enforced);
            admin_without_mfa.push(strength.admin_without_mfa);
        }
        sqlx::query(
            "INSERT INTO control_results (sweep_id, account_id, control_id, status,
                 error_operation, error_region, error_code, error_message,
                 failed_resources, passed_resources, error_request_id, excepted_resources,
                 phishing_resistant, mfa_enforced, admin_without_mfa)
             SELECT $1, $2, * FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[],
                                          $7::text[], $8::text[], $9::int[], $10::int[],
                                          $11::text[], $12::int[], $13::int[], $14::int[],
                                          $15::int[])",
        )
        .bind(id)
        .bind(&account.account_id)
        .bind(&control_ids)
        .bind(&statuses)
        .bind(&operations)
        .bind(&regions)
        .bind(&codes)
        .bind(&messages)
        .bind(&failed)
        .bind(&passed)
        .bind(&request_ids)
        .bind(&excepted)
        .bind(&phishing_resistant)
        .bind(&mfa_enforced)
        .bind(&admin_without_mfa)
        .execute(&mut *tx)
        .await
        .map_err(query_error("insert of control results"))?;
    }
    Ok(())
}

/// Which exception covered which failing resource of this account, in this sweep.
async fn write_excepted_findings(
    tx: &mut PgConnection,
    id: Uuid,
    sweep_seq: i64,
    account: &AccountReport,
) -> Result<(), StoreError> {
    let mut controls = Vec::new();
    let mut resources = Vec::new();
    let mut exceptions = Vec::new();
    for control in &account.controls {
        for resource in &control.resources {
            if let Some(exception) = &resource.exception {
                controls.push(control.control_id.as_str());
                resources.push(resource.resource_id.as_str());
                exceptions.push(exception.id.as_str());
            }
        }
    }
    if controls.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO excepted_findings (sweep_id, sweep_seq, account_id, control_id, resource_id,
             exception_id)
         SELECT $1, $2, $3, * FROM UNNEST($4::text[], $5::text[], $6::text[])
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(sweep_seq)
    .bind(&account.account_id)
    .bind(&controls)
    .bind(&resources)
    .bind(&exceptions)
    .execute(&mut *tx)
    .await
    .map_err(query_error("write of excepted findings"))?;
    Ok(())
}

/// A control's resources, each counted once as the spans keep it: a resource listed twice
/// counts once, failed if either listing failed.
struct ResourceCounts {
    failed: i32,
    passed: i32,
    /// Failed resources an exception covers.
    excepted: i32,
}

impl ResourceCounts {
    fn of(control: &ControlReport) -> ResourceCounts {
        let mut statuses_by_resource: HashMap<&str, Status> = HashMap::new();
        for resource in &control.resources {
            let status = statuses_by_resource
                .entry(resource.resource_id.as_str())
                .or_insert(resource.status);
            if resource.status == Status::Failed {
                *status = Status::Failed;
            }
        }
        let count = |status: Status| {
            let n = statuses_by_resource
                .values()
                .filter(|s| **s == status)
                .count();
            i32::try_from(n).unwrap_or(i32::MAX)
        };
        let covered: HashSet<&str> = control
            .resources
            .iter()
            .filter(|r| r.status == Status::Failed && r.exception.is_some())
            .map(|r| r.resource_id.as_str())
            .collect();
        ResourceCounts {
            failed: count(Status::Failed),
            passed: count(Status::Passed),
            excepted: i32::try_from(covered.len()).unwrap_or(i32::MAX),
        }
    }
}

//! A sweep's row: its start, its end (with the per-control trend counts), and what resuming an
//! interrupted one needs. Every write is fenced (see `lock.rs`).

use crate::lock::{check_fence, Fence};
use crate::rows::{parse, SweepRow};
use crate::sweep_exceptions::{read_sweep_exceptions, write_sweep_exceptions};
use crate::{parse_sweep_id, query_error, Store, StoreError};
use chrono::{DateTime, Utc};
use mfa_report::{Outcome, SweepInfo, SweepStatus};
use sqlx::{PgConnection, Postgres, Transaction};
use std::collections::HashMap;

/// An interrupted sweep and the accounts it recorded before it stopped.
#[derive(Debug, Clone)]
pub struct ResumableSweep {
    pub sweep: SweepInfo,
    pub done: HashMap<String, Outcome>,
}

impl Store {
    /// A transaction that first proves its writer still holds the sweep lock.
    pub(crate) async fn fenced(
        &self,
        fence: Fence,
        operation: &'static str,
    ) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await.map_err(query_error(operation))?;
        check_fence(&mut tx, fence).await?;
        Ok(tx)
    }

    /// The latest sweep, when it was interrupted: what `sweep --resume` finishes. Errors with
    /// [`StoreError::NothingToResume`] when the latest sweep is not interrupted, since resuming
    /// an older one would date its findings before newer ones.
    pub async fn resumable_sweep(&self) -> Result<ResumableSweep, StoreError> {
        let latest: Option<SweepRow> =
            sqlx::query_as("SELECT * FROM sweeps ORDER BY sweep_seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read of the latest sweep"))?;
        let Some(row) = latest else {
            return Err(StoreError::NothingToResume(
                "the database holds no sweep".to_string(),
            ));
        };
        let mut sweep = row.info()?;
        sweep.exceptions = read_sweep_exceptions(&self.pool, row.sweep_id).await?;
        if sweep.status != SweepStatus::Interrupted {
            return Err(StoreError::NothingToResume(format!(
                "the latest sweep, {}, is {}",
                sweep.id,
                sweep.status.as_str()
            )));
        }
        // Only what resuming needs: which accounts are done, not their findings.
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT account_id, outcome FROM sweep_accounts WHERE sweep_id = $1")
                .bind(row.sweep_id)
                .fetch_all(&self.pool)
                .await
                .map_err(query_error("read of a sweep's accounts"))?;
        let done = rows
            .into_iter()
            .map(|(account_id, outcome)| {
                parse::<Outcome>(&outcome).map(|outcome| (account_id, outcome))
            })
            .collect::<Result<_, _>>()?;
        Ok(ResumableSweep { sweep, done })
    }

    /// Marks an interrupted sweep `running` again, for `sweep --resume`.
    pub async fn reopen_sweep(&self, fence: Fence, sweep_id: &str) -> Result<(), StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let mut tx = self
            .fenced(fence, "reopening of an interrupted sweep")
            .await?;
        let reopened = sqlx::query(
            "UPDATE sweeps SET status = 'running', finished_at = NULL
             WHERE sweep_id = $1 AND status = 'interrupted'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(query_error("reopening of an interrupted sweep"))?;
        if reopened.rows_affected() == 0 {
            return Err(StoreError::NothingToResume(format!(
                "sweep {sweep_id} is no longer interrupted"
            )));
        }
        tx.commit()
            .await
            .map_err(query_error("commit of a sweep's reopening"))
    }

    /// When the latest sweep that finished (completed or partial) finished.
    pub async fn last_successful_sweep(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        sqlx::query_scalar(
            "SELECT max(finished_at) FROM sweeps WHERE status IN ('completed', 'partial')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(query_error("read of the last successful sweep"))
    }

    /// Records the start of a sweep (status `running`). Recording the same sweep twice (an
    /// import of a sweep whose start is already there) changes nothing.
    pub async fn begin_sweep(&self, fence: Fence, sweep: &SweepInfo) -> Result<(), StoreError> {
        let id = parse_sweep_id(&sweep.id)?;
        let controls: Vec<&str> = sweep.controls.iter().map(|c| c.as_str()).collect();
        let root_access = sweep.centralized_root_access.as_ref();
        let root_access_error = sweep
            .centralized_root_access_error
            .as_ref()
            .map(serde_json::to_value)
            .transpose()
            .map_err(|e| StoreError::Unreadable(format!("a root access error: {e}")))?;
        let mut tx = self.fenced(fence, "begin of a sweep's start").await?;
        sqlx::query(
            "INSERT INTO sweeps (sweep_id, started_at, finished_at, status, organization_id,
                                 management_account_id, regions, controls, root_trusted_access,
                                 root_credentials_management, root_sessions, root_access_error,
                                 home_region)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
             ON CONFLICT (sweep_id) DO NOTHING",
        )
        .bind(id)
        .bind(sweep.started_at)
        .bind(sweep.finished_at)
        .bind(sweep.status.as_str())
        .bind(&sweep.organization_id)
        .bind(&sweep.management_account_id)
        .bind(&sweep.regions)
        .bind(&controls)
        .bind(root_access.map(|r| r.trusted_access))
        .bind(root_access.map(|r| r.root_credentials_management))
        .bind(root_access.map(|r| r.root_sessions))
        .bind(root_access_error)
        .bind(&sweep.home_region)
        .execute(&mut *tx)
        .await
        .map_err(query_error("insert of a sweep"))?;
        write_sweep_exceptions(&mut tx, id, &sweep.exceptions).await?;
        tx.commit()
            .await
            .map_err(query_error("commit of a sweep's start"))
    }

    /// Records the end of a sweep.
    pub async fn finish_sweep(
        &self,
        fence: Fence,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<(), StoreError> {
        let mut tx = self.fenced(fence, "begin of a sweep's end").await?;
        finish(&mut tx, sweep_id, finished_at, status).await?;
        tx.commit()
            .await
            .map_err(query_error("commit of a sweep's end"))
    }

    /// Records the end of a sweep unless it already has one: an import does not overwrite the
    /// status of a sweep that was resumed and finished since it was spooled. Returns whether
    /// the end was recorded.
    pub async fn finish_sweep_if_open(
        &self,
        fence: Fence,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<bool, StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let mut tx = self.fenced(fence, "begin of a sweep's end").await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT status FROM sweeps WHERE sweep_id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(query_error("read of a sweep's status"))?;
        match current.as_deref() {
            None => Err(StoreError::NoSuchSweep(sweep_id.to_string())),
            Some("running" | "interrupted") => {
                finish(&mut tx, sweep_id, finished_at, status).await?;
                tx.commit()
                    .await
                    .map_err(query_error("commit of a sweep's end"))?;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }
}

/// The end of a sweep and its trend counts, in the caller's transaction.
async fn finish(
    tx: &mut PgConnection,
    sweep_id: &str,
    finished_at: DateTime<Utc>,
    status: SweepStatus,
) -> Result<(), StoreError> {
    let id = parse_sweep_id(sweep_id)?;
    sqlx::query("UPDATE sweeps SET finished_at = $2, status = $3 WHERE sweep_id = $1")
        .bind(id)
        .bind(finished_at)
        .bind(status.as_str())
        .execute(&mut *tx)
        .await
        .map_err(query_error("update of a sweep's end"))?;
    sqlx::query(
        "INSERT INTO control_trend_counts (sweep_id, control_id, accounts_failed,
             accounts_passed, accounts_not_applicable, accounts_errored, failing_resources,
             excepted_resources, accounts_failed_unexcepted)
         SELECT $1, c.control_id, c.accounts_failed, c.accounts_passed,
                c.accounts_not_applicable, c.accounts_errored, c.failing_resources,
                c.excepted_resources, c.accounts_failed_unexcepted
         FROM control_counts($1, false) c
         ON CONFLICT (sweep_id, control_id) DO UPDATE SET
             accounts_failed = EXCLUDED.accounts_failed,
             accounts_passed = EXCLUDED.accounts_passed,
             accounts_not_applicable = EXCLUDED.accounts_not_applicable,
             accounts_errored = EXCLUDED.accounts_errored,
             failing_resources = EXCLUDED.failing_resources,
             excepted_resources = EXCLUDED.excepted_resources,
             accounts_failed_unexcepted = EXCLUDED.accounts_failed_unexcepted",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(query_error("write of a sweep's trend counts"))?;
    // MFA coverage (the `mfa_coverage` view): a resumed sweep counts again, all of it.
    sqlx::query("SELECT record_mfa_coverage($1)")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(query_error("write of a sweep's MFA coverage"))?;
    sqlx::query("SELECT record_mfa_strength($1)")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(query_error("write of a sweep's MFA strength"))?;
    Ok(())
}

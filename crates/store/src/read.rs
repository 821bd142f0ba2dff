//! Reading back: a stored sweep, whole, with what changed since each account's previous
//! assessment; and the current findings (the CSV export).

use crate::exceptions::read_sweep_exceptions;
use crate::rows::{AccountRow, ChangeRow, ControlRow, CurrentFindingRow, SpanRow, SweepRow};
use crate::{parse_sweep_id, query_error, Store, StoreError};
use mfa_report::{
    AccountReport, ChangeReport, ControlReport, CurrentFinding, ResourceReport, SweepReport,
    SCHEMA_VERSION,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Which sweep to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepSelector {
    Latest,
    Id(String),
}

impl Store {
    /// Reads a stored sweep back, whole.
    pub async fn load_report(&self, selector: &SweepSelector) -> Result<SweepReport, StoreError> {
        let row: SweepRow = match selector {
            SweepSelector::Latest => sqlx::query_as(
                "SELECT * FROM sweeps ORDER BY started_at DESC, sweep_id DESC LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read of the latest sweep"))?
            .ok_or(StoreError::NoSweeps)?,
            SweepSelector::Id(id) => sqlx::query_as("SELECT * FROM sweeps WHERE sweep_id = $1")
                .bind(parse_sweep_id(id)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read of a sweep"))?
                .ok_or_else(|| StoreError::NoSuchSweep(id.clone()))?,
        };
        let mut sweep = row.info()?;
        sweep.exceptions = read_sweep_exceptions(&self.pool, row.sweep_id).await?;

        let account_rows: Vec<AccountRow> = sqlx::query_as(
            "SELECT * FROM sweep_accounts WHERE sweep_id = $1
             ORDER BY ou_path, account_name, account_id",
        )
        .bind(row.sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's accounts"))?;
        let control_rows: Vec<ControlRow> =
            sqlx::query_as("SELECT * FROM control_results WHERE sweep_id = $1")
                .bind(row.sweep_id)
                .fetch_all(&self.pool)
                .await
                .map_err(query_error("read of a sweep's control results"))?;
        // Each finding as of this sweep, with the exception that covered it in this sweep.
        let span_rows: Vec<SpanRow> = sqlx::query_as(
            "SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status,
                    f.evidence,
                    CASE WHEN f.status = 'FAILED' THEN f.first_seen_at END AS failing_since,
                    x.exception_id, se.owner AS exception_owner,
                    se.reason AS exception_reason, se.expires AS exception_expires,
                    se.ticket AS exception_ticket
             FROM finding_spans f
             JOIN sweep_accounts sa ON sa.account_id = f.account_id
             LEFT JOIN excepted_findings x ON x.sweep_id = sa.sweep_id
                  AND x.account_id = f.account_id AND x.control_id = f.control_id
                  AND x.resource_id = f.resource_id AND f.status = 'FAILED'
             LEFT JOIN sweep_exceptions se ON se.sweep_id = x.sweep_id
                  AND se.exception_id = x.exception_id
             WHERE sa.sweep_id = $1 AND sa.outcome = 'assessed'
               AND f.last_sweep_seq >= $2 AND f.first_sweep_seq <= $2
             ORDER BY f.account_id, f.control_id, f.ordinal",
        )
        .bind(row.sweep_id)
        .bind(row.sweep_seq)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's findings"))?;

        let mut resources: HashMap<(String, String), Vec<ResourceReport>> = HashMap::new();
        for span in span_rows {
            let key = (span.account_id.clone(), span.control_id.clone());
            resources
                .entry(key)
                .or_default()
                .push(span.into_resource()?);
        }
        let mut controls_by_account: HashMap<String, Vec<ControlReport>> = HashMap::new();
        for control_row in control_rows {
            let control = control_row.control()?;
            let status = control_row.status()?;
            let failed_unexcepted = control_row.failed_unexcepted();
            let resources = resources
                .remove(&(control_row.account_id.clone(), control_row.control_id))
                .unwrap_or_default();
            controls_by_account
                .entry(control_row.account_id)
                .or_default()
                .push(ControlReport {
                    failed_unexcepted,
                    ..ControlReport::new(
                        control,
                        status,
                        control_row.error.into_error()?,
                        resources,
                    )
                });
        }
        let mut accounts = Vec::with_capacity(account_rows.len());
        for account_row in account_rows {
            let mut controls = controls_by_account
                .remove(&account_row.account_id)
                .unwrap_or_default();
            controls.sort_by_key(|c| c.control_id);
            accounts.push(AccountReport {
                outcome: account_row.outcome()?,
                skip_reason: account_row.skip_reason()?,
                account_id: account_row.account_id,
                account_name: account_row.account_name,
                ou_path: account_row.ou_path,
                error: account_row.error.into_error()?,
                controls,
            });
        }
        Ok(SweepReport {
            schema_version: SCHEMA_VERSION,
            sweep,
            accounts,
            changes_since_previous_sweep: self.changes(row.sweep_id).await?,
        })
    }

    /// What changed for the accounts whose latest assessment is this sweep.
    async fn changes(&self, sweep_id: Uuid) -> Result<Vec<ChangeReport>, StoreError> {
        let rows: Vec<ChangeRow> = sqlx::query_as(
            "SELECT account_id, account_name, control_id, resource_type, resource_id, change,
                    status, previous_status
             FROM changes_since_previous_sweep WHERE sweep_id = $1
             ORDER BY change, account_id, control_id, resource_id",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the changes since the previous sweep"))?;
        rows.into_iter().map(ChangeRow::into_change).collect()
    }

    /// The `current_findings` view, for the CSV export.
    pub async fn current_findings(&self) -> Result<Vec<CurrentFinding>, StoreError> {
        let rows: Vec<CurrentFindingRow> = sqlx::query_as(
            "SELECT f.account_id, f.account_name, f.ou_path, f.control_id, c.severity,
                    f.resource_type, f.resource_id, f.status, f.failing_since,
                    f.last_assessed_at, f.account_state, f.exception_id, f.exception_owner,
                    f.exception_expires
             FROM current_findings f JOIN controls c USING (control_id)
             ORDER BY f.account_id, f.control_id, f.resource_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the current findings"))?;
        rows.into_iter().map(CurrentFinding::try_from).collect()
    }
}

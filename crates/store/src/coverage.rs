//! MFA coverage over time: the `mfa_coverage` view over the year before a report's sweep.

use crate::rows::parse;
use crate::{query_error, Store, StoreError};
use chrono::{DateTime, Utc};
use mfa_report::CoveragePoint;

#[derive(Debug, sqlx::FromRow)]
struct CoverageRow {
    sweep_id: uuid::Uuid,
    sweep_started_at: DateTime<Utc>,
    control_id: String,
    top_level_ou: String,
    accounts_assessed: i32,
    in_scope: i32,
    with_mfa: i32,
}

impl Store {
    /// `mfa_coverage` for the finished sweeps that started in `(since, until]`, in time order.
    pub async fn coverage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<CoveragePoint>, StoreError> {
        let rows: Vec<CoverageRow> = sqlx::query_as(
            "SELECT sweep_id, sweep_started_at, control_id, top_level_ou, accounts_assessed,
                    in_scope, with_mfa
             FROM mfa_coverage
             WHERE sweep_started_at > $1 AND sweep_started_at <= $2
             ORDER BY sweep_started_at, sweep_id, control_id, top_level_ou",
        )
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the MFA coverage"))?;
        rows.into_iter()
            .map(|row| {
                let count = |value: i32, column: &str| {
                    u32::try_from(value).map_err(|_| {
                        StoreError::Unreadable(format!("mfa_coverage.{column} {value}"))
                    })
                };
                Ok(CoveragePoint {
                    sweep_id: row.sweep_id.to_string(),
                    sweep_started_at: row.sweep_started_at,
                    control_id: parse(&row.control_id)?,
                    top_level_ou: row.top_level_ou,
                    accounts_assessed: count(row.accounts_assessed, "accounts_assessed")?,
                    in_scope: count(row.in_scope, "in_scope")?,
                    with_mfa: count(row.with_mfa, "with_mfa")?,
                })
            })
            .collect()
    }
}

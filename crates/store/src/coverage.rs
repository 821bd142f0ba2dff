//! MFA coverage over time: the `mfa_coverage` view over the year before a report's sweep, with
//! `mfa_strength`'s phishing-resistant count beside it.

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
    phishing_resistant: Option<i64>,
}

impl Store {
    /// `mfa_coverage` for the finished sweeps that started in `(since, until]`, in time order.
    pub async fn coverage(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<CoveragePoint>, StoreError> {
        let rows: Vec<CoverageRow> = sqlx::query_as(
            "SELECT c.sweep_id, c.sweep_started_at, c.control_id, c.top_level_ou,
                    c.accounts_assessed, c.in_scope, c.with_mfa,
                    s.phishing_resistant::bigint AS phishing_resistant
             FROM mfa_coverage c
             LEFT JOIN mfa_strength s USING (sweep_id, control_id, top_level_ou)
             WHERE c.sweep_started_at > $1 AND c.sweep_started_at <= $2
             ORDER BY c.sweep_started_at, c.sweep_id, c.control_id, c.top_level_ou",
        )
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the MFA coverage"))?;
        rows.into_iter()
            .map(|row| {
                let count = |value: i64, column: &str| {
                    u32::try_from(value).map_err(|_| {
                        StoreError::Unreadable(format!("mfa_coverage.{column} {value}"))
                    })
                };
                Ok(CoveragePoint {
                    sweep_id: row.sweep_id.to_string(),
                    sweep_started_at: row.sweep_started_at,
                    control_id: parse(&row.control_id)?,
                    top_level_ou: row.top_level_ou,
                    accounts_assessed: count(row.accounts_assessed.into(), "accounts_assessed")?,
                    in_scope: count(row.in_scope.into(), "in_scope")?,
                    with_mfa: count(row.with_mfa.into(), "with_mfa")?,
                    phishing_resistant: row
                        .phishing_resistant
                        .map(|value| count(value, "phishing_resistant"))
                        .transpose()?,
                })
            })
            .collect()
    }
}

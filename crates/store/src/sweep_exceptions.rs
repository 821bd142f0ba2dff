//! The exceptions each sweep read: kept with the sweep (as they stood that day) and, for the
//! views of "now", each one's latest definition.

use crate::rows::parse;
use crate::{query_error, StoreError};
use chrono::NaiveDate;
use mfa_evaluator::ExceptionState;
use mfa_report::{ExceptionRef, SweepException};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Records the exceptions a sweep read. The latest definitions are those of the newest sweep:
/// an import of an older sweep does not overwrite them.
pub(crate) async fn write_sweep_exceptions(
    tx: &mut PgConnection,
    id: Uuid,
    exceptions: &[SweepException],
) -> Result<(), StoreError> {
    if exceptions.is_empty() {
        return Ok(());
    }
    let column = |f: fn(&SweepException) -> Option<String>| -> Vec<Option<String>> {
        exceptions.iter().map(f).collect()
    };
    let ids = column(|e| Some(e.exception.id.clone()));
    let owners = column(|e| Some(e.exception.owner.clone()));
    let reasons = column(|e| Some(e.exception.reason.clone()));
    let tickets = column(|e| e.exception.ticket.clone());
    let states = column(|e| Some(e.state.as_str().to_string()));
    let expires: Vec<NaiveDate> = exceptions.iter().map(|e| e.exception.expires).collect();
    sqlx::query(
        "INSERT INTO sweep_exceptions (sweep_id, exception_id, owner, reason, expires, ticket,
             state)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                                  $7::text[])
         ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(&ids)
    .bind(&owners)
    .bind(&reasons)
    .bind(&expires)
    .bind(&tickets)
    .bind(&states)
    .execute(&mut *tx)
    .await
    .map_err(query_error("write of a sweep's exceptions"))?;
    sqlx::query(
        "INSERT INTO exceptions (exception_id, owner, reason, expires, ticket)
         SELECT exception_id, owner, reason, expires, ticket FROM sweep_exceptions
         WHERE sweep_id = $1
           AND NOT EXISTS (SELECT 1 FROM sweeps newer, sweeps this
                           WHERE this.sweep_id = $1 AND newer.sweep_seq > this.sweep_seq)
         ON CONFLICT (exception_id) DO UPDATE SET owner = EXCLUDED.owner,
             reason = EXCLUDED.reason, expires = EXCLUDED.expires, ticket = EXCLUDED.ticket",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(query_error("update of the exceptions' definitions"))?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
struct SweepExceptionRow {
    exception_id: String,
    owner: String,
    reason: String,
    expires: NaiveDate,
    ticket: Option<String>,
    state: String,
}

/// The exceptions a sweep read, in their order of id.
pub(crate) async fn read_sweep_exceptions(
    pool: &PgPool,
    id: Uuid,
) -> Result<Vec<SweepException>, StoreError> {
    let rows: Vec<SweepExceptionRow> = sqlx::query_as(
        "SELECT exception_id, owner, reason, expires, ticket, state FROM sweep_exceptions
         WHERE sweep_id = $1 ORDER BY exception_id",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(query_error("read of a sweep's exceptions"))?;
    rows.into_iter()
        .map(|row| {
            let state = parse::<ExceptionState>(&row.state)?;
            Ok(SweepException {
                exception: ExceptionRef {
                    id: row.exception_id,
                    owner: row.owner,
                    reason: row.reason,
                    expires: row.expires,
                    ticket: row.ticket,
                },
                state,
            })
        })
        .collect()
}

/// A finding an exception covered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CoveredFinding {
    pub exception_id: String,
    pub account_id: String,
    pub account_name: String,
    pub control_id: String,
    pub resource_id: String,
}

impl crate::Store {
    /// What each exception covered in the latest sweep (empty when there is no sweep).
    pub async fn latest_exception_coverage(&self) -> Result<Vec<CoveredFinding>, StoreError> {
        sqlx::query_as(
            "SELECT x.exception_id, x.account_id, sa.account_name, x.control_id, x.resource_id
             FROM excepted_findings x
             JOIN sweep_accounts sa ON sa.sweep_id = x.sweep_id AND sa.account_id = x.account_id
             WHERE x.sweep_id = (SELECT sweep_id FROM sweeps ORDER BY sweep_seq DESC LIMIT 1)
             ORDER BY x.exception_id, x.account_id, x.control_id, x.resource_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of what the exceptions covered"))
    }
}

//! Each control's counts over the accounts a report shows, as the SQL function
//! `control_counts` decides them: the one definition the reports, the trend (written when a
//! sweep ends) and the views share.

use crate::{query_error, StoreError};
use mfa_evaluator::ControlId;
use mfa_report::ControlCounts;
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, sqlx::FromRow)]
struct CountsRow {
    control_id: String,
    accounts_failed: i32,
    accounts_passed: i32,
    accounts_not_applicable: i32,
    accounts_errored: i32,
    failing_resources: i32,
    excepted_resources: i32,
    accounts_failed_unexcepted: i32,
}

/// The counts of each of `controls` for the report of sweep `frame` (`as_of`: as a report as of
/// a day shows it). Every control has its counts, or the history is unreadable.
pub(crate) async fn control_counts(
    pool: &PgPool,
    frame: Uuid,
    as_of: bool,
    controls: &[ControlId],
) -> Result<Vec<ControlCounts>, StoreError> {
    let rows: Vec<CountsRow> = sqlx::query_as("SELECT * FROM control_counts($1, $2)")
        .bind(frame)
        .bind(as_of)
        .fetch_all(pool)
        .await
        .map_err(query_error("read of a sweep's control counts"))?;
    controls
        .iter()
        .map(|control| {
            let row = rows
                .iter()
                .find(|row| row.control_id == control.as_str())
                .ok_or_else(|| {
                    StoreError::Unreadable(format!(
                        "no counts for control {} of sweep {frame}",
                        control.as_str()
                    ))
                })?;
            counts(*control, row)
        })
        .collect()
}

fn counts(control_id: ControlId, row: &CountsRow) -> Result<ControlCounts, StoreError> {
    let count = |value: i32, what: &str| {
        usize::try_from(value).map_err(|_| {
            StoreError::Unreadable(format!(
                "control {}: {what} is {value}, not a count",
                row.control_id
            ))
        })
    };
    let counts = ControlCounts {
        control_id,
        accounts_failed: count(row.accounts_failed, "accounts_failed")?,
        accounts_passed: count(row.accounts_passed, "accounts_passed")?,
        accounts_not_applicable: count(row.accounts_not_applicable, "accounts_not_applicable")?,
        accounts_errored: count(row.accounts_errored, "accounts_errored")?,
        failing_resources: count(row.failing_resources, "failing_resources")?,
        excepted_resources: count(row.excepted_resources, "excepted_resources")?,
        accounts_failed_unexcepted: count(
            row.accounts_failed_unexcepted,
            "accounts_failed_unexcepted",
        )?,
    };
    if counts.excepted_resources > counts.failing_resources {
        return Err(StoreError::Unreadable(format!(
            "control {}: {} excepted resources but {} failing",
            row.control_id, counts.excepted_resources, counts.failing_resources
        )));
    }
    Ok(counts)
}

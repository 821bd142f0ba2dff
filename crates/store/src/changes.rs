//! What changed between each account's assessment in a report and the assessment before it:
//! the SQL function `resource_changes`, which the `changes_since_previous_sweep` view reads too,
//! for any pair of assessments, so that an older sweep and a report as of a day say what
//! changed then, by the same rule. Both hand it the spans that began at the later assessment
//! and those that ended at the earlier one.

use crate::rows::{AssessedAccountRow, ChangeRow};
use crate::{query_error, StoreError};
use mfa_report::ChangeReport;
use sqlx::PgPool;

pub(crate) async fn changes_between(
    pool: &PgPool,
    accounts: &[AssessedAccountRow],
) -> Result<Vec<ChangeReport>, StoreError> {
    let pairs: Vec<(&str, &str, i64, i64)> = accounts
        .iter()
        .filter_map(|a| {
            Some((
                a.account.account_id.as_str(),
                a.account.account_name.as_str(),
                a.assessed_seq?,
                a.previous_assessed_seq?,
            ))
        })
        .collect();
    let rows: Vec<ChangeRow> = sqlx::query_as(
        "SELECT p.account_id, p.account_name, r.control_id, r.resource_type, r.resource_id,
                r.change, r.status, r.previous_status,
                failing_change(r.change, r.status, r.previous_status) AS failing_change
         FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[])
             AS p(account_id, account_name, seq, previous_seq)
         CROSS JOIN LATERAL resource_changes(
             p.account_id, p.seq,
             ARRAY(SELECT f FROM finding_spans f
                   WHERE f.account_id = p.account_id AND f.first_sweep_seq = p.seq),
             ARRAY(SELECT f FROM finding_spans f
                   WHERE f.account_id = p.account_id AND f.last_sweep_seq = p.previous_seq)
         ) r
         ORDER BY r.change, p.account_id, r.control_id, r.resource_id",
    )
    .bind(pairs.iter().map(|p| p.0).collect::<Vec<_>>())
    .bind(pairs.iter().map(|p| p.1).collect::<Vec<_>>())
    .bind(pairs.iter().map(|p| p.2).collect::<Vec<_>>())
    .bind(pairs.iter().map(|p| p.3).collect::<Vec<_>>())
    .fetch_all(pool)
    .await
    .map_err(query_error(
        "read of the changes since the previous assessment",
    ))?;
    rows.into_iter().map(ChangeRow::into_change).collect()
}

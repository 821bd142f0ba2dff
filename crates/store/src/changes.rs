//! What changed between each account's assessment in a report and the assessment before it:
//! the `changes_since_previous_sweep` view's rules (the SQL functions `resource_change` and
//! `failing_change`, which both call), for any pair of assessments, so that an older sweep and a report as of a day say what
//! changed then.
//!
//! Only spans that began at the later assessment or ended at the earlier one can be changes: an
//! unchanged finding is one span across both.

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
        "WITH pairs AS (
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::bigint[])
                 AS p(account_id, account_name, seq, previous_seq)
         ),
         started AS (
             SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status
             FROM pairs p
             JOIN finding_spans f ON f.account_id = p.account_id AND f.first_sweep_seq = p.seq
         ),
         ended AS (
             SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status
             FROM pairs p
             JOIN finding_spans f ON f.account_id = p.account_id
                                 AND f.last_sweep_seq = p.previous_seq
         )
         SELECT d.account_id, p.account_name, d.control_id, d.resource_type, d.resource_id,
                k.change, d.status, d.previous_status,
                failing_change(k.change, d.status, d.previous_status) AS failing_change
         FROM (
             SELECT coalesce(c.account_id, e.account_id) AS account_id,
                    coalesce(c.control_id, e.control_id) AS control_id,
                    coalesce(c.resource_type, e.resource_type) AS resource_type,
                    coalesce(c.resource_id, e.resource_id) AS resource_id,
                    c.status AS status,
                    e.status AS previous_status
             FROM started c
             FULL JOIN ended e USING (account_id, control_id, resource_id)
             WHERE c.status IS DISTINCT FROM e.status
         ) d
         JOIN pairs p USING (account_id)
         CROSS JOIN LATERAL (
             SELECT resource_change(d.account_id, p.seq, d.control_id, d.resource_type,
                                    d.resource_id, d.status, d.previous_status) AS change
         ) k
         ORDER BY k.change, d.account_id, d.control_id, d.resource_id",
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

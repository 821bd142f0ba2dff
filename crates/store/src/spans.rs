//! Finding spans: one row per resource, control and unbroken run in one status (see
//! `migrations/*_finding_spans.sql`). An assessment extends the spans it sees unchanged and
//! starts the others; recorded late (an import after a newer sweep), it cuts the spans that ran
//! across it and joins what it continues.

use crate::{query_error, StoreError};
use chrono::{DateTime, Utc};
use mfa_report::{AccountReport, ControlReport, ResourceReport};
use sqlx::PgConnection;

/// The account's latest assessments and its finding spans, for an assessed account recorded in
/// the sweep `sweep_seq` (seen at `seen_at`), in the caller's transaction.
pub(crate) async fn record_assessment(
    tx: &mut PgConnection,
    sweep_seq: i64,
    seen_at: DateTime<Utc>,
    account: &AccountReport,
) -> Result<(), StoreError> {
    // The account's assessments just before and just after this one. `next` exists only
    // when this sweep is recorded late, after a newer one.
    type Neighbours = (
        Option<i64>,
        Option<DateTime<Utc>>,
        Option<i64>,
        Option<DateTime<Utc>>,
    );
    let (previous, previous_at, next, next_at): Neighbours = sqlx::query_as(
        "WITH assessed AS (
             SELECT sa.sweep_seq, s.started_at FROM sweep_accounts sa
             JOIN sweeps s USING (sweep_id)
             WHERE sa.account_id = $1 AND sa.outcome = 'assessed'
         ),
         p AS (SELECT * FROM assessed WHERE sweep_seq < $2 ORDER BY sweep_seq DESC LIMIT 1),
         n AS (SELECT * FROM assessed WHERE sweep_seq > $2 ORDER BY sweep_seq LIMIT 1)
         SELECT (SELECT sweep_seq FROM p), (SELECT started_at FROM p),
                (SELECT sweep_seq FROM n), (SELECT started_at FROM n)",
    )
    .bind(&account.account_id)
    .bind(sweep_seq)
    .fetch_one(&mut *tx)
    .await
    .map_err(query_error("read of an account's neighbouring assessments"))?;

    // The account's two latest assessments, which the views compare. In order, this one
    // becomes the latest; recorded late, it can only become the one before the latest.
    sqlx::query(
        "UPDATE accounts SET
             last_assessed_seq = CASE WHEN $3::bigint IS NULL THEN $2
                                      ELSE last_assessed_seq END,
             last_assessed_at = CASE WHEN $3::bigint IS NULL THEN $4
                                     ELSE last_assessed_at END,
             previous_assessed_seq = CASE WHEN $3::bigint IS NULL THEN $5
                                          WHEN last_assessed_seq = $3 THEN $2
                                          ELSE previous_assessed_seq END
         WHERE account_id = $1",
    )
    .bind(&account.account_id)
    .bind(sweep_seq)
    .bind(next)
    .bind(seen_at)
    .bind(previous)
    .execute(&mut *tx)
    .await
    .map_err(query_error("update of an account's latest assessments"))?;

    // Recorded late: spans that ran across this sweep (from the assessment before it to the
    // one after) are cut at it, since this sweep now says what was there at that point.
    if let (Some(previous), Some(previous_at), Some(next), Some(next_at)) =
        (previous, previous_at, next, next_at)
    {
        sqlx::query(
            "INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
                 status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
                 ordinal, evidence, exception_id)
             SELECT account_id, control_id, resource_type, resource_id, status, $3,
                    last_sweep_seq, $4, last_seen_at, ordinal, evidence, exception_id
             FROM finding_spans
             WHERE account_id = $1 AND first_sweep_seq < $2 AND last_sweep_seq > $2",
        )
        .bind(&account.account_id)
        .bind(sweep_seq)
        .bind(next)
        .bind(next_at)
        .execute(&mut *tx)
        .await
        .map_err(query_error("split of finding spans"))?;
        sqlx::query(
            "UPDATE finding_spans SET last_sweep_seq = $3, last_seen_at = $4
             WHERE account_id = $1 AND first_sweep_seq < $2 AND last_sweep_seq > $2",
        )
        .bind(&account.account_id)
        .bind(sweep_seq)
        .bind(previous)
        .bind(previous_at)
        .execute(&mut *tx)
        .await
        .map_err(query_error("split of finding spans"))?;
    }

    let resources: Vec<(&ControlReport, usize, &ResourceReport)> = account
        .controls
        .iter()
        .flat_map(|c| c.resources.iter().enumerate().map(move |(i, r)| (c, i, r)))
        .collect();
    if !resources.is_empty() {
        let control_ids: Vec<&str> = resources
            .iter()
            .map(|(c, _, _)| c.control_id.as_str())
            .collect();
        let ordinals: Vec<i32> = resources
            .iter()
            .map(|(_, i, _)| i32::try_from(*i).unwrap_or(i32::MAX))
            .collect();
        let types: Vec<&str> = resources
            .iter()
            .map(|(_, _, r)| r.resource_type.as_str())
            .collect();
        let ids: Vec<&str> = resources
            .iter()
            .map(|(_, _, r)| r.resource_id.as_str())
            .collect();
        let statuses: Vec<&str> = resources
            .iter()
            .map(|(_, _, r)| r.status.as_str())
            .collect();
        let evidence: Vec<serde_json::Value> = resources
            .iter()
            .map(|(_, _, r)| r.evidence.clone())
            .collect();
        let exceptions: Vec<Option<&str>> = resources
            .iter()
            .map(|(_, _, r)| r.exception.as_ref().map(|e| e.id.as_str()))
            .collect();
        // A resource seen in the same status at the account's previous assessment extends
        // that span; anything else starts a new one.
        sqlx::query(
            "WITH observed AS (
                 -- One row per resource and control, even from a report that lists a resource
                 -- twice (a credential report with an ARN twice): a failure wins.
                 SELECT DISTINCT ON (control_id, resource_id) *
                 FROM UNNEST($4::text[], $5::int[], $6::text[], $7::text[],
                             $8::text[], $9::jsonb[], $11::text[])
                     AS o(control_id, ordinal, resource_type, resource_id, status, evidence,
                          exception_id)
                 ORDER BY control_id, resource_id, (status = 'FAILED') DESC, ordinal
             ),
             extended AS (
                 UPDATE finding_spans f
                 SET last_sweep_seq = $2, last_seen_at = $10, evidence = o.evidence,
                     ordinal = o.ordinal, exception_id = o.exception_id
                 FROM observed o
                 WHERE f.account_id = $1 AND f.last_sweep_seq = $3
                   AND f.control_id = o.control_id AND f.resource_id = o.resource_id
                   AND f.status = o.status
                 RETURNING f.control_id, f.resource_id
             )
             INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
                 status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
                 ordinal, evidence, exception_id)
             SELECT $1, o.control_id, o.resource_type, o.resource_id, o.status, $2, $2,
                    $10, $10, o.ordinal, o.evidence, o.exception_id
             FROM observed o
             WHERE NOT EXISTS (SELECT 1 FROM extended e
                               WHERE e.control_id = o.control_id
                                 AND e.resource_id = o.resource_id)",
        )
        .bind(&account.account_id)
        .bind(sweep_seq)
        .bind(previous)
        .bind(&control_ids)
        .bind(&ordinals)
        .bind(&types)
        .bind(&ids)
        .bind(&statuses)
        .bind(&evidence)
        .bind(seen_at)
        .bind(&exceptions)
        .execute(&mut *tx)
        .await
        .map_err(query_error("write of findings"))?;
    }

    // Recorded late: a span now ending here joins the one that starts at the next
    // assessment with the same resource and status, as if recorded in order.
    if let Some(next) = next {
        sqlx::query(
            "WITH joined AS (
                 DELETE FROM finding_spans r USING finding_spans l
                 WHERE r.account_id = $1 AND r.first_sweep_seq = $3
                   AND l.account_id = $1 AND l.last_sweep_seq = $2
                   AND l.control_id = r.control_id AND l.resource_id = r.resource_id
                   AND l.status = r.status
                 RETURNING r.control_id, r.resource_id, r.status, r.last_sweep_seq,
                           r.last_seen_at, r.ordinal, r.evidence, r.exception_id
             )
             UPDATE finding_spans l
             SET last_sweep_seq = j.last_sweep_seq, last_seen_at = j.last_seen_at,
                 ordinal = j.ordinal, evidence = j.evidence, exception_id = j.exception_id
             FROM joined j
             WHERE l.account_id = $1 AND l.last_sweep_seq = $2
               AND l.control_id = j.control_id AND l.resource_id = j.resource_id
               AND l.status = j.status",
        )
        .bind(&account.account_id)
        .bind(sweep_seq)
        .bind(next)
        .execute(&mut *tx)
        .await
        .map_err(query_error("join of finding spans"))?;
    }
    Ok(())
}

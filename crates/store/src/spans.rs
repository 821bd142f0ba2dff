//! Finding spans: one row per resource, control and unbroken run in one status (see
//! `migrations/*_finding_spans.sql`). An assessment extends the spans it sees unchanged and
//! starts the others; recorded late (an import after a newer sweep), it cuts the spans that ran
//! across it and joins what it continues.

use crate::facts_columns::facts_column;
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
    let account_id = account.account_id.as_str();
    let neighbours = neighbours(tx, account_id, sweep_seq).await?;
    update_latest_assessments(tx, account_id, sweep_seq, seen_at, &neighbours).await?;
    if let (Some(previous), Some(next)) = (neighbours.previous, neighbours.next) {
        cut_spans_across(tx, account_id, sweep_seq, previous, next).await?;
    }
    extend_or_start_spans(tx, sweep_seq, seen_at, neighbours.previous_seq(), account).await?;
    if let Some(next) = neighbours.next {
        join_spans_at(tx, account_id, sweep_seq, next.seq).await?;
    }
    Ok(())
}

/// One of the account's assessments: its sweep's sequence number and start.
#[derive(Debug, Clone, Copy)]
struct Assessment {
    seq: i64,
    at: DateTime<Utc>,
}

/// The account's assessments just before and just after this one. `next` exists only when
/// this sweep is recorded late, after a newer one.
#[derive(Debug)]
struct Neighbours {
    previous: Option<Assessment>,
    next: Option<Assessment>,
}

impl Neighbours {
    fn previous_seq(&self) -> Option<i64> {
        self.previous.map(|p| p.seq)
    }
}

async fn neighbours(
    tx: &mut PgConnection,
    account_id: &str,
    sweep_seq: i64,
) -> Result<Neighbours, StoreError> {
    type Row = (
        Option<i64>,
        Option<DateTime<Utc>>,
        Option<i64>,
        Option<DateTime<Utc>>,
    );
    let (previous, previous_at, next, next_at): Row = sqlx::query_as(
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
    .bind(account_id)
    .bind(sweep_seq)
    .fetch_one(&mut *tx)
    .await
    .map_err(query_error("read of an account's neighbouring assessments"))?;
    // Both columns come from the same row of `assessed`: both or neither.
    let assessment = |seq: Option<i64>, at: Option<DateTime<Utc>>| {
        seq.zip(at).map(|(seq, at)| Assessment { seq, at })
    };
    Ok(Neighbours {
        previous: assessment(previous, previous_at),
        next: assessment(next, next_at),
    })
}

/// The account's two latest assessments, which the views compare. In order, this one becomes
/// the latest; recorded late, it can only become the one before the latest.
async fn update_latest_assessments(
    tx: &mut PgConnection,
    account_id: &str,
    sweep_seq: i64,
    seen_at: DateTime<Utc>,
    neighbours: &Neighbours,
) -> Result<(), StoreError> {
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
    .bind(account_id)
    .bind(sweep_seq)
    .bind(neighbours.next.map(|n| n.seq))
    .bind(seen_at)
    .bind(neighbours.previous_seq())
    .execute(&mut *tx)
    .await
    .map_err(query_error("update of an account's latest assessments"))?;
    Ok(())
}

/// Recorded late: spans that ran across this sweep (from the assessment before it to the one
/// after) are cut at it, since this sweep now says what was there at that point.
async fn cut_spans_across(
    tx: &mut PgConnection,
    account_id: &str,
    sweep_seq: i64,
    previous: Assessment,
    next: Assessment,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
             status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
             ordinal, evidence, exception_id, facts, critical_since_seq)
         SELECT account_id, control_id, resource_type, resource_id, status, $3,
                last_sweep_seq, $4, last_seen_at, ordinal, evidence, exception_id, facts,
                CASE WHEN critical_since_seq IS NOT NULL THEN greatest(critical_since_seq, $3)
                END
         FROM finding_spans
         WHERE account_id = $1 AND first_sweep_seq < $2 AND last_sweep_seq > $2",
    )
    .bind(account_id)
    .bind(sweep_seq)
    .bind(next.seq)
    .bind(next.at)
    .execute(&mut *tx)
    .await
    .map_err(query_error("split of finding spans"))?;
    sqlx::query(
        "UPDATE finding_spans SET last_sweep_seq = $3, last_seen_at = $4
         WHERE account_id = $1 AND first_sweep_seq < $2 AND last_sweep_seq > $2",
    )
    .bind(account_id)
    .bind(sweep_seq)
    .bind(previous.seq)
    .bind(previous.at)
    .execute(&mut *tx)
    .await
    .map_err(query_error("split of finding spans"))?;
    Ok(())
}

/// The assessment's resources as the columns `UNNEST` takes, one array per column.
struct ObservedColumns<'a> {
    control_ids: Vec<&'a str>,
    ordinals: Vec<i32>,
    types: Vec<&'a str>,
    ids: Vec<&'a str>,
    statuses: Vec<&'a str>,
    evidence: Vec<serde_json::Value>,
    exceptions: Vec<Option<&'a str>>,
    /// `NULL` where no fact was read.
    facts: Vec<Option<serde_json::Value>>,
}

impl<'a> ObservedColumns<'a> {
    /// `Ok(None)` when the account has no resource under any control.
    fn of(account: &'a AccountReport) -> Result<Option<Self>, StoreError> {
        let resources: Vec<(&ControlReport, usize, &ResourceReport)> = account
            .controls
            .iter()
            .flat_map(|c| c.resources.iter().enumerate().map(move |(i, r)| (c, i, r)))
            .collect();
        if resources.is_empty() {
            return Ok(None);
        }
        Ok(Some(ObservedColumns {
            control_ids: resources
                .iter()
                .map(|(c, _, _)| c.control_id.as_str())
                .collect(),
            ordinals: resources
                .iter()
                .map(|(_, i, _)| i32::try_from(*i).unwrap_or(i32::MAX))
                .collect(),
            types: resources
                .iter()
                .map(|(_, _, r)| r.resource_type.as_str())
                .collect(),
            ids: resources
                .iter()
                .map(|(_, _, r)| r.resource_id.as_str())
                .collect(),
            statuses: resources
                .iter()
                .map(|(_, _, r)| r.status.as_str())
                .collect(),
            evidence: resources
                .iter()
                .map(|(_, _, r)| r.evidence.clone())
                .collect(),
            exceptions: resources
                .iter()
                .map(|(_, _, r)| r.exception.as_ref().map(|e| e.id.as_str()))
                .collect(),
            facts: resources
                .iter()
                .map(|(_, _, r)| facts_column(&r.facts))
                .collect::<Result<_, _>>()?,
        }))
    }
}

/// A resource seen in the same status at the account's previous assessment extends that span;
/// anything else starts a new one.
async fn extend_or_start_spans(
    tx: &mut PgConnection,
    sweep_seq: i64,
    seen_at: DateTime<Utc>,
    previous_seq: Option<i64>,
    account: &AccountReport,
) -> Result<(), StoreError> {
    let Some(observed) = ObservedColumns::of(account)? else {
        return Ok(());
    };
    sqlx::query(
        "WITH observed AS (
             -- One row per resource and control, even from a report that lists a resource
             -- twice (a credential report with an ARN twice): a failure wins.
             SELECT DISTINCT ON (control_id, resource_id) *
             FROM UNNEST($4::text[], $5::int[], $6::text[], $7::text[],
                         $8::text[], $9::jsonb[], $11::text[], $12::jsonb[])
                 AS o(control_id, ordinal, resource_type, resource_id, status, evidence,
                      exception_id, facts)
             ORDER BY control_id, resource_id, (status = 'FAILED') DESC, ordinal
         ),
         extended AS (
             UPDATE finding_spans f
             SET last_sweep_seq = $2, last_seen_at = $10, evidence = o.evidence,
                 ordinal = o.ordinal, exception_id = o.exception_id, facts = o.facts,
                 -- A priority not decided this time (the facts not read) is no break.
                 critical_since_seq = CASE WHEN o.facts->>'priority' = 'critical'
                                           THEN coalesce(f.critical_since_seq, $2)
                                           WHEN o.facts->>'priority' IS NULL
                                           THEN f.critical_since_seq END
             FROM observed o
             WHERE f.account_id = $1 AND f.last_sweep_seq = $3
               AND f.control_id = o.control_id AND f.resource_id = o.resource_id
               AND f.status = o.status
             RETURNING f.control_id, f.resource_id
         )
         INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
             status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
             ordinal, evidence, exception_id, facts, critical_since_seq)
         SELECT $1, o.control_id, o.resource_type, o.resource_id, o.status, $2, $2,
                $10, $10, o.ordinal, o.evidence, o.exception_id, o.facts,
                CASE WHEN o.facts->>'priority' = 'critical' THEN $2 END
         FROM observed o
         WHERE NOT EXISTS (SELECT 1 FROM extended e
                           WHERE e.control_id = o.control_id
                             AND e.resource_id = o.resource_id)",
    )
    .bind(&account.account_id)
    .bind(sweep_seq)
    .bind(previous_seq)
    .bind(&observed.control_ids)
    .bind(&observed.ordinals)
    .bind(&observed.types)
    .bind(&observed.ids)
    .bind(&observed.statuses)
    .bind(&observed.evidence)
    .bind(seen_at)
    .bind(&observed.exceptions)
    .bind(&observed.facts)
    .execute(&mut *tx)
    .await
    .map_err(query_error("write of findings"))?;
    Ok(())
}

/// Recorded late: a span now ending here joins the one that starts at the next assessment
/// (`next_seq`) with the same resource and status, as if recorded in order.
async fn join_spans_at(
    tx: &mut PgConnection,
    account_id: &str,
    sweep_seq: i64,
    next_seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "WITH joined AS (
             DELETE FROM finding_spans r USING finding_spans l
             WHERE r.account_id = $1 AND r.first_sweep_seq = $3
               AND l.account_id = $1 AND l.last_sweep_seq = $2
               AND l.control_id = r.control_id AND l.resource_id = r.resource_id
               AND l.status = r.status
             RETURNING r.control_id, r.resource_id, r.status, r.last_sweep_seq,
                       r.last_seen_at, r.ordinal, r.evidence, r.exception_id, r.facts,
                       r.critical_since_seq
         )
         UPDATE finding_spans l
         SET last_sweep_seq = j.last_sweep_seq, last_seen_at = j.last_seen_at,
             ordinal = j.ordinal, evidence = j.evidence, exception_id = j.exception_id,
             facts = j.facts,
             critical_since_seq = CASE WHEN j.critical_since_seq IS NOT NULL
                                       THEN coalesce(l.critical_since_seq, j.critical_since_seq)
                                  END
         FROM joined j
         WHERE l.account_id = $1 AND l.last_sweep_seq = $2
           AND l.control_id = j.control_id AND l.resource_id = j.resource_id
           AND l.status = j.status",
    )
    .bind(account_id)
    .bind(sweep_seq)
    .bind(next_seq)
    .execute(&mut *tx)
    .await
    .map_err(query_error("join of finding spans"))?;
    Ok(())
}

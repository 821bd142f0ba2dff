//! Reading back: a stored sweep, whole, or the organization as it stood at the end of a day;
//! and the current findings (the CSV export).
//!
//! Both shapes are one walk: pick the report's sweep, then for each of its accounts the
//! assessment its findings come from (that sweep's, or as of a day, the last one up to that
//! sweep), then read those assessments' control results, findings and changes together.

use crate::changes::changes_between;
use crate::counts::control_counts;
use crate::facts_columns::guardrail_scps_error;
use crate::rows::{AssessedAccountRow, ControlRow, CurrentFindingRow, SpanRow, SweepRow};
use crate::sweep_exceptions::read_sweep_exceptions;
use crate::{parse_sweep_id, query_error, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use mfa_evaluator::ControlId;
use mfa_report::{
    AccountReport, AsOf, ControlReport, EarlierAssessment, FindingRow, Outcome, ResourceReport,
    SweepReport, SCHEMA_VERSION,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Which sweep to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepSelector {
    Latest,
    /// The latest sweep that is not still running: what a page served during a sweep shows.
    LatestFinished,
    Id(String),
    /// The organization at the end of this day (UTC): the last finished sweep that started by
    /// then, each account as the last sweep up to it that assessed the account saw it.
    AsOf(NaiveDate),
}

/// How much evidence a report read back carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Every resource's: the JSON, OCSF and ASFF reports.
    Full,
    /// The root users' alone (IAM.9's, which says whether root credentials are present, for the
    /// centralized root access line), and why a resource is not evaluated (the
    /// `not_evaluated` key alone); other resources' evidence is null. The text and HTML
    /// reports show no other evidence, and reading it is most of the time a large report takes.
    /// Every resource's facts (the CSV shows them on every row).
    Summary,
    /// [`Evidence::Summary`], with the facts of failing resources and user pools alone: what
    /// the text and HTML reports show of them (Fix first, the weak pools).
    Page,
}

/// The end of a day in UTC: the first instant of the next.
pub(crate) fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    (date + chrono::Days::new(1))
        .and_hms_opt(0, 0, 0)
        .map_or(DateTime::<Utc>::MAX_UTC, |midnight| midnight.and_utc())
}

impl Store {
    /// Reads a stored sweep back, whole, or the organization as of a day.
    pub async fn load_report(&self, selector: &SweepSelector) -> Result<SweepReport, StoreError> {
        self.load_report_with(selector, Evidence::Full).await
    }

    /// [`Store::load_report`], with as much evidence as asked.
    pub async fn load_report_with(
        &self,
        selector: &SweepSelector,
        evidence: Evidence,
    ) -> Result<SweepReport, StoreError> {
        let row = self.select_sweep(selector).await?;
        let mut sweep = row.info()?;
        sweep.exceptions = read_sweep_exceptions(&self.pool, row.sweep_id).await?;
        let as_of_a_day = matches!(selector, SweepSelector::AsOf(_));
        let account_rows = self.assessed_accounts(row.sweep_id, as_of_a_day).await?;
        let assessments = Assessments::of(&account_rows);
        let control_rows = self.control_rows(&assessments).await?;
        let span_rows = self.span_rows(&assessments, evidence).await?;
        let changes = changes_between(&self.pool, &account_rows).await?;

        let controls_by_account = controls_by_account(control_rows, span_rows)?;
        let (accounts, earlier_assessments) =
            account_reports(account_rows, controls_by_account, row.sweep_id)?;
        let as_of = match selector {
            SweepSelector::AsOf(date) => Some(AsOf {
                date: *date,
                end: end_of_day(*date),
                earlier_assessments,
            }),
            _ => None,
        };
        let control_counts =
            control_counts(&self.pool, row.sweep_id, as_of.is_some(), &sweep.controls).await?;
        Ok(SweepReport {
            schema_version: SCHEMA_VERSION,
            sweep,
            accounts,
            changes_since_previous_sweep: changes,
            as_of,
            control_counts,
            standards: Vec::new(),
        })
    }

    /// Each account of the sweep with the assessment its findings come from: this sweep's, or
    /// as of a day, that of the last sweep up to this one that assessed it (none for a skipped
    /// account). A sweep's time is its start, as for `failing_since`.
    async fn assessed_accounts(
        &self,
        sweep_id: Uuid,
        as_of_a_day: bool,
    ) -> Result<Vec<AssessedAccountRow>, StoreError> {
        sqlx::query_as(
            "SELECT sa.*, asm.sweep_id AS assessed_sweep_id, asm.sweep_seq AS assessed_seq,
                    asm.started_at AS assessed_at, prev.sweep_seq AS previous_assessed_seq,
                    asm.regions AS assessed_regions,
                    asm.mfa_guardrail_scps AS assessed_guardrail_scps,
                    asm.mfa_guardrail_scps_error AS assessed_guardrail_scps_error
             FROM sweep_accounts sa
             LEFT JOIN LATERAL (
                 SELECT x.sweep_id, x.sweep_seq, s.started_at, x.regions, x.mfa_guardrail_scps,
                        x.mfa_guardrail_scps_error
                 FROM sweep_accounts x
                 JOIN sweeps s ON s.sweep_id = x.sweep_id
                 WHERE x.account_id = sa.account_id AND x.outcome = 'assessed'
                   AND sa.outcome <> 'skipped'
                   AND CASE WHEN $2 THEN x.sweep_seq <= sa.sweep_seq
                            ELSE x.sweep_id = sa.sweep_id END
                 ORDER BY x.sweep_seq DESC LIMIT 1
             ) asm ON true
             LEFT JOIN LATERAL (
                 SELECT y.sweep_seq FROM sweep_accounts y
                 WHERE y.account_id = sa.account_id AND y.outcome = 'assessed'
                   AND y.sweep_seq < asm.sweep_seq
                 ORDER BY y.sweep_seq DESC LIMIT 1
             ) prev ON true
             WHERE sa.sweep_id = $1
             ORDER BY sa.ou_path, sa.account_name, sa.account_id",
        )
        .bind(sweep_id)
        .bind(as_of_a_day)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's accounts"))
    }

    /// The control results of the assessments.
    async fn control_rows(
        &self,
        assessments: &Assessments<'_>,
    ) -> Result<Vec<ControlRow>, StoreError> {
        sqlx::query_as(
            "SELECT cr.* FROM UNNEST($1::text[], $2::uuid[]) AS a(account_id, sweep_id)
             JOIN control_results cr ON cr.sweep_id = a.sweep_id AND cr.account_id = a.account_id",
        )
        .bind(&assessments.account_ids)
        .bind(&assessments.sweep_ids)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's control results"))
    }

    /// Each finding as of its assessment, with the exception that covered it then, in the
    /// order the assessment listed them. The spans that end at or after an assessment are few
    /// (those current then); the ones that began before it are the account's whole history:
    /// `+ 0` keeps the planner on the index of the first kind (finding_spans_account_last).
    /// Ordered here, not in SQL: a sort of the whole organization's findings would spill to
    /// disk.
    async fn span_rows(
        &self,
        assessments: &Assessments<'_>,
        evidence: Evidence,
    ) -> Result<Vec<SpanRow>, StoreError> {
        let mut span_rows: Vec<SpanRow> = sqlx::query_as(
            "SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status,
                    CASE WHEN $4 OR f.control_id = $5 THEN f.evidence
                         WHEN f.status = 'NOT_APPLICABLE'
                         THEN jsonb_build_object('not_evaluated', f.evidence->'not_evaluated')
                         ELSE 'null'::jsonb END AS evidence,
                    f.ordinal,
                    CASE WHEN NOT $6 OR f.status = 'FAILED' OR f.control_id = $7
                         THEN f.facts END AS facts,
                    CASE WHEN f.status = 'FAILED' THEN f.first_seen_at END AS failing_since,
                    x.exception_id, se.owner AS exception_owner,
                    se.reason AS exception_reason, se.expires AS exception_expires,
                    se.ticket AS exception_ticket
             FROM UNNEST($1::text[], $2::uuid[], $3::bigint[]) AS a(account_id, sweep_id, seq)
             JOIN finding_spans f ON f.account_id = a.account_id
                  AND f.last_sweep_seq >= a.seq AND f.first_sweep_seq + 0 <= a.seq
             LEFT JOIN excepted_findings x ON x.sweep_id = a.sweep_id
                  AND x.account_id = f.account_id AND x.control_id = f.control_id
                  AND x.resource_id = f.resource_id AND f.status = 'FAILED'
             LEFT JOIN sweep_exceptions se ON se.sweep_id = x.sweep_id
                  AND se.exception_id = x.exception_id",
        )
        .bind(&assessments.account_ids)
        .bind(&assessments.sweep_ids)
        .bind(&assessments.sweep_seqs)
        .bind(evidence == Evidence::Full)
        // Kept in a summary: the centralized root access line counts root credentials by it.
        .bind(ControlId::Iam9.as_str())
        .bind(evidence == Evidence::Page)
        // Kept on a page: the weak user pools section reads pools' facts.
        .bind(ControlId::Cognito5.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's findings"))?;
        span_rows.sort_by_key(|span| span.ordinal);
        Ok(span_rows)
    }

    /// The report's sweep: the latest, the latest finished, a given one, or the last finished
    /// one that started by the end of a day (any, when none had finished by then).
    async fn select_sweep(&self, selector: &SweepSelector) -> Result<SweepRow, StoreError> {
        match selector {
            SweepSelector::Latest => sqlx::query_as(
                "SELECT * FROM sweeps ORDER BY started_at DESC, sweep_id DESC LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read of the latest sweep"))?
            .ok_or(StoreError::NoSweeps),
            SweepSelector::LatestFinished => sqlx::query_as(
                "SELECT * FROM sweeps WHERE status <> 'running'
                 ORDER BY started_at DESC, sweep_id DESC LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read of the latest finished sweep"))?
            .ok_or(StoreError::NoFinishedSweep),
            SweepSelector::Id(id) => sqlx::query_as("SELECT * FROM sweeps WHERE sweep_id = $1")
                .bind(parse_sweep_id(id)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read of a sweep"))?
                .ok_or_else(|| StoreError::NoSuchSweep(id.clone())),
            SweepSelector::AsOf(date) => sqlx::query_as(
                "SELECT * FROM sweeps WHERE started_at < $1
                 ORDER BY status IN ('completed', 'partial') DESC, started_at DESC, sweep_id DESC
                 LIMIT 1",
            )
            .bind(end_of_day(*date))
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read of the sweep as of a day"))?
            .ok_or(StoreError::NoSweepBy(*date)),
        }
    }

    /// The `current_findings` view, for the CSV export, with the facts read beside each.
    pub async fn current_findings(&self) -> Result<Vec<FindingRow>, StoreError> {
        let rows: Vec<CurrentFindingRow> = sqlx::query_as(
            "SELECT f.account_id, f.account_name, f.ou_path, f.control_id, c.severity,
                    f.resource_type, f.resource_id, f.status, f.failing_since,
                    f.last_assessed_at, f.account_state, f.exception_id, f.exception_owner,
                    f.exception_expires, f.priority, f.phishing_resistant, f.mfa_enforcement,
                    f.admin_equivalent,
                    CASE WHEN f.status = 'NOT_APPLICABLE'
                         THEN coalesce(f.evidence->>'not_evaluated', '(no reason recorded)')
                    END AS not_evaluated
             FROM current_findings f JOIN controls c USING (control_id)
             ORDER BY f.account_id, f.control_id, f.resource_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the current findings"))?;
        rows.into_iter().map(FindingRow::try_from).collect()
    }
}

/// The assessments a report's findings come from, as the columns `UNNEST` takes.
struct Assessments<'a> {
    account_ids: Vec<&'a str>,
    sweep_ids: Vec<Uuid>,
    sweep_seqs: Vec<i64>,
}

impl<'a> Assessments<'a> {
    /// The accounts that have one (not those skipped, nor those never assessed).
    fn of(account_rows: &'a [AssessedAccountRow]) -> Self {
        let assessed = account_rows.iter().filter_map(|a| {
            Some((
                a.account.account_id.as_str(),
                a.assessed_sweep_id?,
                a.assessed_seq?,
            ))
        });
        let mut assessments = Assessments {
            account_ids: Vec::new(),
            sweep_ids: Vec::new(),
            sweep_seqs: Vec::new(),
        };
        for (account_id, sweep_id, sweep_seq) in assessed {
            assessments.account_ids.push(account_id);
            assessments.sweep_ids.push(sweep_id);
            assessments.sweep_seqs.push(sweep_seq);
        }
        assessments
    }
}

/// Each account's control reports, with their resources in the assessment's order.
fn controls_by_account(
    control_rows: Vec<ControlRow>,
    span_rows: Vec<SpanRow>,
) -> Result<HashMap<String, Vec<ControlReport>>, StoreError> {
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
        let failed_unexcepted = control_row.failed_unexcepted()?;
        let resources = resources
            .remove(&(control_row.account_id.clone(), control_row.control_id))
            .unwrap_or_default();
        controls_by_account
            .entry(control_row.account_id)
            .or_default()
            .push(ControlReport {
                failed_unexcepted,
                ..ControlReport::new(control, status, control_row.error.into_error()?, resources)
            });
    }
    Ok(controls_by_account)
}

/// The report's accounts in the sweep's order, and those whose findings come from an earlier
/// sweep than the report's (`report_sweep`).
fn account_reports(
    account_rows: Vec<AssessedAccountRow>,
    mut controls_by_account: HashMap<String, Vec<ControlReport>>,
    report_sweep: Uuid,
) -> Result<(Vec<AccountReport>, Vec<EarlierAssessment>), StoreError> {
    let mut earlier_assessments = Vec::new();
    let mut accounts = Vec::with_capacity(account_rows.len());
    for assessed in account_rows {
        let guardrail_scps_error = guardrail_scps_error(&assessed)?;
        let regions = assessed.assessed_regions;
        let guardrail_scps = assessed.assessed_guardrail_scps;
        let account_row = assessed.account;
        if let (Some(sweep_id), Some(assessed_at)) =
            (assessed.assessed_sweep_id, assessed.assessed_at)
        {
            if sweep_id != report_sweep {
                earlier_assessments.push(EarlierAssessment {
                    account_id: account_row.account_id.clone(),
                    sweep_id: sweep_id.to_string(),
                    assessed_at,
                });
            }
        }
        let outcome = account_row.outcome()?;
        let mut controls = match controls_by_account.remove(&account_row.account_id) {
            Some(controls) => controls,
            // Every assessment writes all its controls in one transaction, and they are
            // never pruned: an assessed account without them is a broken history.
            None if outcome == Outcome::Assessed => {
                return Err(StoreError::Unreadable(format!(
                    "account {} was assessed but none of its control results were found",
                    account_row.account_id
                )))
            }
            None => Vec::new(),
        };
        controls.sort_by_key(|c| c.control_id);
        accounts.push(AccountReport {
            outcome,
            skip_reason: account_row.skip_reason()?,
            account_id: account_row.account_id,
            account_name: account_row.account_name,
            ou_path: account_row.ou_path,
            error: account_row.error.into_error()?,
            controls,
            regions,
            mfa_guardrail_scps: guardrail_scps,
            mfa_guardrail_scps_error: guardrail_scps_error,
        });
    }
    Ok((accounts, earlier_assessments))
}

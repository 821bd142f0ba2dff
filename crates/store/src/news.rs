//! What is new in a sweep beyond its findings' changes (those are the
//! `changes_since_previous_sweep` view): accounts that now error, exceptions whose state
//! changed, and identities that became critical. What the notifications tell.

use crate::{parse_sweep_id, query_error, Store, StoreError};
use std::collections::{BTreeSet, HashMap};

/// What changed in a sweep besides the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepNews {
    /// Accounts that errored in this sweep and not at their previous assessment (or had none).
    pub newly_errored: BTreeSet<String>,
    /// Exceptions now `expiring` or `expired` that were not so in the previous sweep, each with
    /// the accounts where it covered findings in either sweep.
    pub exceptions_changed: HashMap<String, BTreeSet<String>>,
    /// Identities (account id, resource id) that became `critical` in this sweep: critical
    /// now, and not at their account's previous assessment (none at its first).
    pub became_critical: BTreeSet<(String, String)>,
}

impl Store {
    pub async fn sweep_news(&self, sweep_id: &str) -> Result<SweepNews, StoreError> {
        let sweep_id = parse_sweep_id(sweep_id)?;
        let newly_errored: Vec<(String,)> = sqlx::query_as(
            "SELECT sa.account_id
             FROM sweep_accounts sa JOIN sweeps s USING (sweep_id)
             WHERE sa.sweep_id = $1 AND sa.outcome = 'error'
               AND NOT EXISTS (
                   SELECT 1 FROM (
                       SELECT p.outcome FROM sweep_accounts p JOIN sweeps ps USING (sweep_id)
                       WHERE p.account_id = sa.account_id AND ps.sweep_seq < s.sweep_seq
                       ORDER BY ps.sweep_seq DESC LIMIT 1
                   ) previous
                   WHERE previous.outcome = 'error')",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the accounts that now error"))?;
        let exceptions: Vec<(String, Vec<String>)> = sqlx::query_as(
            "SELECT e.exception_id,
                    ARRAY(SELECT DISTINCT x.account_id FROM excepted_findings x
                          WHERE x.exception_id = e.exception_id
                            AND x.sweep_id IN (e.sweep_id, previous.sweep_id)
                          ORDER BY x.account_id)
             FROM sweep_exceptions e
             JOIN sweeps s USING (sweep_id)
             LEFT JOIN LATERAL (
                 SELECT ps.sweep_id FROM sweeps ps WHERE ps.sweep_seq < s.sweep_seq
                 ORDER BY ps.sweep_seq DESC LIMIT 1
             ) previous ON true
             LEFT JOIN sweep_exceptions pe
                    ON pe.sweep_id = previous.sweep_id AND pe.exception_id = e.exception_id
             WHERE e.sweep_id = $1 AND e.state <> 'active'
               AND pe.state IS DISTINCT FROM e.state
             ORDER BY e.exception_id",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the exceptions whose state changed"))?;
        let became_critical: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT f.account_id, f.resource_id
             FROM finding_spans f
             JOIN sweeps s ON s.sweep_seq = f.critical_since_seq
             JOIN sweep_accounts sa ON sa.sweep_id = s.sweep_id AND sa.account_id = f.account_id
             WHERE s.sweep_id = $1
               -- As for new failures: an account's first assessment changes nothing.
               AND EXISTS (SELECT 1 FROM sweep_accounts p
                           WHERE p.account_id = f.account_id AND p.outcome = 'assessed'
                             AND p.sweep_seq < s.sweep_seq)",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the identities that became critical"))?;
        Ok(SweepNews {
            became_critical: became_critical.into_iter().collect(),
            newly_errored: newly_errored.into_iter().map(|(id,)| id).collect(),
            exceptions_changed: exceptions
                .into_iter()
                .map(|(id, accounts)| (id, accounts.into_iter().collect()))
                .collect(),
        })
    }
}

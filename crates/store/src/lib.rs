//! The sweep history in PostgreSQL: migrations, one transaction per account, and the read-back
//! that reports are made from.
//!
//! The store knows nothing of AWS: it stores what the report model holds. Every query is
//! parameterised; bulk rows go through `UNNEST` arrays, not one `INSERT` per row.

use chrono::{DateTime, Utc};
use mfa_evaluator::{ControlId, DataError, ResourceType, Status};
use mfa_report::{
    AccountReport, ChangeReport, ControlReport, CurrentFinding, Outcome, ResourceReport,
    SkipReason, SweepInfo, SweepReport, SweepStatus, SCHEMA_VERSION,
};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

/// The migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL is not valid: {0}")]
    BadUrl(#[source] sqlx::Error),
    #[error("cannot connect to PostgreSQL at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database {operation} failed: {source}")]
    Query {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("no sweep {0} in the database")]
    NoSuchSweep(String),
    #[error("the database holds no sweep yet: run `mfa-auditor sweep` first")]
    NoSweeps,
    #[error("another sweep is running ({0}); not starting a second one (set schedule.if_sweep_running = \"wait\" to wait for it)")]
    SweepRunning(String),
    #[error("nothing to resume: {0}")]
    NothingToResume(String),
    #[error("the database holds a value this version cannot read: {0}")]
    Unreadable(String),
}

impl StoreError {
    /// Whether the database (or the way to it) is gone, rather than the request being wrong:
    /// the errors worth retrying, and spooling through when they last.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Query { source, .. } => match source {
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_) => true,
                // The server shutting down or restarting: admin_shutdown, crash_shutdown,
                // cannot_connect_now (SQLSTATE class 57P).
                sqlx::Error::Database(error) => {
                    error.code().is_some_and(|code| code.starts_with("57P"))
                }
                _ => false,
            },
            _ => false,
        }
    }
}

fn query_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

/// The advisory lock every sweep holds: one sweep at a time, across processes and hosts.
const SWEEP_LOCK_KEY: i64 = 0x6d66_615f_7377_6570; // "mfa_swep"

/// Held for the whole of a sweep; released when dropped (its connection closes).
#[derive(Debug)]
pub struct SweepLock {
    connection: sqlx::PgConnection,
}

impl SweepLock {
    /// Makes sure the lock is still held. The lock lives on one connection, so a database
    /// restart releases it: this takes it again on a new connection, unless another sweep took
    /// it meanwhile ([`StoreError::SweepRunning`]). Cheap when all is well: one round trip.
    pub async fn ensure_held(&mut self, store: &Store) -> Result<(), StoreError> {
        use sqlx::Connection;
        if self.connection.ping().await.is_ok() {
            return Ok(());
        }
        let mut connection = store
            .pool
            .acquire()
            .await
            .map_err(query_error("connection for the sweep lock"))?
            .detach();
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SWEEP_LOCK_KEY)
            .fetch_one(&mut connection)
            .await
            .map_err(query_error("take of the sweep lock"))?;
        if !locked {
            let _ = connection.close().await;
            return Err(StoreError::SweepRunning(
                "another sweep took the lock while the database was away".to_string(),
            ));
        }
        self.connection = connection;
        Ok(())
    }
}

/// What [`Store::record_account`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Written,
    /// The account was already recorded in that sweep (an import run twice); nothing changed.
    AlreadyPresent,
}

/// An interrupted sweep and the accounts it recorded before it stopped.
#[derive(Debug, Clone)]
pub struct ResumableSweep {
    pub sweep: SweepInfo,
    pub done: HashMap<String, Outcome>,
}

/// Which sweep to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepSelector {
    Latest,
    Id(String),
}

/// A handle on the history database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

/// `host:port/database` of a database URL, without user or password, for error messages.
pub fn describe_url(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(options) => format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        ),
        Err(_) => "(unparsable URL)".to_string(),
    }
}

impl Store {
    /// Connects, failing fast (within `connect_timeout`) when the server is unreachable.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::BadUrl)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(connect_timeout)
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect {
                target: describe_url(url),
                source,
            })?;
        Ok(Store { pool })
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies pending migrations and refreshes the control catalogue.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        self.upsert_controls().await
    }

    async fn upsert_controls(&self) -> Result<(), StoreError> {
        let ids: Vec<&str> = ControlId::ALL.iter().map(|c| c.as_str()).collect();
        let titles: Vec<&str> = ControlId::ALL.iter().map(|c| c.title()).collect();
        let severities: Vec<&str> = ControlId::ALL
            .iter()
            .map(|c| c.severity().as_str())
            .collect();
        let remediations: Vec<&str> = ControlId::ALL.iter().map(|c| c.remediation()).collect();
        let rules: Vec<&str> = ControlId::ALL.iter().map(|c| c.config_rule()).collect();
        sqlx::query(
            "INSERT INTO controls (control_id, title, severity, remediation, config_rule)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT (control_id) DO UPDATE SET title = EXCLUDED.title,
                 severity = EXCLUDED.severity, remediation = EXCLUDED.remediation,
                 config_rule = EXCLUDED.config_rule",
        )
        .bind(&ids)
        .bind(&titles)
        .bind(&severities)
        .bind(&remediations)
        .bind(&rules)
        .execute(&self.pool)
        .await
        .map_err(query_error("upsert of the control catalogue"))?;
        Ok(())
    }

    /// Takes the sweep lock if no other sweep holds it (`None` when one does). Sweeps left
    /// `running` by a process that died are then marked `interrupted`: with the lock held, none
    /// of them can still be running.
    pub async fn try_lock_for_sweep(&self) -> Result<Option<SweepLock>, StoreError> {
        use sqlx::Connection;
        // A connection of its own, never returned to the pool: the lock lives exactly as long.
        let mut connection = self
            .pool
            .acquire()
            .await
            .map_err(query_error("connection for the sweep lock"))?
            .detach();
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(SWEEP_LOCK_KEY)
            .fetch_one(&mut connection)
            .await
            .map_err(query_error("take of the sweep lock"))?;
        if !locked {
            let _ = connection.close().await;
            return Ok(None);
        }
        sqlx::query("UPDATE sweeps SET status = 'interrupted' WHERE status = 'running'")
            .execute(&mut connection)
            .await
            .map_err(query_error("marking of interrupted sweeps"))?;
        Ok(Some(SweepLock { connection }))
    }

    /// The sweep that holds the lock, as a person reads it: `sweep ID, started T`.
    pub async fn running_sweep(&self) -> Result<String, StoreError> {
        let running: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT sweep_id, started_at FROM sweeps WHERE status = 'running'
             ORDER BY started_at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("read of the running sweep"))?;
        Ok(match running {
            Some((id, started)) => format!("sweep {id}, started {started}"),
            None => "it has not recorded its start yet".to_string(),
        })
    }

    /// The latest sweep, when it was interrupted: what `sweep --resume` finishes. Errors with
    /// [`StoreError::NothingToResume`] when the latest sweep is not interrupted, since resuming
    /// an older one would date its findings before newer ones.
    pub async fn resumable_sweep(&self) -> Result<ResumableSweep, StoreError> {
        let latest = sqlx::query("SELECT * FROM sweeps ORDER BY sweep_seq DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read of the latest sweep"))?;
        let Some(row) = latest else {
            return Err(StoreError::NothingToResume(
                "the database holds no sweep".to_string(),
            ));
        };
        let sweep = sweep_info(&row)?;
        if sweep.status != SweepStatus::Interrupted {
            return Err(StoreError::NothingToResume(format!(
                "the latest sweep, {}, is {}",
                sweep.id,
                sweep.status.as_str()
            )));
        }
        // Only what resuming needs: which accounts are done, not their findings.
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT account_id, outcome FROM sweep_accounts WHERE sweep_id = $1")
                .bind(get::<Uuid>(&row, "sweep_id")?)
                .fetch_all(&self.pool)
                .await
                .map_err(query_error("read of a sweep's accounts"))?;
        let done = rows
            .into_iter()
            .map(|(account_id, outcome)| {
                Outcome::parse(&outcome)
                    .map(|outcome| (account_id, outcome))
                    .ok_or_else(|| StoreError::Unreadable(format!("outcome {outcome:?}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(ResumableSweep { sweep, done })
    }

    /// Marks an interrupted sweep `running` again, for `sweep --resume`.
    pub async fn reopen_sweep(&self, sweep_id: &str) -> Result<(), StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let reopened = sqlx::query(
            "UPDATE sweeps SET status = 'running', finished_at = NULL
             WHERE sweep_id = $1 AND status = 'interrupted'",
        )
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(query_error("reopening of an interrupted sweep"))?;
        if reopened.rows_affected() == 0 {
            return Err(StoreError::NothingToResume(format!(
                "sweep {sweep_id} is no longer interrupted"
            )));
        }
        Ok(())
    }

    /// When the latest sweep that finished (completed or partial) finished.
    pub async fn last_successful_sweep(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        sqlx::query_scalar(
            "SELECT max(finished_at) FROM sweeps WHERE status IN ('completed', 'partial')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(query_error("read of the last successful sweep"))
    }

    /// Records the start of a sweep (status `running`). Recording the same sweep twice (an
    /// import of a sweep whose start is already there) changes nothing.
    pub async fn begin_sweep(&self, sweep: &SweepInfo) -> Result<(), StoreError> {
        let id = parse_sweep_id(&sweep.id)?;
        let controls: Vec<&str> = sweep.controls.iter().map(|c| c.as_str()).collect();
        sqlx::query(
            "INSERT INTO sweeps (sweep_id, started_at, finished_at, status, organization_id,
                                 management_account_id, regions, controls)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (sweep_id) DO NOTHING",
        )
        .bind(id)
        .bind(sweep.started_at)
        .bind(sweep.finished_at)
        .bind(sweep.status.as_str())
        .bind(&sweep.organization_id)
        .bind(&sweep.management_account_id)
        .bind(&sweep.regions)
        .bind(&controls)
        .execute(&self.pool)
        .await
        .map_err(query_error("insert of a sweep"))?;
        Ok(())
    }

    /// Records one account's results in one transaction: all of it or none.
    ///
    /// Idempotent: an account already recorded in this sweep is left as it is, so spooled
    /// results can be imported twice. Order-independent: a sweep recorded after a later one
    /// (an import that came late) is slotted into the account's history where it belongs.
    pub async fn record_account(
        &self,
        sweep_id: &str,
        account: &AccountReport,
    ) -> Result<Recorded, StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_error("begin of an account transaction"))?;
        // Findings are dated by the sweep that saw them, not by when the row was written.
        let (sweep_seq, seen_at): (i64, DateTime<Utc>) =
            sqlx::query_as("SELECT sweep_seq, started_at FROM sweeps WHERE sweep_id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(query_error("read of a sweep's sequence number"))?
                .ok_or_else(|| StoreError::NoSuchSweep(sweep_id.to_string()))?;
        let error = account.error.as_ref();
        let inserted = sqlx::query(
            "INSERT INTO sweep_accounts (sweep_id, sweep_seq, account_id, account_name, ou_path,
                 outcome, skip_reason, error_operation, error_region, error_code, error_message,
                 error_request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (sweep_id, account_id) DO NOTHING",
        )
        .bind(id)
        .bind(sweep_seq)
        .bind(&account.account_id)
        .bind(&account.account_name)
        .bind(&account.ou_path)
        .bind(account.outcome.as_str())
        .bind(account.skip_reason.map(|r| r.as_str()))
        .bind(error.map(|e| &e.operation))
        .bind(error.map(|e| &e.region))
        .bind(error.and_then(|e| e.code.as_ref()))
        .bind(error.map(|e| &e.message))
        .bind(error.and_then(|e| e.request_id.as_ref()))
        .execute(&mut *tx)
        .await
        .map_err(query_error("insert of an account"))?
        .rows_affected();
        if inserted == 0 {
            return Ok(Recorded::AlreadyPresent);
        }

        // The account's latest state moves only forward: a late import does not overwrite it.
        sqlx::query(
            "INSERT INTO accounts AS a (account_id, account_name, ou_path, last_sweep_seq,
                 last_outcome, last_skip_reason)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (account_id) DO UPDATE SET
                 account_name = EXCLUDED.account_name,
                 ou_path = EXCLUDED.ou_path,
                 last_sweep_seq = EXCLUDED.last_sweep_seq,
                 last_outcome = EXCLUDED.last_outcome,
                 last_skip_reason = EXCLUDED.last_skip_reason
             WHERE a.last_sweep_seq <= EXCLUDED.last_sweep_seq",
        )
        .bind(&account.account_id)
        .bind(&account.account_name)
        .bind(&account.ou_path)
        .bind(sweep_seq)
        .bind(account.outcome.as_str())
        .bind(account.skip_reason.map(|r| r.as_str()))
        .execute(&mut *tx)
        .await
        .map_err(query_error("update of an account's latest state"))?;

        if account.outcome == Outcome::Assessed {
            self.record_assessment(&mut tx, id, sweep_seq, seen_at, account)
                .await?;
        }
        tx.commit()
            .await
            .map_err(query_error("commit of an account transaction"))?;
        Ok(Recorded::Written)
    }

    /// The control results and finding spans of an assessed account.
    async fn record_assessment(
        &self,
        tx: &mut sqlx::PgConnection,
        id: Uuid,
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

        if !account.controls.is_empty() {
            let mut control_ids = Vec::new();
            let mut statuses = Vec::new();
            let mut operations = Vec::new();
            let mut regions = Vec::new();
            let mut codes = Vec::new();
            let mut messages = Vec::new();
            let mut request_ids = Vec::new();
            let mut failed = Vec::new();
            let mut passed = Vec::new();
            for control in &account.controls {
                control_ids.push(control.control_id.as_str());
                statuses.push(control.status.as_str());
                let error = control.error.as_ref();
                operations.push(error.map(|e| e.operation.as_str()));
                regions.push(error.map(|e| e.region.as_str()));
                codes.push(error.and_then(|e| e.code.as_deref()));
                messages.push(error.map(|e| e.message.as_str()));
                request_ids.push(error.and_then(|e| e.request_id.as_deref()));
                let count = |status: Status| {
                    let n = control
                        .resources
                        .iter()
                        .filter(|r| r.status == status)
                        .count();
                    i32::try_from(n).unwrap_or(i32::MAX)
                };
                failed.push(count(Status::Failed));
                passed.push(count(Status::Passed));
            }
            sqlx::query(
                "INSERT INTO control_results (sweep_id, account_id, control_id, status,
                     error_operation, error_region, error_code, error_message,
                     failed_resources, passed_resources, error_request_id)
                 SELECT $1, $2, * FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[],
                                              $7::text[], $8::text[], $9::int[], $10::int[],
                                              $11::text[])",
            )
            .bind(id)
            .bind(&account.account_id)
            .bind(&control_ids)
            .bind(&statuses)
            .bind(&operations)
            .bind(&regions)
            .bind(&codes)
            .bind(&messages)
            .bind(&failed)
            .bind(&passed)
            .bind(&request_ids)
            .execute(&mut *tx)
            .await
            .map_err(query_error("insert of control results"))?;
        }

        // Recorded late: spans that ran across this sweep (from the assessment before it to the
        // one after) are cut at it, since this sweep now says what was there at that point.
        if let (Some(previous), Some(previous_at), Some(next), Some(next_at)) =
            (previous, previous_at, next, next_at)
        {
            sqlx::query(
                "INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
                     status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
                     ordinal, evidence)
                 SELECT account_id, control_id, resource_type, resource_id, status, $3,
                        last_sweep_seq, $4, last_seen_at, ordinal, evidence
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
            // A resource seen in the same status at the account's previous assessment extends
            // that span; anything else starts a new one.
            sqlx::query(
                "WITH observed AS (
                     SELECT * FROM UNNEST($4::text[], $5::int[], $6::text[], $7::text[],
                                          $8::text[], $9::jsonb[])
                         AS o(control_id, ordinal, resource_type, resource_id, status, evidence)
                 ),
                 extended AS (
                     UPDATE finding_spans f
                     SET last_sweep_seq = $2, last_seen_at = $10, evidence = o.evidence,
                         ordinal = o.ordinal
                     FROM observed o
                     WHERE f.account_id = $1 AND f.last_sweep_seq = $3
                       AND f.control_id = o.control_id AND f.resource_id = o.resource_id
                       AND f.status = o.status
                     RETURNING f.control_id, f.resource_id
                 )
                 INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id,
                     status, first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at,
                     ordinal, evidence)
                 SELECT $1, o.control_id, o.resource_type, o.resource_id, o.status, $2, $2,
                        $10, $10, o.ordinal, o.evidence
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
                               r.last_seen_at, r.ordinal, r.evidence
                 )
                 UPDATE finding_spans l
                 SET last_sweep_seq = j.last_sweep_seq, last_seen_at = j.last_seen_at,
                     ordinal = j.ordinal, evidence = j.evidence
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

    /// Records the end of a sweep.
    pub async fn finish_sweep(
        &self,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<(), StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(query_error("begin of a sweep's end"))?;
        sqlx::query("UPDATE sweeps SET finished_at = $2, status = $3 WHERE sweep_id = $1")
            .bind(id)
            .bind(finished_at)
            .bind(status.as_str())
            .execute(&mut *tx)
            .await
            .map_err(query_error("update of a sweep's end"))?;
        sqlx::query(
            "INSERT INTO control_trend_counts (sweep_id, control_id, accounts_failed,
                 accounts_passed, accounts_not_applicable, accounts_errored, failing_resources)
             SELECT sa.sweep_id, c.control_id,
                    count(*) FILTER (WHERE cr.status = 'FAILED'),
                    count(*) FILTER (WHERE cr.status = 'PASSED'),
                    count(*) FILTER (WHERE cr.status = 'NOT_APPLICABLE'),
                    count(*) FILTER (WHERE cr.status = 'ERROR' OR sa.outcome = 'error'),
                    coalesce(sum(cr.failed_resources), 0)
             FROM sweep_accounts sa
             CROSS JOIN controls c
             LEFT JOIN control_results cr ON cr.sweep_id = sa.sweep_id
                  AND cr.account_id = sa.account_id AND cr.control_id = c.control_id
             WHERE sa.sweep_id = $1 AND sa.outcome <> 'skipped'
             GROUP BY sa.sweep_id, c.control_id
             ON CONFLICT (sweep_id, control_id) DO UPDATE SET
                 accounts_failed = EXCLUDED.accounts_failed,
                 accounts_passed = EXCLUDED.accounts_passed,
                 accounts_not_applicable = EXCLUDED.accounts_not_applicable,
                 accounts_errored = EXCLUDED.accounts_errored,
                 failing_resources = EXCLUDED.failing_resources",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(query_error("write of a sweep's trend counts"))?;
        tx.commit()
            .await
            .map_err(query_error("commit of a sweep's end"))?;
        Ok(())
    }

    /// Records the end of a sweep unless it already has one: an import does not overwrite the
    /// status of a sweep that was resumed and finished since it was spooled. Returns whether
    /// the end was recorded.
    pub async fn finish_sweep_if_open(
        &self,
        sweep_id: &str,
        finished_at: DateTime<Utc>,
        status: SweepStatus,
    ) -> Result<bool, StoreError> {
        let id = parse_sweep_id(sweep_id)?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT status FROM sweeps WHERE sweep_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read of a sweep's status"))?;
        match current.as_deref() {
            None => Err(StoreError::NoSuchSweep(sweep_id.to_string())),
            Some("running" | "interrupted") => {
                self.finish_sweep(sweep_id, finished_at, status).await?;
                Ok(true)
            }
            Some(_) => Ok(false),
        }
    }

    /// Reads a stored sweep back, whole.
    pub async fn load_report(&self, selector: &SweepSelector) -> Result<SweepReport, StoreError> {
        let row = match selector {
            SweepSelector::Latest => {
                sqlx::query("SELECT * FROM sweeps ORDER BY started_at DESC, sweep_id DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(query_error("read of the latest sweep"))?
                    .ok_or(StoreError::NoSweeps)?
            }
            SweepSelector::Id(id) => {
                let uuid = parse_sweep_id(id)?;
                sqlx::query("SELECT * FROM sweeps WHERE sweep_id = $1")
                    .bind(uuid)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(query_error("read of a sweep"))?
                    .ok_or_else(|| StoreError::NoSuchSweep(id.clone()))?
            }
        };
        let sweep_id: Uuid = get(&row, "sweep_id")?;
        let sweep = sweep_info(&row)?;

        let account_rows = sqlx::query(
            "SELECT * FROM sweep_accounts WHERE sweep_id = $1
             ORDER BY ou_path, account_name, account_id",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's accounts"))?;
        let control_rows = sqlx::query("SELECT * FROM control_results WHERE sweep_id = $1")
            .bind(sweep_id)
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("read of a sweep's control results"))?;
        let sweep_seq: i64 = get(&row, "sweep_seq")?;
        let resource_rows = sqlx::query(
            "SELECT f.* FROM finding_spans f
             JOIN sweep_accounts sa ON sa.account_id = f.account_id
             WHERE sa.sweep_id = $1 AND sa.outcome = 'assessed'
               AND f.last_sweep_seq >= $2 AND f.first_sweep_seq <= $2
             ORDER BY f.account_id, f.control_id, f.ordinal",
        )
        .bind(sweep_id)
        .bind(sweep_seq)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of a sweep's findings"))?;

        let mut resources: HashMap<(String, String), Vec<ResourceReport>> = HashMap::new();
        for row in resource_rows {
            let resource_type: String = get(&row, "resource_type")?;
            let status: String = get(&row, "status")?;
            resources
                .entry((get(&row, "account_id")?, get(&row, "control_id")?))
                .or_default()
                .push(ResourceReport {
                    resource_type: ResourceType::from_str(&resource_type)
                        .map_err(StoreError::Unreadable)?,
                    resource_id: get(&row, "resource_id")?,
                    status: Status::from_str(&status).map_err(StoreError::Unreadable)?,
                    evidence: get(&row, "evidence")?,
                });
        }
        let mut controls_by_account: HashMap<String, Vec<ControlReport>> = HashMap::new();
        for row in control_rows {
            let account_id: String = get(&row, "account_id")?;
            let control_id: String = get(&row, "control_id")?;
            let control = ControlId::from_str(&control_id).map_err(StoreError::Unreadable)?;
            let status: String = get(&row, "status")?;
            controls_by_account
                .entry(account_id.clone())
                .or_default()
                .push(ControlReport {
                    control_id: control,
                    status: Status::from_str(&status).map_err(StoreError::Unreadable)?,
                    severity: control.severity(),
                    title: control.title().to_string(),
                    remediation: control.remediation().to_string(),
                    error: error_columns(&row)?,
                    resources: resources
                        .remove(&(account_id, control_id))
                        .unwrap_or_default(),
                });
        }
        let mut accounts = Vec::with_capacity(account_rows.len());
        for row in account_rows {
            let account_id: String = get(&row, "account_id")?;
            let outcome: String = get(&row, "outcome")?;
            let skip_reason: Option<String> = get(&row, "skip_reason")?;
            let mut controls = controls_by_account.remove(&account_id).unwrap_or_default();
            controls.sort_by_key(|c| c.control_id);
            accounts.push(AccountReport {
                account_id,
                account_name: get(&row, "account_name")?,
                ou_path: get(&row, "ou_path")?,
                outcome: Outcome::parse(&outcome)
                    .ok_or_else(|| StoreError::Unreadable(format!("outcome {outcome:?}")))?,
                skip_reason: match skip_reason {
                    None => None,
                    Some(reason) => Some(SkipReason::parse(&reason).ok_or_else(|| {
                        StoreError::Unreadable(format!("skip reason {reason:?}"))
                    })?),
                },
                error: error_columns(&row)?,
                controls,
            });
        }
        let changes_since_previous_sweep = self.changes(sweep_id).await?;
        Ok(SweepReport {
            schema_version: SCHEMA_VERSION,
            sweep,
            accounts,
            changes_since_previous_sweep,
        })
    }

    /// What changed for the accounts whose latest assessment is this sweep.
    async fn changes(&self, sweep_id: Uuid) -> Result<Vec<ChangeReport>, StoreError> {
        let rows = sqlx::query(
            "SELECT account_id, account_name, control_id, resource_type, resource_id, change,
                    status, previous_status
             FROM changes_since_previous_sweep WHERE sweep_id = $1
             ORDER BY change, account_id, control_id, resource_id",
        )
        .bind(sweep_id)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the changes since the previous sweep"))?;
        let status = |value: Option<String>| -> Result<Option<Status>, StoreError> {
            value
                .map(|s| Status::from_str(&s).map_err(StoreError::Unreadable))
                .transpose()
        };
        rows.iter()
            .map(|row| {
                let control: String = get(row, "control_id")?;
                let resource_type: String = get(row, "resource_type")?;
                Ok(ChangeReport {
                    account_id: get(row, "account_id")?,
                    account_name: get(row, "account_name")?,
                    control_id: ControlId::from_str(&control).map_err(StoreError::Unreadable)?,
                    resource_type: ResourceType::from_str(&resource_type)
                        .map_err(StoreError::Unreadable)?,
                    resource_id: get(row, "resource_id")?,
                    change: get(row, "change")?,
                    status: status(get(row, "status")?)?,
                    previous_status: status(get(row, "previous_status")?)?,
                })
            })
            .collect()
    }

    /// The `current_findings` view, for the CSV export.
    pub async fn current_findings(&self) -> Result<Vec<CurrentFinding>, StoreError> {
        let rows = sqlx::query(
            "SELECT f.account_id, f.account_name, f.ou_path, f.control_id, c.severity,
                    f.resource_type, f.resource_id, f.status, f.failing_since,
                    f.last_assessed_at, f.account_state
             FROM current_findings f JOIN controls c USING (control_id)
             ORDER BY f.account_id, f.control_id, f.resource_id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read of the current findings"))?;
        rows.iter()
            .map(|row| {
                Ok(CurrentFinding {
                    account_id: get(row, "account_id")?,
                    account_name: get(row, "account_name")?,
                    ou_path: get(row, "ou_path")?,
                    control_id: get(row, "control_id")?,
                    severity: get(row, "severity")?,
                    resource_type: get(row, "resource_type")?,
                    resource_id: get(row, "resource_id")?,
                    status: get(row, "status")?,
                    failing_since: get(row, "failing_since")?,
                    last_assessed_at: get(row, "last_assessed_at")?,
                    account_state: get(row, "account_state")?,
                })
            })
            .collect()
    }

    /// Deletes per-resource detail last seen more than `keep_days` ago, except each account's
    /// current findings. Counts per control and sweep (the trends) are kept. Returns the number
    /// of finding spans deleted.
    pub async fn prune(&self, keep_days: u32) -> Result<u64, StoreError> {
        let result = sqlx::query(
            "DELETE FROM finding_spans f
             USING accounts a
             WHERE a.account_id = f.account_id
               AND f.last_sweep_seq IS DISTINCT FROM a.last_assessed_seq
               AND f.last_seen_at < now() - make_interval(days => $1)",
        )
        .bind(i32::try_from(keep_days).unwrap_or(i32::MAX))
        .execute(&self.pool)
        .await
        .map_err(query_error("prune of old findings"))?;
        Ok(result.rows_affected())
    }
}

fn parse_sweep_id(id: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(id).map_err(|_| StoreError::NoSuchSweep(id.to_string()))
}

/// A `sweeps` row as the report shows it.
fn sweep_info(row: &sqlx::postgres::PgRow) -> Result<SweepInfo, StoreError> {
    let sweep_id: Uuid = get(row, "sweep_id")?;
    let status: String = get(row, "status")?;
    let controls: Vec<String> = get(row, "controls")?;
    Ok(SweepInfo {
        id: sweep_id.to_string(),
        started_at: get(row, "started_at")?,
        finished_at: get(row, "finished_at")?,
        status: SweepStatus::parse(&status)
            .ok_or_else(|| StoreError::Unreadable(format!("sweep status {status:?}")))?,
        organization_id: get(row, "organization_id")?,
        management_account_id: get(row, "management_account_id")?,
        regions: get(row, "regions")?,
        controls: controls
            .iter()
            .map(|c| c.parse().map_err(StoreError::Unreadable))
            .collect::<Result<_, _>>()?,
    })
}

fn get<'r, T>(row: &'r sqlx::postgres::PgRow, column: &'static str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column)
        .map_err(query_error("decode of a column"))
}

fn error_columns(row: &sqlx::postgres::PgRow) -> Result<Option<DataError>, StoreError> {
    let operation: Option<String> = get(row, "error_operation")?;
    Ok(match operation {
        None => None,
        Some(operation) => Some(DataError {
            operation,
            region: get::<Option<String>>(row, "error_region")?.unwrap_or_default(),
            code: get(row, "error_code")?,
            message: get::<Option<String>>(row, "error_message")?.unwrap_or_default(),
            request_id: get(row, "error_request_id")?,
        }),
    })
}

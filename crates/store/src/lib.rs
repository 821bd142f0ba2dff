//! The sweep history in PostgreSQL: migrations, one transaction per account, and the read-back
//! that reports are made from.
//!
//! The store knows nothing of AWS: it stores what the report model holds. Every query is
//! parameterised; bulk rows go through `UNNEST` arrays, not one `INSERT` per row.
//!
//! Which file does what: ARCHITECTURE.md's code map, `crates/store`.

mod changes;
mod connect;
mod counts;
mod coverage;
mod facts_columns;
mod lock;
mod news;
mod prune;
mod read;
mod rows;
mod schema;
mod spans;
mod strength;
mod sweep_exceptions;
mod sweeps;
mod tls_refusal;
mod tls_settings;
mod write;

pub use connect::describe_url;
pub use lock::{Fence, SweepLock};
pub use news::SweepNews;
pub use read::{Evidence, SweepSelector};
pub use sweep_exceptions::CoveredFinding;
pub use sweeps::ResumableSweep;
pub use tls_settings::TlsEnvironment;
pub use write::Recorded;

use sqlx::migrate::Migrator;
use sqlx::PgPool;

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
    /// The server's certificate refused, or TLS refused by the server: what and why, in words.
    #[error("cannot connect to PostgreSQL at {target}: {problem}")]
    Tls { target: String, problem: String },
    /// A TLS setting of the database URL, `PGSSLMODE` or `PGSSLROOTCERT` that cannot be used as
    /// given: `setting` names it (never with the URL's secrets).
    #[error("{setting}: {problem}")]
    Setting { setting: String, problem: String },
    /// Nothing listens at the address: said at once, not after the pool's timeout.
    #[error(
        "cannot connect to PostgreSQL at {address}/{database}: connection refused at {address}: \
         is the server running, and listening on that address and port?"
    )]
    Refused { address: String, database: String },
    #[error(
        "cannot connect to PostgreSQL at {address}/{database}: no answer within {seconds} s \
         (database.connect_timeout_seconds): is the host reachable from here?"
    )]
    NoAnswer {
        address: String,
        database: String,
        seconds: u64,
    },
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database {operation} failed: {source}")]
    Query {
        operation: &'static str,
        #[source]
        source: sqlx::Error,
    },
    /// What reads (`report`) need is not there yet: `migrate` makes it.
    #[error(
        "{0}: run `mfa-auditor migrate` (with this configuration) first; `sweep` and `serve` \
         migrate at start too"
    )]
    NotMigrated(String),
    #[error(
        "no sweep {0} in the database: --sweep takes `latest` or a sweep's id (the JSON \
         report's `sweep.id`, or the `sweeps` table)"
    )]
    NoSuchSweep(String),
    #[error("the database holds no sweep yet: run `mfa-auditor sweep` first")]
    NoSweeps,
    #[error("the database holds no sweep that started by the end of {0} (UTC)")]
    NoSweepBy(chrono::NaiveDate),
    #[error("no sweep has finished yet")]
    NoFinishedSweep,
    /// The sweep lock was lost (a database restart drops it) and another sweep took it: this
    /// writer may no longer write.
    #[error("this sweep no longer holds the sweep lock: {0}")]
    LockLost(String),
    #[error("nothing to resume: {0}")]
    NothingToResume(String),
    #[error("the database holds a value this version cannot read: {0}")]
    Unreadable(String),
    #[error("cannot write {0}")]
    Encode(String),
}

impl StoreError {
    /// Whether the database (or the way to it) is gone, rather than the request being wrong:
    /// the errors worth retrying, and spooling through when they last.
    pub fn is_connection_lost(&self) -> bool {
        match self {
            StoreError::Connect { .. }
            | StoreError::Refused { .. }
            | StoreError::NoAnswer { .. } => true,
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

pub(crate) fn query_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

pub(crate) fn parse_sweep_id(id: &str) -> Result<uuid::Uuid, StoreError> {
    uuid::Uuid::parse_str(id).map_err(|_| StoreError::NoSuchSweep(id.to_string()))
}

/// A handle on the history database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
}

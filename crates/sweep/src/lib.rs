//! Plans a sweep from the organization and runs its accounts through a bounded worker pool.
//!
//! [`plan`] is pure: which accounts are audited, skipped (their Organizations state is not
//! ACTIVE), excluded (by which rule) or invalid (an error).
//! [`SweepRunner`] runs the audited accounts through an [`Audit`] (the collector and the
//! evaluator, [`CollectorAudit`]), at most `accounts_in_flight` at once, and a writer records
//! each account through a [`Sink`] (the store under the sweep lock, [`LockedStore`]) as soon as
//! it finishes, so memory never holds the whole organization and one account's failure is a
//! row, not an abort. A stop request leaves an `interrupted` sweep that [`SweepStart::Resume`]
//! finishes; a database that goes away mid-sweep leaves a spool file that [`import_spool`] loads.
//! [`take_sweep_lock`] takes the lock at once or waits for it, as configured.

mod audit;
mod decide;
mod lock;
mod plan;
mod record;
mod run;
mod sink;
mod spool;
mod summary;
mod sweep_error;
mod writer;

#[cfg(test)]
mod fakes;

pub use audit::{Accepted, Audit, CollectorAudit, SweepScps};
pub use decide::{Decision, Scope};
pub use lock::{take_sweep_lock, WhenBusy};
pub use plan::{plan, Plan, PlannedAccount};
pub use record::{Destination, RecordSettings};
pub use run::{Progress, SweepRunner, SweepSettings, SweepStart};
pub use sink::{LockedStore, Sink, WriteFailure};
pub use spool::{import_spool, pending_spool_files, ImportSummary, SpoolRecord};
pub use summary::SweepSummary;
pub use sweep_error::SweepError;
/// Asks a running sweep to stop (SIGTERM, Ctrl-C); a token never cancelled never stops it.
pub use tokio_util::sync::CancellationToken;

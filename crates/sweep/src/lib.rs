//! Plans a sweep from the organization and runs its accounts through a bounded worker pool.
//!
//! [`plan`] is pure: which accounts are audited, skipped (suspended) or excluded (by which rule).
//! [`SweepRunner`] runs the audited accounts through the collector and the evaluator with a
//! concurrency bound and writes each account to the store as soon as it finishes, so memory never
//! holds the whole organization and one account's failure is a row, not an abort. A stop request
//! leaves an `interrupted` sweep that [`SweepStart::Resume`] finishes; a database that goes away
//! mid-sweep leaves a spool file that [`import_spool`] loads.

mod lock;
mod plan;
mod record;
mod run;

pub use lock::{take_sweep_lock, WhenBusy};
pub use plan::{plan, Decision, Plan, PlannedAccount, Scope};
pub use record::{
    import_spool, pending_spool_files, Destination, ImportSummary, RecordSettings, SpoolRecord,
};
pub use run::{
    stop_signal, Progress, StopHandle, StopSignal, SweepError, SweepRunner, SweepSettings,
    SweepStart, SweepSummary,
};

//! Plans a sweep from the organization and runs its accounts through a bounded worker pool.
//!
//! [`plan`] is pure: which accounts are audited, skipped (suspended) or excluded (by which rule).
//! [`SweepRunner`] streams the audited accounts through the collector and the evaluator with a
//! concurrency bound and writes each account to the store as soon as it finishes, so memory never
//! holds the whole organization and one account's failure is a row, not an abort.

mod plan;
mod run;

pub use plan::{plan, Decision, Plan, PlannedAccount, Scope};
pub use run::{Progress, SweepError, SweepRunner, SweepSettings, SweepSummary};

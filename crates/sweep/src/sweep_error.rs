//! Why a sweep could not run, or stopped before its end: each error says what to do next.

use crate::sink::WriteFailure;
use mfa_store::StoreError;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another sweep is running ({0}); not starting a second one (set schedule.if_sweep_running = \"wait\" to wait for it)")]
    Busy(String),
    #[error("another sweep is still running ({running}) after waiting {} s for it (schedule.lock_wait_seconds); not starting a second one", waited.as_secs())]
    WaitedTooLong { waited: Duration, running: String },
    /// A stop request came before the sweep began (while it waited for the lock).
    #[error("stopped before the sweep began; nothing was recorded")]
    Stopped,
    #[error(transparent)]
    Write(#[from] WriteFailure),
    /// The database restarted mid-sweep, releasing the lock, and another sweep took it.
    #[error("this sweep stopped: {reason}; the accounts it finished are recorded{}", spooled_to(.spool))]
    LockLost {
        reason: String,
        spool: Option<PathBuf>,
    },
    #[error("spool file {}: {source}", path.display())]
    Spool {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn spooled_to(spool: &Option<PathBuf>) -> String {
    match spool {
        Some(path) => format!(
            " (the last of them in {}, which the next sweep imports)",
            path.display()
        ),
        None => String::new(),
    }
}

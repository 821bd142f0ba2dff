//! Taking the sweep lock: at once, or by waiting (bounded, and ended by a stop request) while
//! another sweep holds it.

use crate::sweep_error::SweepError;
use mfa_store::{Store, SweepLock};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use tracing::info;

/// What a sweep does when another sweep holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenBusy {
    /// Stop with [`SweepError::Busy`].
    Refuse,
    /// Wait for it, at most this long ([`SweepError::WaitedTooLong`]).
    Wait { up_to: Duration },
}

/// How often a waiting sweep asks for the lock again: a sweep lasts minutes, so a second of
/// delay costs nothing, and each try is one cheap query.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Takes the lock, as `when_busy` says. A stop request while waiting ends the wait with
/// [`SweepError::Stopped`].
pub async fn take_sweep_lock(
    store: &Store,
    when_busy: WhenBusy,
    stop: &CancellationToken,
) -> Result<SweepLock, SweepError> {
    let started = Instant::now();
    let mut said_waiting = false;
    loop {
        if let Some(lock) = store.try_lock_for_sweep().await? {
            return Ok(lock);
        }
        let running = store.running_sweep().await?;
        let up_to = match when_busy {
            WhenBusy::Refuse => return Err(SweepError::Busy(running)),
            WhenBusy::Wait { up_to } => up_to,
        };
        if started.elapsed() >= up_to {
            return Err(SweepError::WaitedTooLong {
                waited: up_to,
                running,
            });
        }
        if !said_waiting {
            info!(
                max_wait_s = up_to.as_secs(),
                "another sweep is running ({running}); waiting for it"
            );
            said_waiting = true;
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY_EVERY) => {}
            () = stop.cancelled() => return Err(SweepError::Stopped),
        }
    }
}

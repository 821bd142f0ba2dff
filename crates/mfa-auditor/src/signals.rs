//! SIGTERM and Ctrl-C: the first stops a sweep gracefully, a second quits at once.

use crate::exit_codes::EXIT_INTERRUPTED;
use mfa_sweep::CancellationToken;
use std::time::Duration;

/// The first SIGTERM or Ctrl-C stops the sweep gracefully; a second one quits at once.
pub fn stop_on_signal(grace: Duration) -> CancellationToken {
    let stop = CancellationToken::new();
    let handle = stop.clone();
    tokio::spawn(async move {
        stop_requested().await;
        tracing::warn!(
            grace_s = grace.as_secs(),
            "stop requested: no new accounts; those in flight may finish; send the signal again to quit at once"
        );
        handle.cancel();
        stop_requested().await;
        eprintln!("stopping at once; the sweep is marked interrupted at the next start");
        std::process::exit(EXIT_INTERRUPTED.into());
    });
    stop
}

/// Completes at the next SIGTERM or Ctrl-C (Ctrl-C only where there is no SIGTERM).
pub async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

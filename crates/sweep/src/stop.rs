//! Asking a running sweep to stop (SIGTERM, Ctrl-C), and watching for it.

use tokio::sync::watch;

/// Asks a running sweep to stop.
#[derive(Debug)]
pub struct StopHandle(watch::Sender<bool>);

/// What a sweep watches for a stop request.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

/// A connected pair: the handle stops the sweeps watching the signal.
pub fn stop_signal() -> (StopHandle, StopSignal) {
    let (sender, receiver) = watch::channel(false);
    (StopHandle(sender), StopSignal(receiver))
}

impl StopHandle {
    pub fn stop(&self) {
        self.0.send_replace(true);
    }
}

impl StopSignal {
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Completes when a stop is requested; never, if the handle is gone without one.
    pub async fn stopped(&mut self) {
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

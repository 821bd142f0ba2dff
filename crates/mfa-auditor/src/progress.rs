//! Progress on stderr while a sweep runs: a bar on a terminal, periodic lines otherwise.

use crate::metrics::Metrics;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mfa_report::{AccountReport, Outcome};
use mfa_sweep::Progress;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const LINE_EVERY: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct SweepProgress {
    bar: Option<ProgressBar>,
    total: AtomicUsize,
    done: AtomicUsize,
    errors: AtomicUsize,
    last_line: Mutex<Instant>,
    metrics: Option<Arc<Metrics>>,
}

impl SweepProgress {
    /// A bar when stderr is a terminal and not `quiet`; log lines otherwise.
    /// Counts go to `metrics` too, when given.
    pub fn new(quiet: bool, metrics: Option<Arc<Metrics>>) -> SweepProgress {
        let bar = (std::io::stderr().is_terminal() && !quiet).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} accounts ({per_sec}, eta {eta}) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        SweepProgress {
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
            last_line: Mutex::new(Instant::now()),
            metrics,
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for SweepProgress {
    fn started(&self, _sweep_id: &str, accounts_to_audit: usize) {
        self.total.store(accounts_to_audit, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(accounts_to_audit as u64);
        }
    }

    fn account_not_audited(&self, account: &AccountReport) {
        if let Some(metrics) = &self.metrics {
            metrics.account_recorded(account, Duration::ZERO);
        }
    }

    fn account_finished(&self, account: &AccountReport, took: Duration) {
        if let Some(metrics) = &self.metrics {
            metrics.account_recorded(account, took);
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if account.outcome == Outcome::Error {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let errors = self.errors.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            if errors > 0 {
                bar.set_message(format!("{errors} errored"));
            }
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
        if done == total || last.elapsed() >= LINE_EVERY {
            *last = Instant::now();
            tracing::info!(
                done,
                total,
                errors,
                "sweep progress: {done}/{total} accounts"
            );
        }
    }
}

//! Prometheus metrics and the small HTTP endpoint `serve` answers on: `/metrics` and `/healthz`.
//!
//! Counters are fed by the sweep's progress hooks and the collector's call observer; nothing
//! here calls AWS or the database. Both routes are open to whoever reaches the listener, so
//! nothing here names an account, an identity or a finding: counts by outcome, operation,
//! webhook name and refusal reason only.

use crate::report_auth::Refusal;
use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use mfa_collector::{CallObserver, ErrorClass};
use mfa_report::{AccountReport, Outcome, SweepStatus};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Metric, Registry, Unit};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

type Labels<const N: usize> = [(&'static str, String); N];

/// How a sweep of `serve` ends (`mfa_auditor_sweeps_total{status}`): a sweep's own status, or
/// `failed` when it could not finish at all, `skipped` when another instance held the lock.
pub const SWEEP_ENDINGS: [&str; 5] = ["completed", "partial", "interrupted", "failed", "skipped"];

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    sweeps: Family<Labels<1>, Counter>,
    sweep_in_progress: Gauge,
    sweep_duration: Histogram,
    last_success: Gauge,
    accounts: Family<Labels<1>, Counter>,
    account_duration: Histogram,
    accounts_spooled: Counter,
    aws_calls: Family<Labels<2>, Counter>,
    aws_throttles: Family<Labels<1>, Counter>,
    aws_retries: Family<Labels<1>, Counter>,
    notifications: Family<Labels<2>, Counter>,
    report_unauthorized: Family<Labels<1>, Counter>,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        // Registered in the order /metrics lists them.
        let mut r = Registering(Registry::with_prefix("mfa_auditor"));
        let sweeps = r.family(
            "sweeps",
            "Sweeps ended, by status (completed, partial, interrupted; failed when one could not run, skipped when another instance held the lock)",
        );
        let sweep_in_progress = r.gauge("sweep_in_progress", "1 while a sweep runs");
        let sweep_duration = r.seconds(
            "sweep_duration",
            "Wall time of each sweep",
            // 10 s to about 11 h.
            Histogram::new(exponential_buckets(10.0, 2.0, 13)),
        );
        let last_success = r.seconds(
            "last_successful_sweep_timestamp",
            "When the latest completed or partial sweep finished (Unix time)",
            Gauge::default(),
        );
        let accounts = r.family(
            "accounts",
            "Accounts recorded, by outcome (assessed, error, skipped)",
        );
        let account_duration = r.seconds(
            "account_duration",
            "Time to audit one account, all its calls included",
            // 0.1 s to about 7 min.
            Histogram::new(exponential_buckets(0.1, 2.0, 13)),
        );
        let accounts_spooled = r.counter(
            "accounts_spooled",
            "Accounts written to the spool file because the database was unreachable",
        );
        let aws_calls = r.family(
            "aws_calls",
            "AWS call attempts, retries included, by operation and result (ok or error class)",
        );
        let aws_throttles = r.family(
            "aws_throttles",
            "AWS call attempts refused by throttling, by operation",
        );
        let aws_retries = r.family(
            "aws_retries",
            "AWS call attempts followed by another, by operation",
        );
        let notifications = r.family(
            "notifications",
            "Notifications after a sweep, by webhook name and result (sent, failed)",
        );
        let report_unauthorized = r.family(
            "report_unauthorized",
            "GET /report requests refused, by reason (missing, malformed or wrong credentials)",
        );
        let metrics = Metrics {
            registry: r.0,
            sweeps,
            sweep_in_progress,
            sweep_duration,
            last_success,
            accounts,
            account_duration,
            accounts_spooled,
            aws_calls,
            aws_throttles,
            aws_retries,
            notifications,
            report_unauthorized,
        };
        metrics.show_alerted_series_at_zero();
        Arc::new(metrics)
    }

    /// Every series an alert reads is shown at 0 from the start (deploy/prometheus): a counter
    /// that appeared at 1 would give `increase()` nothing to compare, and the first failed
    /// sweep, errored account or refused request would raise no alert.
    fn show_alerted_series_at_zero(&self) {
        for refusal in Refusal::ALL {
            let _ = self
                .report_unauthorized
                .get_or_create(&[("reason", refusal.label().to_string())]);
        }
        for status in SWEEP_ENDINGS {
            let _ = self.sweeps.get_or_create(&[("status", status.to_string())]);
        }
        for outcome in [Outcome::Assessed, Outcome::Error, Outcome::Skipped] {
            let _ = self
                .accounts
                .get_or_create(&[("outcome", outcome.as_str().to_string())]);
        }
    }

    /// Shows each webhook's notifications, sent and failed, at 0 until one is sent.
    pub fn count_webhooks<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        for name in names {
            for result in ["sent", "failed"] {
                let _ = self.notifications.get_or_create(&[
                    ("webhook", name.to_string()),
                    ("result", result.to_string()),
                ]);
            }
        }
    }

    pub fn notification(&self, webhook: &str, sent: bool) {
        let result = if sent { "sent" } else { "failed" };
        self.notifications
            .get_or_create(&[
                ("webhook", webhook.to_string()),
                ("result", result.to_string()),
            ])
            .inc();
    }

    pub fn report_refused(&self, refusal: Refusal) {
        self.report_unauthorized
            .get_or_create(&[("reason", refusal.label().to_string())])
            .inc();
    }

    pub fn sweep_started(&self) {
        self.sweep_in_progress.set(1);
    }

    /// A sweep ended; `status` is `completed`, `partial`, `interrupted`, `failed` when it could
    /// not finish at all, or `skipped` when another instance held the lock.
    pub fn sweep_ended(&self, status: &str, elapsed: Duration) {
        self.sweep_in_progress.set(0);
        self.sweeps
            .get_or_create(&[("status", status.to_string())])
            .inc();
        self.sweep_duration.observe(elapsed.as_secs_f64());
        if status == SweepStatus::Completed.as_str() || status == SweepStatus::Partial.as_str() {
            self.set_last_success(Utc::now());
        }
    }

    pub fn set_last_success(&self, at: DateTime<Utc>) {
        self.last_success.set(at.timestamp());
    }

    pub fn account_recorded(&self, account: &AccountReport, took: Duration) {
        self.accounts
            .get_or_create(&[("outcome", account.outcome.as_str().to_string())])
            .inc();
        if took > Duration::ZERO {
            self.account_duration.observe(took.as_secs_f64());
        }
    }

    pub fn accounts_spooled(&self, count: usize) {
        self.accounts_spooled.inc_by(count as u64);
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The registry being filled: each metric registered under its name and help, and handed back
/// to be kept in [`Metrics`].
struct Registering(Registry);

impl Registering {
    fn family<const N: usize>(&mut self, name: &str, help: &str) -> Family<Labels<N>, Counter> {
        let family = Family::<Labels<N>, Counter>::default();
        self.0.register(name, help, family.clone());
        family
    }

    fn counter(&mut self, name: &str, help: &str) -> Counter {
        let counter = Counter::default();
        self.0.register(name, help, counter.clone());
        counter
    }

    fn gauge(&mut self, name: &str, help: &str) -> Gauge {
        let gauge = Gauge::default();
        self.0.register(name, help, gauge.clone());
        gauge
    }

    /// A metric in seconds (its name gets the `_seconds` suffix).
    fn seconds<M: Metric + Clone>(&mut self, name: &str, help: &str, metric: M) -> M {
        self.0
            .register_with_unit(name, help, Unit::Seconds, metric.clone());
        metric
    }
}

impl CallObserver for Metrics {
    fn attempt(&self, operation: &'static str, failure: Option<ErrorClass>, retrying: bool) {
        let result = failure.map_or("ok", <&str>::from);
        self.aws_calls
            .get_or_create(&[
                ("operation", operation.to_string()),
                ("result", result.to_string()),
            ])
            .inc();
        if failure == Some(ErrorClass::Throttled) {
            self.aws_throttles
                .get_or_create(&[("operation", operation.to_string())])
                .inc();
        }
        if retrying {
            self.aws_retries
                .get_or_create(&[("operation", operation.to_string())])
                .inc();
        }
    }
}

/// Binds `address` and answers `/metrics`, `/healthz` and the routes of `more` until the
/// process ends; the handlers of `more` may extract `ConnectInfo<SocketAddr>`.
pub async fn serve(address: SocketAddr, metrics: Arc<Metrics>, more: axum::Router) -> Result<()> {
    use axum::routing::get;
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| {
            format!("cannot listen for metrics on {address} (key `metrics.listen`)")
        })?;
    let router = axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                }
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .merge(more);
    tracing::info!("metrics on http://{address}/metrics, health on http://{address}/healthz");
    // The client's address reaches the handlers: a refused /report request is logged with it.
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, service).await {
            tracing::error!("the metrics endpoint stopped: {error}");
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Metrics;
    use mfa_report::SweepStatus;

    #[test]
    fn report_refusals_are_counted_by_reason_from_zero() {
        let metrics = Metrics::new();
        let text = metrics.render();
        for reason in ["missing", "malformed", "wrong"] {
            assert!(
                text.contains(&format!(
                    "mfa_auditor_report_unauthorized_total{{reason=\"{reason}\"}} 0"
                )),
                "{text}"
            );
        }
        metrics.report_refused(super::Refusal::Wrong);
        metrics.report_refused(super::Refusal::Wrong);
        let text = metrics.render();
        assert!(
            text.contains("mfa_auditor_report_unauthorized_total{reason=\"wrong\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn every_series_an_alert_reads_is_shown_at_0_from_the_start() {
        let metrics = Metrics::new();
        metrics.count_webhooks(["security-chat"]);
        let text = metrics.render();
        for series in [
            "mfa_auditor_sweeps_total{status=\"failed\"} 0",
            "mfa_auditor_sweeps_total{status=\"interrupted\"} 0",
            "mfa_auditor_accounts_total{outcome=\"error\"} 0",
            "mfa_auditor_notifications_total{webhook=\"security-chat\",result=\"failed\"} 0",
            "mfa_auditor_last_successful_sweep_timestamp_seconds 0",
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
        // The statuses `serve` counts are the ones it is shown with.
        for status in [
            SweepStatus::Completed,
            SweepStatus::Partial,
            SweepStatus::Interrupted,
        ] {
            assert!(
                super::SWEEP_ENDINGS.contains(&status.as_str()),
                "{status:?}"
            );
        }
    }

    #[test]
    fn notifications_are_counted_by_webhook_name_and_result() {
        let metrics = Metrics::new();
        metrics.notification("security-chat", false);
        metrics.notification("security-chat", false);
        metrics.notification("soc", true);
        let text = metrics.render();
        assert!(
            text.contains(
                "mfa_auditor_notifications_total{webhook=\"security-chat\",result=\"failed\"} 2"
            ),
            "{text}"
        );
        assert!(
            text.contains("mfa_auditor_notifications_total{webhook=\"soc\",result=\"sent\"} 1"),
            "{text}"
        );
    }
}

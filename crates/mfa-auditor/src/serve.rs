//! `serve`: sweeps on the configured cron schedule and timezone, with Prometheus metrics and
//! the latest HTML report on the same listener.

use crate::config;
use crate::database::connect;
use crate::exit_codes::{EXIT_INTERRUPTED, EXIT_SOME_FAILED};
use crate::metrics::{self, Metrics};
use crate::report_page;
use crate::signals::stop_on_signal;
use crate::sweep_command::{sweep, Resume, SweepRequest};
use crate::sweep_exceptions::WhenUnreadable;
use anyhow::{Context, Result};
use chrono::Utc;
use mfa_report::SweepStatus;
use mfa_sweep::{CancellationToken, SweepError};
use std::sync::Arc;

pub async fn serve(config: &config::AuditConfig, once: bool, quiet: bool) -> Result<u8> {
    let metrics = Metrics::new();
    metrics.count_webhooks(config.notify.webhooks.iter().map(|w| w.name.as_str()));
    // An unreachable database at start is an error (exit 1), not a silent wait for the night.
    let store = connect(config).await?;
    store.migrate().await?;
    if let Some(at) = store.last_successful_sweep().await? {
        metrics.set_last_success(at);
    }
    if let Some(address) = config.metrics_listen {
        listen(config, address, store, &metrics).await?;
    }
    let stop = stop_on_signal(config.schedule.stop_grace);
    let request = SweepRequest {
        fail_on_findings: false,
        exceptions_unreadable: WhenUnreadable::SweepWithout,
        resume: if config.schedule.resume_interrupted {
            Resume::IfInterrupted
        } else {
            Resume::No
        },
        // A service logs lines; it draws no progress bar.
        quiet: quiet || !once,
        metrics: Some(metrics.clone()),
        stop: stop.clone(),
    };
    if once {
        return scheduled_sweep(config, &request, &metrics).await;
    }
    if config.schedule.sweep_at_start {
        tracing::info!("sweeping at start (schedule.sweep_at_start)");
        let code = scheduled_sweep(config, &request, &metrics).await;
        if stop.is_cancelled() {
            return code;
        }
        if let Err(error) = code {
            tracing::error!(
                "sweep at start failed or was skipped: {}",
                crate::errors::causes(&error)
            );
        }
    }
    sweep_on_schedule(config, &request, &metrics, stop).await
}

/// Answers `/metrics`, `/healthz` and (when configured) `/report` on `address`.
async fn listen(
    config: &config::AuditConfig,
    address: std::net::SocketAddr,
    store: mfa_store::Store,
    metrics: &Arc<Metrics>,
) -> Result<()> {
    let report = report_page::router(store, config.report_page.as_ref(), metrics.clone());
    metrics::serve(address, metrics.clone(), report).await?;
    match &config.report_page {
        Some(access) => tracing::info!(
            "the latest report on http://{address}/report, for HTTP Basic user {:?} \
             (metrics.report_user) and its password",
            access.user
        ),
        None => tracing::info!("GET /report is off (metrics.report = false)"),
    }
    Ok(())
}

/// Sweeps at each time of the schedule until stopped. A failed sweep is logged, and the service
/// waits for the next time.
async fn sweep_on_schedule(
    config: &config::AuditConfig,
    request: &SweepRequest,
    metrics: &Metrics,
    stop: CancellationToken,
) -> Result<u8> {
    let schedule = &config.schedule;
    loop {
        let next = next_run(schedule, Utc::now())?;
        let wait = (next.with_timezone(&Utc) - Utc::now())
            .to_std()
            .unwrap_or_default();
        tracing::info!(
            cron = schedule.cron_text,
            timezone = %schedule.timezone,
            in_s = wait.as_secs(),
            "next sweep at {}",
            next.to_rfc3339()
        );
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => {
                tracing::info!("stopped while waiting for the next sweep");
                return Ok(0);
            }
        }
        let code = scheduled_sweep(config, request, metrics).await;
        if stop.is_cancelled() {
            return code;
        }
        if let Err(error) = code {
            if is_sweep_running(&error) {
                tracing::warn!("scheduled sweep skipped: {}", crate::errors::causes(&error));
            } else {
                tracing::error!("scheduled sweep failed: {}", crate::errors::causes(&error));
            }
        }
    }
}

fn is_sweep_running(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<SweepError>(),
        Some(SweepError::Busy(_) | SweepError::WaitedTooLong { .. })
    )
}

/// The first time after `now` that the schedule fires, in the schedule's timezone.
fn next_run(
    schedule: &config::Schedule,
    now: chrono::DateTime<Utc>,
) -> Result<chrono::DateTime<chrono_tz::Tz>> {
    use chrono::Timelike;
    // Whole seconds: the cron's times are, and the log shows 03:00:00, not 03:00:00.98.
    let now = now.with_nanosecond(0).unwrap_or(now);
    schedule
        .cron
        .find_next_occurrence(&now.with_timezone(&schedule.timezone), false)
        .with_context(|| format!("schedule.cron {:?} has no next run", schedule.cron_text))
}

/// One of `serve`'s sweeps, counted in the metrics whatever happens.
async fn scheduled_sweep(
    config: &config::AuditConfig,
    request: &SweepRequest,
    metrics: &Metrics,
) -> Result<u8> {
    let started = std::time::Instant::now();
    metrics.sweep_started();
    let result = sweep(config, request).await;
    let status = match &result {
        Ok(EXIT_INTERRUPTED) => SweepStatus::Interrupted.as_str(),
        Ok(EXIT_SOME_FAILED) => SweepStatus::Partial.as_str(),
        Ok(_) => SweepStatus::Completed.as_str(),
        // Another instance holds the lock: this one did nothing wrong, and did nothing.
        Err(error) if is_sweep_running(error) => "skipped",
        Err(_) => "failed",
    };
    metrics.sweep_ended(status, started.elapsed());
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::HashMap;

    fn schedule(cron: &str, timezone: &str) -> config::Schedule {
        let text = format!("[schedule]\ncron = \"{cron}\"\ntimezone = \"{timezone}\"\n");
        config::from_str(&text, "test.toml", &HashMap::new())
            .unwrap_or_else(|e| panic!("{e}"))
            .schedule
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .unwrap_or_else(|| panic!("a valid time"))
    }

    #[test]
    fn the_next_run_is_in_the_schedules_timezone() -> Result<()> {
        // 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer.
        let paris = schedule("0 3 * * *", "Europe/Paris");
        let next = next_run(&paris, utc(2026, 11, 23, 12, 0))?;
        assert_eq!(next.to_rfc3339(), "2026-11-24T03:00:00+01:00");
        assert_eq!(next.with_timezone(&Utc), utc(2026, 11, 24, 2, 0));
        let next = next_run(&paris, utc(2026, 7, 1, 0, 30))?;
        assert_eq!(next.with_timezone(&Utc), utc(2026, 7, 1, 1, 0));
        // Strictly after now: a sweep that ends within its own minute does not run again.
        let next = next_run(&paris, utc(2026, 11, 24, 2, 0))?;
        assert_eq!(next.with_timezone(&Utc), utc(2026, 11, 25, 2, 0));
        // Weekdays: 1-5 is Monday to Friday; 2026-11-28 is a Saturday.
        let weekdays = schedule("15 4 * * 1-5", "UTC");
        let next = next_run(&weekdays, utc(2026, 11, 27, 5, 0))?;
        assert_eq!(next, utc(2026, 11, 30, 4, 15));
        Ok(())
    }
}

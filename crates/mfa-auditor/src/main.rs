//! `mfa-auditor`: audits MFA across every account of an AWS Organization and keeps the history
//! in PostgreSQL. This binary is glue: arguments, configuration, wiring, output.

mod config;
mod metrics;
mod progress;
mod telemetry;

use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use metrics::Metrics;
use mfa_collector::{AccountCollector, Caller, OrganizationReader};
use mfa_report::SweepStatus;
use mfa_store::{Store, StoreError, SweepSelector};
use mfa_sweep::{Decision, RecordSettings, StopSignal, SweepRunner, SweepSettings, SweepStart};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Audits multi-factor authentication across every account of an AWS Organization (Security
/// Hub controls IAM.9, IAM.6, IAM.5, IAM.19 and Cognito.5) and keeps the history in PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "mfa-auditor", version, propagate_version = true)]
struct Cli {
    /// Configuration file [default: $MFA_AUDITOR_CONFIG, else config/default.toml]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: telemetry::LogFormat,
    /// More logging (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Only warnings and errors; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one sweep now: list the accounts, audit them, store the results, print a summary.
    ///
    /// Exit status: 0 when the sweep completed (findings or not), 2 when it completed but some
    /// accounts errored, 1 when it could not run, 3 with --fail-on-findings when any control
    /// FAILED (3 wins over 2: a gate that asked about findings hears about them first).
    ///
    /// Exit 130 when stopped by SIGTERM or Ctrl-C: the sweep is recorded `interrupted` with the
    /// accounts it finished, and `sweep --resume` finishes it. When the database goes away
    /// mid-sweep, writes retry for `store.write_retry_seconds`, then the results go to a spool
    /// file under `store.spool_dir` (exit 1); the next sweep, or `import`, loads it.
    Sweep {
        /// Exit 3 when any control FAILED, for CI gates.
        #[arg(long)]
        fail_on_findings: bool,
        /// Finish the latest sweep, which must be `interrupted`: audit only the accounts it did
        /// not record, under the same sweep id.
        #[arg(long)]
        resume: bool,
    },
    /// The nightly service: sweep on `schedule.cron` in `schedule.timezone` (and at start with
    /// `schedule.sweep_at_start`), one sweep at a time, with Prometheus metrics on
    /// `metrics.listen` (`/metrics`, `/healthz`).
    ///
    /// Logs the next run time at start and after each sweep. A failed sweep is logged and the
    /// service waits for the next run. SIGTERM or Ctrl-C stops it: a sweep in progress gets
    /// `schedule.stop_grace_seconds` for the accounts in flight and is recorded `interrupted`.
    Serve {
        /// Run one sweep now, with the service's behaviour (lock, resume, metrics), and exit
        /// with the sweep's exit status: for a systemd timer or a Kubernetes CronJob.
        #[arg(long)]
        once: bool,
    },
    /// Load a spool file (results written while the database was unreachable) into the
    /// database. Idempotent: accounts already there are left as they are.
    Import {
        /// A spool file, e.g. spool/sweep-<id>.jsonl.
        file: PathBuf,
    },
    /// Print a stored sweep, read back from PostgreSQL.
    Report {
        /// `latest`, or a sweep id.
        #[arg(long, default_value = "latest", value_name = "latest|ID")]
        sweep: String,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// Show what a sweep would audit: every account with its OU path and whether it is included,
    /// excluded (by which rule) or skipped. Calls only AWS Organizations.
    Accounts,
    /// Apply the database migrations (sweep also applies them at start).
    Migrate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// The readable report, with what changed since the previous sweep.
    Text,
    /// The JSON report, schema version 1.
    Json,
    /// The current findings of every account (the `current_findings` view), for spreadsheets;
    /// `--sweep` does not apply.
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let verbosity = if cli.quiet {
        -1
    } else {
        cli.verbose.min(2) as i8
    };
    telemetry::init(cli.log_format, verbosity);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

fn config_path(cli: &Cli, env: &HashMap<String, String>) -> PathBuf {
    cli.config
        .clone()
        .or_else(|| env.get("MFA_AUDITOR_CONFIG").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("config/default.toml"))
}

async fn run(cli: Cli) -> Result<u8> {
    let env: HashMap<String, String> = std::env::vars().collect();
    let config = config::load(&config_path(&cli, &env), &env)?;
    match cli.command {
        Command::Migrate => {
            let store = connect(&config).await?;
            store.migrate().await?;
            out("migrations applied\n")?;
            Ok(0)
        }
        Command::Accounts => accounts(&config).await,
        Command::Report { sweep, format } => {
            let store = connect(&config).await?;
            let selector = if sweep == "latest" {
                SweepSelector::Latest
            } else {
                SweepSelector::Id(sweep)
            };
            match format {
                ReportFormat::Csv => {
                    let findings = store.current_findings().await?;
                    out(&mfa_report::render_csv(&findings).context("cannot write CSV")?)?;
                }
                ReportFormat::Text => out(&mfa_report::render_text(
                    &store.load_report(&selector).await?,
                ))?,
                ReportFormat::Json => {
                    let report = store.load_report(&selector).await?;
                    out(&(serde_json::to_string_pretty(&report)? + "\n"))?
                }
            }
            Ok(0)
        }
        Command::Sweep {
            fail_on_findings,
            resume,
        } => {
            let stop = stop_on_signal(config.schedule.stop_grace);
            let request = SweepRequest {
                fail_on_findings,
                resume: if resume { Resume::Required } else { Resume::No },
                quiet: cli.quiet,
                metrics: None,
                stop,
            };
            sweep(&config, &request).await
        }
        Command::Serve { once } => serve(&config, once, cli.quiet).await,
        Command::Import { file } => import(&config, &file).await,
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn out(text: &str) -> Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

async fn connect(config: &config::AuditConfig) -> Result<Store> {
    let Some(url) = &config.database.url else {
        anyhow::bail!(
            "{}: key `database.url` is not set: give it in the file or with DATABASE_URL",
            config.database.origin
        );
    };
    Ok(Store::connect(
        url.expose_secret(),
        config.database.max_connections,
        config.database.connect_timeout,
    )
    .await?)
}

async fn accounts(config: &config::AuditConfig) -> Result<u8> {
    let sdk = config.aws.load().await;
    let organization = OrganizationReader::new(&sdk, Caller::new(config.limits.clone()))
        .read()
        .await
        .context("cannot read the organization")?;
    let plan = mfa_sweep::plan(organization, &config.scope);
    let mut text = format!(
        "Organization {} (management account {})\n{:<12}  {:<28} {:<36} decision\n",
        plan.organization_id, plan.management_account_id, "account", "name", "ou path"
    );
    for planned in &plan.accounts {
        let decision = match &planned.decision {
            Decision::Audit => "included".to_string(),
            Decision::Skip { reason, rule } => format!("{} ({rule})", reason.as_str()),
            Decision::Invalid { message } => format!("error ({message})"),
        };
        text += &format!(
            "{:<12}  {:<28} {:<36} {decision}\n",
            planned.account.id,
            planned.account.name,
            planned.account.ou_path()
        );
    }
    text += &format!(
        "{} accounts: {} included, {} not\n",
        plan.accounts.len(),
        plan.audited().count(),
        plan.accounts.len() - plan.audited().count()
    );
    out(&text)?;
    Ok(0)
}

/// Whether a sweep starts fresh or finishes an interrupted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resume {
    No,
    /// `sweep --resume`: the latest sweep must be interrupted.
    Required,
    /// `serve` with `schedule.resume_interrupted`: finish it if there is one, else start anew.
    IfInterrupted,
}

#[derive(Debug)]
struct SweepRequest {
    fail_on_findings: bool,
    resume: Resume,
    quiet: bool,
    metrics: Option<Arc<Metrics>>,
    stop: StopSignal,
}

/// Exit status of a sweep stopped by SIGTERM or Ctrl-C (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// The first SIGTERM or Ctrl-C stops the sweep gracefully; a second one quits at once.
fn stop_on_signal(grace: Duration) -> StopSignal {
    let (handle, signal) = mfa_sweep::stop_signal();
    tokio::spawn(async move {
        stop_requested().await;
        tracing::warn!(
            grace_s = grace.as_secs(),
            "stop requested: no new accounts; those in flight may finish; send the signal again to quit at once"
        );
        handle.stop();
        stop_requested().await;
        eprintln!("stopping at once; the sweep is marked interrupted at the next start");
        std::process::exit(EXIT_INTERRUPTED.into());
    });
    signal
}

async fn stop_requested() {
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

async fn sweep(config: &config::AuditConfig, request: &SweepRequest) -> Result<u8> {
    let store = connect(config).await?;
    store.migrate().await?;
    // Held until the sweep ends (the runner keeps it): never two sweeps at once, from any host.
    let lock = store.lock_for_sweep(config.when_busy).await?;
    import_pending_spool(&store, &config.spool_dir).await?;
    let start = match request.resume {
        Resume::No => SweepStart::New,
        Resume::Required => SweepStart::Resume(store.resumable_sweep().await?),
        Resume::IfInterrupted => match store.resumable_sweep().await {
            Ok(resumable) => SweepStart::Resume(resumable),
            Err(StoreError::NothingToResume(_)) => SweepStart::New,
            Err(error) => return Err(error.into()),
        },
    };
    if let SweepStart::Resume(resumable) = &start {
        tracing::info!(
            sweep_id = resumable.sweep.id,
            already_done = resumable.done.len(),
            "resuming the interrupted sweep"
        );
    }
    let sdk = config.aws.load().await;
    // One caller for the whole sweep: its limiters are shared by every worker.
    let mut caller = Caller::new(config.limits.clone());
    if let Some(metrics) = &request.metrics {
        caller = caller.with_observer(metrics.clone());
    }
    let organization = OrganizationReader::new(&sdk, caller.clone())
        .read()
        .await
        .context("cannot read the organization")?;
    let plan = mfa_sweep::plan(organization, &config.scope);
    if request.stop.is_stopped() {
        // Stopped while the organization was read: no sweep was begun, nothing to resume.
        out("Stopped before the sweep began; nothing was recorded.\n")?;
        return Ok(EXIT_INTERRUPTED);
    }
    let collector = AccountCollector::new(
        &sdk,
        caller.clone(),
        config.role.clone(),
        config.regions.clone(),
        config.credential_report_deadline,
    );
    let runner = SweepRunner::new(
        collector,
        store.clone(),
        SweepSettings {
            concurrency: config.concurrency,
            account_deadline: config.account_deadline,
            grace_period: config.schedule.stop_grace,
            record: RecordSettings {
                retry_for: config.write_retry,
                spool_dir: config.spool_dir.clone(),
            },
        },
    );
    let progress = progress::SweepProgress::new(request.quiet, request.metrics.clone());
    let summary = runner
        .run(plan, start, lock, &progress, &request.stop)
        .await;
    progress.finish();
    let summary = summary?;
    if let Some(metrics) = &request.metrics {
        metrics.accounts_spooled(summary.spooled);
    }
    if summary.spooled == 0 {
        // Retention runs after the sweep; a failure to prune loses nothing and fails nothing.
        match store.prune(config.keep_days).await {
            Ok(0) => {}
            Ok(pruned) => {
                tracing::info!(pruned, keep_days = config.keep_days, "pruned old findings")
            }
            Err(error) => tracing::warn!("pruning old findings failed: {error}"),
        }
    }
    let stats = caller.stats();
    let mut text = format!(
        "Sweep {} {}: {} assessed, {} errored, {} skipped; {} accounts with failing controls.\n",
        summary.sweep_id,
        summary.status.as_str(),
        summary.assessed,
        summary.errored,
        summary.skipped,
        summary.accounts_failing,
    );
    if summary.already_done > 0 {
        text += &format!(
            "Resumed: {} accounts were already recorded by the interrupted run and not audited again.\n",
            summary.already_done
        );
    }
    text += &format!(
        "{:.1} s in all, {:.2} s of it writing to PostgreSQL; {} AWS calls ({} retries, {} throttled).\n",
        summary.elapsed.as_secs_f64(),
        summary.store_time.as_secs_f64(),
        stats.attempts.load(Ordering::Relaxed),
        stats.retries.load(Ordering::Relaxed),
        stats.throttled.load(Ordering::Relaxed),
    );
    if let Some(spool) = &summary.spool_file {
        out(&text)?;
        anyhow::bail!(
            "{} accounts could not be written to the database (see the log for why) and were \
             written to {} instead; nothing is lost. Load them with `mfa-auditor import {}` \
             (the next sweep also does it)",
            summary.spooled,
            spool.display(),
            spool.display()
        );
    }
    if summary.unfinished > 0 {
        text += &format!(
            "Interrupted; accounts not audited: {}. Finish it with: mfa-auditor sweep --resume\n",
            summary.unfinished
        );
    }
    text += &format!(
        "Read it with: mfa-auditor report --sweep {}\n",
        summary.sweep_id
    );
    out(&text)?;
    Ok(if summary.status == SweepStatus::Interrupted {
        EXIT_INTERRUPTED
    } else if request.fail_on_findings && summary.accounts_failing > 0 {
        3
    } else if summary.errored > 0 {
        2
    } else {
        0
    })
}

/// Spool files left by a sweep that lost the database: loaded before the next sweep starts,
/// then renamed `*.imported`.
///
/// A file that cannot be imported is left where it is, with an error in the log each night:
/// one bad file must not stop the nightly sweeps.
async fn import_pending_spool(store: &Store, spool_dir: &Path) -> Result<()> {
    for path in mfa_sweep::pending_spool_files(spool_dir) {
        tracing::warn!(path = %path.display(), "importing results spooled by an earlier sweep");
        let imported = match mfa_sweep::import_spool(store, &path).await {
            Ok(imported) => imported,
            Err(error) => {
                tracing::error!(path = %path.display(),
                    "cannot import this spool file; it stays for `mfa-auditor import`: {error}");
                continue;
            }
        };
        tracing::info!(
            path = %path.display(),
            written = imported.accounts_written,
            already_present = imported.accounts_already_present,
            "spool file imported"
        );
        let mut done = path.clone().into_os_string();
        done.push(".imported");
        std::fs::rename(&path, &done)
            .with_context(|| format!("cannot rename {} after importing it", path.display()))?;
    }
    Ok(())
}

async fn import(config: &config::AuditConfig, file: &Path) -> Result<u8> {
    let store = connect(config).await?;
    store.migrate().await?;
    // No sweep writes while the import does.
    let _lock = store.lock_for_sweep(config.when_busy).await?;
    let imported = mfa_sweep::import_spool(&store, file).await?;
    out(&format!(
        "{}: {} accounts written, {} already in the database, {} sweeps finished ({}).\n",
        file.display(),
        imported.accounts_written,
        imported.accounts_already_present,
        imported.sweeps_finished,
        imported.sweeps.join(", ")
    ))?;
    Ok(0)
}

async fn serve(config: &config::AuditConfig, once: bool, quiet: bool) -> Result<u8> {
    let metrics = Metrics::new();
    if let Some(address) = config.metrics_listen {
        metrics::serve(address, metrics.clone()).await?;
    }
    // An unreachable database at start is an error (exit 1), not a silent wait for the night.
    {
        let store = connect(config).await?;
        store.migrate().await?;
        if let Some(at) = store.last_successful_sweep().await? {
            metrics.set_last_success(at);
        }
    }
    let mut stop = stop_on_signal(config.schedule.stop_grace);
    let request = SweepRequest {
        fail_on_findings: false,
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
    let schedule = &config.schedule;
    if schedule.sweep_at_start {
        tracing::info!("sweeping at start (schedule.sweep_at_start)");
        let code = scheduled_sweep(config, &request, &metrics).await;
        if stop.is_stopped() {
            return code;
        }
        if let Err(error) = code {
            tracing::error!("sweep at start failed or was skipped: {error:#}");
        }
    }
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
            () = stop.stopped() => {
                tracing::info!("stopped while waiting for the next sweep");
                return Ok(0);
            }
        }
        let code = scheduled_sweep(config, &request, &metrics).await;
        if stop.is_stopped() {
            return code;
        }
        if let Err(error) = code {
            if is_sweep_running(&error) {
                tracing::warn!("scheduled sweep skipped: {error:#}");
            } else {
                tracing::error!("scheduled sweep failed: {error:#}");
            }
        }
    }
}

fn is_sweep_running(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<StoreError>(),
        Some(StoreError::SweepRunning(_))
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
        Ok(2) => SweepStatus::Partial.as_str(),
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

//! `sweep` and `import`: one sweep from the configuration (new or resumed) under the database
//! lock, with graceful stop on SIGTERM or Ctrl-C, and the loading of spool files.

use crate::metrics::Metrics;
use crate::{config, connect, exceptions, notify, out, progress};
use anyhow::{Context, Result};
use mfa_collector::{AccountCollector, Caller, OrganizationReader, RootAccessReader};
use mfa_report::terminal::Escaped;
use mfa_report::{SweepException, SweepStatus};
use mfa_store::StoreError;
use mfa_sweep::{
    Accepted, CancellationToken, CollectorAudit, LockedStore, RecordSettings, SweepError,
    SweepRunner, SweepSettings, SweepStart,
};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// Whether a sweep starts fresh or finishes an interrupted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    No,
    /// `sweep --resume`: the latest sweep must be interrupted.
    Required,
    /// `serve` with `schedule.resume_interrupted`: finish it if there is one, else start anew.
    IfInterrupted,
}

#[derive(Debug)]
pub struct SweepRequest {
    pub fail_on_findings: bool,
    /// A bad or unreadable exceptions file stops `sweep`; `serve` sweeps without it.
    pub exceptions_unreadable: exceptions::WhenUnreadable,
    pub resume: Resume,
    pub quiet: bool,
    pub metrics: Option<Arc<Metrics>>,
    pub stop: CancellationToken,
}

/// Exit status of a sweep stopped by SIGTERM or Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

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

pub async fn sweep(config: &config::AuditConfig, request: &SweepRequest) -> Result<u8> {
    let today = chrono::Utc::now().date_naive();
    let exceptions = exceptions::load(config, today, request.exceptions_unreadable)?;
    let store = connect(config).await?;
    store.migrate().await?;
    // Held until the sweep ends (the runner keeps it): never two sweeps at once, from any host.
    let lock = match mfa_sweep::take_sweep_lock(&store, config.when_busy, &request.stop).await {
        Err(SweepError::Stopped) => {
            out("Stopped while waiting for another sweep; nothing was recorded.\n")?;
            return Ok(EXIT_INTERRUPTED);
        }
        lock => lock?,
    };
    let mut sink = LockedStore::new(store.clone(), lock);
    import_pending_spool(&mut sink, &config.spool_dir).await?;
    let start = match request.resume {
        Resume::No => SweepStart::New,
        Resume::Required => SweepStart::Resume(Box::new(store.resumable_sweep().await?)),
        Resume::IfInterrupted => match store.resumable_sweep().await {
            Ok(resumable) => SweepStart::Resume(Box::new(resumable)),
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
    let sdk = crate::aws::sdk(config).await?;
    // One caller for the whole sweep: its limiters are shared by every worker.
    let mut caller = Caller::new(config.limits.clone());
    if let Some(metrics) = &request.metrics {
        caller = caller.with_observer(metrics.clone());
    }
    let organization = OrganizationReader::new(&sdk, caller.clone())
        .read()
        .await
        .with_context(|| {
            format!(
                "cannot read the organization from {}",
                crate::aws::target(config)
            )
        })?;
    let partition = organization.partition.clone();
    // Once per sweep, in the management account; a failure is recorded, never fatal.
    let centralized_root_access = RootAccessReader::new(&sdk, caller.clone())
        .read()
        .await
        .map_err(|error| {
            tracing::warn!("cannot read centralized root access: {error}");
            error.to_data_error()
        });
    let plan = mfa_sweep::plan(organization, &config.scope);
    let skipped_by_reason = plan.skipped_by_reason();
    // An account whose parents could not be read is in no OU: only webhooks for the whole
    // organization hear of it.
    let ous_of: notify::OusOf = plan
        .accounts
        .iter()
        .filter_map(|planned| {
            let parents = planned.account.parents.as_ref().ok()?;
            let ous = parents.iter().rev().map(|ou| ou.id.clone()).collect();
            Some((planned.account.id.clone(), ous))
        })
        .collect();
    if request.stop.is_cancelled() {
        // Stopped while the organization was read: no sweep was begun, nothing to resume.
        out("Stopped before the sweep began; nothing was recorded.\n")?;
        return Ok(EXIT_INTERRUPTED);
    }
    let collector = AccountCollector::new(
        &sdk,
        caller.clone(),
        config.role.clone(),
        partition,
        config.regions.clone(),
        config.credential_report,
    );
    let runner = SweepRunner::new(
        CollectorAudit::new(
            collector,
            config.account_deadline,
            Accepted {
                exceptions: exceptions.clone().into(),
                day: today,
            },
        ),
        SweepSettings {
            accounts_in_flight: config.accounts_in_flight,
            exceptions: SweepException::all(&exceptions, today, config.exceptions.warn_days),
            grace_period: config.schedule.stop_grace,
            record: RecordSettings {
                retry_for: config.write_retry,
                spool_dir: config.spool_dir.clone(),
            },
            centralized_root_access,
        },
    );
    let progress = progress::SweepProgress::new(request.quiet, request.metrics.clone());
    let summary = runner
        .run(plan, start, sink, &progress, &request.stop)
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
        "Sweep {} {}: {} assessed, {} errored, {} skipped; {} accounts with failing controls{}.\n",
        summary.sweep_id,
        summary.status.as_str(),
        summary.assessed,
        summary.errored,
        summary.skipped,
        summary.accounts_failing,
        if summary.accounts_failing_unexcepted == summary.accounts_failing {
            String::new()
        } else {
            format!(
                " ({} with failures no exception covers)",
                summary.accounts_failing_unexcepted
            )
        },
    );
    if !skipped_by_reason.is_empty() {
        let reasons: Vec<String> = skipped_by_reason
            .iter()
            .map(|(reason, count)| format!("{count} {}", reason.as_str()))
            .collect();
        text += &format!("Skipped: {}.\n", reasons.join(", "));
    }
    if summary.assessed == 0 && summary.already_done == 0 {
        text += "No account was assessed: nothing in this sweep says anything about MFA.\n";
    }
    text += &exceptions::summary(&exceptions, today, config.exceptions.warn_days);
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
    if summary.status != SweepStatus::Interrupted {
        notify::after_sweep(
            config,
            &store,
            &summary.sweep_id,
            &ous_of,
            request.metrics.as_ref(),
        )
        .await;
    }
    Ok(if summary.status == SweepStatus::Interrupted {
        EXIT_INTERRUPTED
    } else if request.fail_on_findings && summary.accounts_failing_unexcepted > 0 {
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
/// A file that cannot be imported now (the database went away again) is left where it is, with
/// an error in the log: one bad night must not stop the nightly sweeps. Records that can never
/// be imported are moved aside by the import itself, so no file fails every night.
async fn import_pending_spool(sink: &mut LockedStore, spool_dir: &Path) -> Result<()> {
    for path in mfa_sweep::pending_spool_files(spool_dir) {
        tracing::warn!(path = %path.display(), "importing results spooled by an earlier sweep");
        let imported = match mfa_sweep::import_spool(sink, &path).await {
            Ok(imported) => imported,
            Err(error) => {
                tracing::error!(path = %path.display(),
                    "cannot import this spool file now; it stays for the next sweep or `mfa-auditor import`: {error}");
                continue;
            }
        };
        tracing::info!(
            path = %path.display(),
            written = imported.accounts_written,
            already_present = imported.accounts_already_present,
            rejected = imported.rejected,
            "spool file imported"
        );
        set_aside(&path)?;
    }
    Ok(())
}

/// Renames an imported spool file `*.imported`: kept for the record, never imported again.
fn set_aside(path: &Path) -> Result<()> {
    let mut done = path.as_os_str().to_owned();
    done.push(".imported");
    std::fs::rename(path, &done)
        .with_context(|| format!("cannot rename {} after importing it", path.display()))
}

pub async fn import(config: &config::AuditConfig, file: &Path) -> Result<u8> {
    let store = connect(config).await?;
    store.migrate().await?;
    // Each account is imported in one transaction and importing twice is harmless: a signal
    // may end the import at once.
    tokio::spawn(async {
        stop_requested().await;
        eprintln!("stopped; run the import again to finish it");
        std::process::exit(EXIT_INTERRUPTED.into());
    });
    // No sweep writes while the import does.
    let never_stopped = CancellationToken::new();
    let lock = mfa_sweep::take_sweep_lock(&store, config.when_busy, &never_stopped).await?;
    let imported = mfa_sweep::import_spool(&mut LockedStore::new(store, lock), file).await?;
    let mut text = format!(
        "{}: {} accounts written, {} already in the database, {} sweeps finished ({}).\n",
        file.display(),
        imported.accounts_written,
        imported.accounts_already_present,
        imported.sweeps_finished,
        Escaped(&imported.sweeps.join(", "))
    );
    if let Some(line) = imported.torn_line {
        text += &format!(
            "Line {line}, the last, was cut short (a crash or power loss while it was written) \
             and was not imported; everything before it was.\n"
        );
    }
    if let Some(rejected) = &imported.rejected_file {
        text += &format!(
            "{} records could not be imported and were moved to {} with the reason for each.\n",
            imported.rejected,
            rejected.display()
        );
    }
    out(&text)?;
    Ok(if imported.rejected > 0 { 2 } else { 0 })
}

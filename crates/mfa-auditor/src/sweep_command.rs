//! One sweep from the configuration, new or resumed, under the database lock: what `sweep` runs,
//! and what `serve` runs on its schedule. What it prints at the end is `sweep_summary.rs`; its
//! exit status, `exit_codes.rs`.

use crate::database::connect;
use crate::exit_codes::{self, EXIT_INTERRUPTED};
use crate::metrics::Metrics;
use crate::spool_import::import_pending_spool;
use crate::stdout::out;
use crate::sweep_exceptions::{self, WhenUnreadable};
use crate::{aws, config, notify, progress, sweep_summary};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use mfa_collector::{
    AccountCollector, Caller, Organization, OrganizationReader, RootAccessReader, ScpsRead,
    SdkConfig,
};
use mfa_evaluator::{CentralizedRootAccess, DataError, Exception};
use mfa_report::{SweepException, SweepStatus};
use mfa_store::{Store, StoreError, SweepLock};
use mfa_sweep::{
    Accepted, CancellationToken, CollectorAudit, LockedStore, Plan, RecordSettings, SweepError,
    SweepRunner, SweepScps, SweepSettings, SweepStart,
};
use std::sync::Arc;

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
    pub exceptions_unreadable: WhenUnreadable,
    pub resume: Resume,
    pub quiet: bool,
    pub metrics: Option<Arc<Metrics>>,
    pub stop: CancellationToken,
}

pub async fn sweep(config: &config::AuditConfig, request: &SweepRequest) -> Result<u8> {
    let today = chrono::Utc::now().date_naive();
    let exceptions = sweep_exceptions::load(config, today, request.exceptions_unreadable)?;
    let store = connect(config).await?;
    store.migrate().await?;
    let Some(lock) = take_lock(&store, config, &request.stop).await? else {
        return Ok(EXIT_INTERRUPTED);
    };
    let mut sink = LockedStore::new(store.clone(), lock);
    import_pending_spool(&mut sink, &config.spool_dir).await?;
    let start = sweep_start(&store, request.resume).await?;
    let sdk = aws::sdk(config).await?;
    // One caller for the whole sweep: its limiters are shared by every worker.
    let caller = caller(config, request.metrics.as_ref());
    let (organization, centralized_root_access) = read_organization(config, &sdk, &caller).await?;
    let scps = read_scps(config, &sdk, &caller, &organization).await;
    let partition = organization.partition.clone();
    let plan = mfa_sweep::plan(organization, &config.scope);
    let skipped_by_reason = plan.skipped_by_reason();
    let ous_of = ous_of(&plan);
    if request.stop.is_cancelled() {
        // Stopped while the organization was read: no sweep was begun, nothing to resume.
        out("Stopped before the sweep began; nothing was recorded.\n")?;
        return Ok(EXIT_INTERRUPTED);
    }
    let collector = collector(config, &sdk, &caller, partition);
    let runner = runner(
        config,
        collector,
        &exceptions,
        today,
        centralized_root_access,
        scps,
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
        prune_old_findings(&store, config.keep_days).await;
    }
    let warn_days = config.exceptions.warn_days;
    let mut text = sweep_summary::summary(
        &summary,
        &skipped_by_reason,
        &exceptions,
        today,
        warn_days,
        caller.stats(),
    );
    if let Some(spool) = &summary.spool_file {
        out(&text)?;
        return Err(sweep_summary::spooled(&summary, spool));
    }
    text += &sweep_summary::next_steps(&summary);
    out(&text)?;
    if summary.status != SweepStatus::Interrupted {
        let metrics = request.metrics.as_ref();
        notify::after_sweep(config, &store, &summary.sweep_id, &ous_of, metrics).await;
    }
    Ok(exit_codes::of_sweep(&summary, request.fail_on_findings))
}

/// The sweep lock, held until the sweep ends (the runner keeps it): never two sweeps at once,
/// from any host. `None`: stopped while waiting for another sweep, as said on stdout.
async fn take_lock(
    store: &Store,
    config: &config::AuditConfig,
    stop: &CancellationToken,
) -> Result<Option<SweepLock>> {
    match mfa_sweep::take_sweep_lock(store, config.when_busy, stop).await {
        Err(SweepError::Stopped) => {
            out("Stopped while waiting for another sweep; nothing was recorded.\n")?;
            Ok(None)
        }
        lock => Ok(Some(lock?)),
    }
}

/// A new sweep, or the interrupted one to finish, as `resume` asks.
async fn sweep_start(store: &Store, resume: Resume) -> Result<SweepStart> {
    let start = match resume {
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
    Ok(start)
}

/// The organization's accounts and OUs, and whether root access is centralized.
async fn read_organization(
    config: &config::AuditConfig,
    sdk: &SdkConfig,
    caller: &Caller,
) -> Result<(Organization, Result<CentralizedRootAccess, DataError>)> {
    let organization = OrganizationReader::new(sdk, caller.clone())
        .read()
        .await
        .with_context(|| format!("cannot read the organization from {}", aws::target(config)))?;
    // Once per sweep, in the management account; a failure is recorded, never fatal.
    let centralized_root_access = RootAccessReader::new(sdk, caller.clone())
        .read()
        .await
        .map_err(|error| {
            tracing::warn!("cannot read centralized root access: {error}");
            error.to_data_error()
        });
    Ok((organization, centralized_root_access))
}

/// The organization's SCPs, once per sweep (`[audit] policies`); `None` when not read. A failure
/// is every account's SCP error, never the sweep's.
async fn read_scps(
    config: &config::AuditConfig,
    sdk: &SdkConfig,
    caller: &Caller,
    organization: &Organization,
) -> Option<SweepScps> {
    if !config.reads.policies {
        return None;
    }
    let management = &organization.management_account_id;
    let scps = OrganizationReader::new(sdk, caller.clone())
        .read_scps(management, mfa_evaluator::scp_bears_on_mfa)
        .await
        .map_err(|error| {
            tracing::warn!("cannot read the organization's SCPs: {error}");
            error.to_data_error()
        });
    Some(Arc::new(ScpsRead::new(management, scps)))
}

/// Each planned account's OUs, innermost first, for the webhooks that listen to some OUs only.
/// An account whose parents could not be read is in no OU: only webhooks for the whole
/// organization hear of it.
fn ous_of(plan: &Plan) -> notify::OusOf {
    plan.accounts
        .iter()
        .filter_map(|planned| {
            let parents = planned.account.parents.as_ref().ok()?;
            let ous = parents.iter().rev().map(|ou| ou.id.clone()).collect();
            Some((planned.account.id.clone(), ous))
        })
        .collect()
}

/// The calls' one gate (limits, retries), counted in `metrics` when given.
fn caller(config: &config::AuditConfig, metrics: Option<&Arc<Metrics>>) -> Caller {
    let caller = Caller::new(config.limits.clone());
    match metrics {
        Some(metrics) => caller.with_observer(metrics.clone()),
        None => caller,
    }
}

/// What audits one account, through the audit role, in the organization's `partition` (`aws`,
/// `aws-cn`, ...).
fn collector(
    config: &config::AuditConfig,
    sdk: &SdkConfig,
    caller: &Caller,
    partition: String,
) -> AccountCollector {
    AccountCollector::new(
        sdk,
        caller.clone(),
        config.role.clone(),
        partition,
        config.regions.clone(),
        config.credential_report,
        config.reads,
    )
}

/// The pool that audits the accounts and records each one.
fn runner(
    config: &config::AuditConfig,
    collector: AccountCollector,
    exceptions: &[Exception],
    today: NaiveDate,
    centralized_root_access: Result<CentralizedRootAccess, DataError>,
    scps: Option<SweepScps>,
) -> SweepRunner<CollectorAudit> {
    let audit = CollectorAudit::new(
        collector,
        config.account_deadline,
        Accepted {
            exceptions: exceptions.to_vec().into(),
            day: today,
        },
    );
    if let Some(lowered) = &config.accounts_in_flight_lowered {
        tracing::warn!("{lowered}");
    }
    SweepRunner::new(
        match scps {
            Some(scps) => audit.with_scps(scps),
            None => audit,
        },
        SweepSettings {
            accounts_in_flight: config.accounts_in_flight,
            exceptions: SweepException::all(exceptions, today, config.exceptions.warn_days),
            grace_period: config.schedule.stop_grace,
            record: RecordSettings {
                retry_for: config.write_retry,
                spool_dir: config.spool_dir.clone(),
            },
            centralized_root_access,
        },
    )
}

/// Retention, after the sweep: a failure to prune loses nothing and fails nothing.
async fn prune_old_findings(store: &Store, keep_days: u32) {
    match store.prune(keep_days).await {
        Ok(0) => {}
        Ok(pruned) => tracing::info!(pruned, keep_days, "pruned old findings"),
        Err(error) => tracing::warn!("pruning old findings failed: {error}"),
    }
}

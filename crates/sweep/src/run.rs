//! Runs a planned sweep: a bounded pool of accounts in flight, each written as it finishes.

use crate::plan::{Decision, Plan, PlannedAccount};
use chrono::Utc;
use futures::stream::{self, StreamExt};
use mfa_collector::AccountCollector;
use mfa_evaluator::{evaluate, ControlId, DataError, Status};
use mfa_report::{AccountReport, ControlReport, Outcome, SweepInfo, SweepStatus};
use mfa_store::{Store, StoreError};
use std::time::{Duration, Instant};
use tracing::{info, warn, Instrument};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// Accounts in flight at once.
    pub concurrency: usize,
    /// The most one account may take, all its calls included.
    pub account_deadline: Duration,
}

/// Told about the sweep as it goes (a progress bar, log lines, metrics).
pub trait Progress: Send + Sync {
    fn started(&self, sweep_id: &str, accounts_to_audit: usize);
    fn account_finished(&self, account: &AccountReport);
}

/// What a finished sweep did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepSummary {
    pub sweep_id: String,
    pub status: SweepStatus,
    pub assessed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// Accounts with at least one FAILED control.
    pub accounts_failing: usize,
    /// Time spent in the store's writes, all accounts together.
    pub store_time: Duration,
    pub elapsed: Duration,
}

#[derive(Debug)]
pub struct SweepRunner {
    collector: AccountCollector,
    store: Store,
    settings: SweepSettings,
}

impl SweepRunner {
    pub fn new(collector: AccountCollector, store: Store, settings: SweepSettings) -> SweepRunner {
        SweepRunner {
            collector,
            store,
            settings,
        }
    }

    pub async fn run(
        &self,
        plan: Plan,
        progress: &dyn Progress,
    ) -> Result<SweepSummary, SweepError> {
        let sweep_id = Uuid::new_v4().to_string();
        let info = SweepInfo {
            id: sweep_id.clone(),
            started_at: Utc::now(),
            finished_at: None,
            status: SweepStatus::Running,
            organization_id: Some(plan.organization_id.clone()),
            management_account_id: Some(plan.management_account_id.clone()),
            regions: self.collector.regions().to_vec(),
            controls: ControlId::ALL.to_vec(),
        };
        self.store.begin_sweep(&info).await?;
        let to_audit = plan.audited().count();
        info!(
            sweep_id,
            accounts = plan.accounts.len(),
            to_audit,
            "sweep started"
        );
        progress.started(&sweep_id, to_audit);

        let mut summary = SweepSummary {
            sweep_id: sweep_id.clone(),
            status: SweepStatus::Completed,
            assessed: 0,
            errored: 0,
            skipped: 0,
            accounts_failing: 0,
            store_time: Duration::ZERO,
            elapsed: Duration::ZERO,
        };
        let started = Instant::now();
        let (audit, skip): (Vec<PlannedAccount>, Vec<PlannedAccount>) = plan
            .accounts
            .into_iter()
            .partition(|a| a.decision == Decision::Audit);
        for planned in skip {
            let report = not_audited_report(planned, self.collector.regions());
            let write = Instant::now();
            self.store.record_account(&sweep_id, &report).await?;
            summary.store_time += write.elapsed();
            match report.outcome {
                Outcome::Error => summary.errored += 1,
                _ => summary.skipped += 1,
            }
        }

        let mut finished = stream::iter(audit)
            .map(|planned| self.audit_one(planned))
            .buffer_unordered(self.settings.concurrency.max(1));
        while let Some(report) = finished.next().await {
            let write = Instant::now();
            self.store.record_account(&sweep_id, &report).await?;
            summary.store_time += write.elapsed();
            match report.outcome {
                Outcome::Assessed => summary.assessed += 1,
                Outcome::Error => summary.errored += 1,
                Outcome::Skipped => summary.skipped += 1,
            }
            if report.controls.iter().any(|c| c.status == Status::Failed) {
                summary.accounts_failing += 1;
            }
            progress.account_finished(&report);
        }

        summary.status = if summary.errored > 0 {
            SweepStatus::Partial
        } else {
            SweepStatus::Completed
        };
        self.store
            .finish_sweep(&sweep_id, Utc::now(), summary.status)
            .await?;
        summary.elapsed = started.elapsed();
        info!(
            sweep_id,
            status = summary.status.as_str(),
            assessed = summary.assessed,
            errored = summary.errored,
            skipped = summary.skipped,
            elapsed_s = summary.elapsed.as_secs_f64(),
            store_s = summary.store_time.as_secs_f64(),
            "sweep finished"
        );
        Ok(summary)
    }

    /// Audits one account; never fails: a failure becomes the account's `error`.
    async fn audit_one(&self, planned: PlannedAccount) -> AccountReport {
        let account = planned.account;
        let account_id = account.id.clone();
        let span = tracing::info_span!("account", account_id = %account_id);
        let collected = tokio::time::timeout(
            self.settings.account_deadline,
            self.collector.collect(&account_id),
        )
        .instrument(span.clone())
        .await;
        let mut report = AccountReport {
            ou_path: account.ou_path(),
            account_id,
            account_name: account.name,
            outcome: Outcome::Assessed,
            skip_reason: None,
            error: None,
            controls: Vec::new(),
        };
        let _entered = span.enter();
        match collected {
            Ok(Ok(snapshot)) => {
                report.controls = evaluate(&snapshot)
                    .into_iter()
                    .map(ControlReport::from)
                    .collect();
                for control in report.controls.iter().filter(|c| c.status == Status::Error) {
                    if let Some(error) = &control.error {
                        warn!(control = %control.control_id, operation = %error.operation,
                              region = %error.region, code = ?error.code, "control not decided");
                    }
                }
            }
            Ok(Err(error)) => {
                warn!(operation = error.operation, region = %error.region,
                      code = ?error.aws_code, "account not assessed: {}", error.message);
                report.outcome = Outcome::Error;
                report.error = Some(error.to_data_error());
            }
            Err(_) => {
                warn!(
                    deadline_s = self.settings.account_deadline.as_secs(),
                    "account deadline passed"
                );
                report.outcome = Outcome::Error;
                report.error = Some(DataError {
                    operation: "account".to_string(),
                    region: self
                        .collector
                        .regions()
                        .first()
                        .cloned()
                        .unwrap_or_default(),
                    code: Some("Timeout".to_string()),
                    message: format!(
                        "the account did not finish within its deadline of {} s",
                        self.settings.account_deadline.as_secs()
                    ),
                });
            }
        }
        report
    }
}

/// The report of an account that is not audited: skipped, or invalid (an error).
fn not_audited_report(planned: PlannedAccount, regions: &[String]) -> AccountReport {
    let (outcome, skip_reason, error) = match planned.decision {
        Decision::Skip { reason, .. } => (Outcome::Skipped, Some(reason), None),
        Decision::Invalid { message } => (
            Outcome::Error,
            None,
            Some(DataError {
                operation: "organizations:ListAccounts".to_string(),
                region: regions.first().cloned().unwrap_or_default(),
                code: Some("MalformedResponse".to_string()),
                message,
            }),
        ),
        Decision::Audit => (Outcome::Assessed, None, None),
    };
    AccountReport {
        ou_path: planned.account.ou_path(),
        account_id: planned.account.id.chars().take(64).collect(),
        account_name: planned.account.name,
        outcome,
        skip_reason,
        error,
        controls: Vec::new(),
    }
}

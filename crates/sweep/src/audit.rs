//! Auditing one account: the [`Audit`] trait the pool runs, and its real implementation, the
//! collector and the evaluator under the account's deadline ([`CollectorAudit`]). The reports
//! of accounts that are not audited (skipped, invalid) or whose audit died are made here too.

use crate::decide::Decision;
use crate::plan::PlannedAccount;
use chrono::NaiveDate;
use mfa_collector::{AccountCollector, ScpsRead};
use mfa_evaluator::{evaluate, mfa_guardrail_scps, AccountSnapshot, DataError, Exception, Status};
use mfa_report::{AccountReport, ControlReport, Outcome, ResourceReport};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tracing::{warn, Instrument};

/// Audits one account. Never fails: a failure is the account's `error`.
pub trait Audit: Send + Sync {
    fn audit(
        &self,
        planned: PlannedAccount,
    ) -> impl Future<Output = AccountReport> + Send + 'static;

    /// The regions searched for user pools, as configured (`["*"]`: every region enabled in
    /// each account): what the sweep records.
    fn regions(&self) -> &[String];

    /// Where IAM and STS are called (`[aws] region`): the region an error of the whole account
    /// is named in.
    fn home_region(&self) -> &str;
}

/// The exceptions a sweep applies, and the day (UTC) it applies them on.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub exceptions: Arc<[Exception]>,
    pub day: NaiveDate,
}

/// The organization's SCPs as the sweep read them once (`[audit] policies`), or why they could
/// not be read: each account's SCPs in force are placed from them.
pub type SweepScps = Arc<ScpsRead>;

/// The real audit: assume the role, collect, place the SCPs in force, evaluate, mark what the
/// exceptions cover; all within `deadline`.
#[derive(Debug, Clone)]
pub struct CollectorAudit {
    collector: AccountCollector,
    deadline: Duration,
    accepted: Accepted,
    /// The collector's regions as configured.
    regions: Vec<String>,
    /// `None`: SCPs not read (`[audit] policies = false`).
    scps: Option<SweepScps>,
}

impl CollectorAudit {
    pub fn new(
        collector: AccountCollector,
        deadline: Duration,
        accepted: Accepted,
    ) -> CollectorAudit {
        CollectorAudit {
            regions: collector.regions().as_configured(),
            collector,
            deadline,
            accepted,
            scps: None,
        }
    }

    /// The same audit, placing the SCPs in force on each account from `scps`.
    pub fn with_scps(mut self, scps: SweepScps) -> CollectorAudit {
        self.scps = Some(scps);
        self
    }
}

impl Audit for CollectorAudit {
    fn audit(
        &self,
        planned: PlannedAccount,
    ) -> impl Future<Output = AccountReport> + Send + 'static {
        let accepted = self.accepted.clone();
        // The account's place in the OU tree, root first: what OU-scoped exceptions match.
        let ous: Vec<String> = planned
            .account
            .parents
            .iter()
            .flatten()
            .map(|unit| unit.id.clone())
            .collect();
        let audit = audit_one(
            self.collector.clone(),
            self.deadline,
            planned,
            self.scps.clone(),
        );
        async move {
            let mut report = audit.await;
            report.apply_exceptions(&accepted.exceptions, &ous, accepted.day);
            report
        }
    }

    fn regions(&self) -> &[String] {
        &self.regions
    }

    fn home_region(&self) -> &str {
        self.collector.home_region()
    }
}

fn error_report(planned: &PlannedAccount, error: DataError) -> AccountReport {
    AccountReport {
        ou_path: planned.account.ou_path(),
        account_id: planned.account.id.clone(),
        account_name: planned.account.name_or_empty().to_string(),
        outcome: Outcome::Error,
        skip_reason: None,
        error: Some(error),
        controls: Vec::new(),
        regions: None,
        mfa_guardrail_scps: None,
        mfa_guardrail_scps_error: None,
    }
}

/// The SCPs in force on the planned account, from the sweep's one read of them; an error when
/// they could not be read (for every account but the management account, which has none) or
/// placed (for this one).
fn scps_in_force(
    scps: &SweepScps,
    planned: &PlannedAccount,
    region: &str,
) -> Result<Vec<mfa_evaluator::ServiceControlPolicy>, DataError> {
    scps.in_force(&planned.account, region)
}

/// The facts beyond the controls do not error a control; a read that failed is said here once
/// per account, and on each resource (`policies_error`, `mfa_devices_error`,
/// `second_factors_error`; the SCPs' in `mfa_guardrail_scps_error`).
fn warn_unread_facts(snapshot: &AccountSnapshot, controls: &[ControlReport]) {
    if let Some(Err(error)) = &snapshot.authorization {
        warn!(operation = %error.operation, region = %error.region,
              code = error.code.as_deref(), "identity policies not read: {}", error.message);
    }
    let failed = |error: fn(&ResourceReport) -> Option<&String>| {
        let mut by_resource = BTreeMap::new();
        for resource in controls.iter().flat_map(|c| &c.resources) {
            if let Some(message) = error(resource) {
                by_resource.insert(resource.resource_id.as_str(), message.as_str());
            }
        }
        by_resource
    };
    let devices = failed(|r| r.facts.mfa_devices_error.as_ref());
    if let Some(first) = devices.values().next() {
        warn!(
            users = devices.len(),
            "MFA devices not read (the first: {first})"
        );
    }
    let factors = failed(|r| r.facts.second_factors_error.as_ref());
    if let Some(first) = factors.values().next() {
        warn!(
            pools = factors.len(),
            "second factors of user pools not read (the first: {first})"
        );
    }
}

/// The report of an account collected whole: its controls evaluated, what could not be decided
/// or read said in the log, and the SCPs guarding MFA in force on it.
fn assessed_report(planned: &PlannedAccount, snapshot: &AccountSnapshot) -> AccountReport {
    let controls: Vec<ControlReport> = evaluate(snapshot)
        .into_iter()
        .map(ControlReport::from)
        .collect();
    warn_unread_facts(snapshot, &controls);
    for control in controls.iter().filter(|c| c.status == Status::Error) {
        if let Some(error) = &control.error {
            warn!(control = %control.control_id, operation = %error.operation,
                  region = %error.region, code = error.code.as_deref(), "control not decided");
        }
    }
    let (mfa_guardrail_scps, mfa_guardrail_scps_error) = match mfa_guardrail_scps(snapshot) {
        None => (None, None),
        Some(Ok(ids)) => (Some(ids), None),
        Some(Err(error)) => (None, Some(error)),
    };
    AccountReport {
        ou_path: planned.account.ou_path(),
        account_id: planned.account.id.clone(),
        account_name: planned.account.name_or_empty().to_string(),
        outcome: Outcome::Assessed,
        skip_reason: None,
        error: None,
        controls,
        regions: snapshot.regions_searched(),
        mfa_guardrail_scps,
        mfa_guardrail_scps_error,
    }
}

async fn audit_one(
    collector: AccountCollector,
    deadline: Duration,
    planned: PlannedAccount,
    scps: Option<SweepScps>,
) -> AccountReport {
    let account_id = planned.account.id.clone();
    // Its name and OU say which account a warning is about; both come from AWS, and the text
    // log escapes them (mfa-auditor's log_writer). At the error level so that it is on whenever
    // any of its events is: with `-q` (warnings only) an info span would be off, and warnings
    // would not say which account they are about.
    let span = tracing::error_span!("account", account_id = %account_id,
        account_name = %planned.account.name_or_empty(), ou_path = %planned.account.ou_path());
    let ends = tokio::time::Instant::now() + deadline;
    let collected = tokio::time::timeout_at(ends, collector.collect(&account_id, ends))
        .instrument(span.clone())
        .await;
    let _entered = span.enter();
    match collected {
        Ok(Ok(mut snapshot)) => {
            snapshot.scps_in_force = scps
                .as_ref()
                .map(|scps| scps_in_force(scps, &planned, collector.home_region()));
            assessed_report(&planned, &snapshot)
        }
        Ok(Err(error)) => {
            warn!(operation = error.operation, region = %error.region,
                  code = error.aws_code.as_deref(), "account not assessed: {}", error.message);
            error_report(&planned, error.to_data_error())
        }
        Err(_) => {
            warn!(
                operation = "account",
                deadline_s = deadline.as_secs(),
                "account deadline passed"
            );
            let error = DataError {
                operation: "account".to_string(),
                region: collector.home_region().to_string(),
                code: Some("Timeout".to_string()),
                message: format!(
                    "the account did not finish within its deadline of {} s",
                    deadline.as_secs()
                ),
                request_id: None,
            };
            error_report(&planned, error)
        }
    }
}

/// The report of an account whose audit died (a bug): that account errors, the sweep goes on.
pub(crate) fn died_report(
    planned: &PlannedAccount,
    error: &tokio::task::JoinError,
    error_region: &str,
) -> AccountReport {
    warn!(account_id = %planned.account.id, operation = "account", "account audit panicked: {error}");
    error_report(
        planned,
        DataError {
            operation: "account".to_string(),
            region: error_region.to_string(),
            code: Some("InternalError".to_string()),
            message: format!("the audit of this account failed inside mfa-auditor: {error}"),
            request_id: None,
        },
    )
}

/// The report of an account that is not audited: skipped, or invalid (an error).
pub(crate) fn not_audited_report(planned: PlannedAccount, error_region: &str) -> AccountReport {
    let (outcome, skip_reason, error) = match planned.decision {
        Decision::Skip { reason, .. } => (Outcome::Skipped, Some(reason), None),
        Decision::Invalid { mut error } => {
            if error.region.is_empty() {
                error.region = error_region.to_string();
            }
            (Outcome::Error, None, Some(error))
        }
        Decision::Audit => (Outcome::Assessed, None, None),
    };
    AccountReport {
        ou_path: planned.account.ou_path(),
        account_id: planned.account.id.chars().take(64).collect(),
        account_name: planned.account.name_or_empty().to_string(),
        outcome,
        skip_reason,
        error,
        controls: Vec::new(),
        regions: None,
        mfa_guardrail_scps: None,
        mfa_guardrail_scps_error: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fakes::plan_of;

    #[test]
    fn scps_that_could_not_be_read_are_every_accounts_error_but_the_managements() {
        let refused = DataError {
            operation: "organizations:ListPolicies".to_string(),
            region: "us-east-1".to_string(),
            code: Some("AccessDeniedException".to_string()),
            message: "not authorized".to_string(),
            request_id: Some("r-1".to_string()),
        };
        let plan = plan_of(3);
        let scps: SweepScps = Arc::new(ScpsRead::new(
            &plan.management_account_id,
            Err(refused.clone()),
        ));
        let placed: Vec<(String, Result<usize, DataError>)> = plan
            .accounts
            .iter()
            .map(|planned| {
                let in_force = scps_in_force(&scps, planned, "us-east-1");
                (planned.account.id.clone(), in_force.map(|scps| scps.len()))
            })
            .collect();
        // SCPs never apply to the management account: none in force, not the error.
        assert_eq!(
            placed,
            vec![
                (plan.management_account_id.clone(), Ok(0)),
                ("000000000002".to_string(), Err(refused.clone())),
                ("000000000003".to_string(), Err(refused)),
            ]
        );
    }
}

//! What one webhook hears about one sweep: the changes in its part of the organization, on the
//! topics it asked for. Empty means nothing to say, and no POST.

use crate::critical::{critical_identities, CriticalIdentity};
use mfa_evaluator::{ControlId, ExceptionState};
use mfa_report::{AccountReport, Outcome, SweepReport};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// What a webhook can ask to hear about (`on = [...]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Topic {
    NewFailures,
    Resolved,
    AccountErrors,
    ExceptionsExpiring,
    /// An identity that became `critical` (root without MFA, an admin without MFA that can
    /// sign in).
    Critical,
}

impl Topic {
    pub const ALL: [Topic; 5] = [
        Topic::NewFailures,
        Topic::Resolved,
        Topic::AccountErrors,
        Topic::ExceptionsExpiring,
        Topic::Critical,
    ];

    /// As the configuration file spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Which part of the news a webhook gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub topics: Vec<Topic>,
    /// OU ids; empty: the whole organization. An account belongs to every OU above it.
    pub ous: Vec<String>,
}

/// What the sweep and the history say, for every webhook alike.
#[derive(Debug)]
pub struct News<'a> {
    pub report: &'a SweepReport,
    /// Accounts that errored in this sweep but not in their previous assessment.
    pub newly_errored: &'a BTreeSet<String>,
    /// Exceptions whose state (expiring, expired) is new since the previous sweep, each with
    /// the accounts where it covered findings in this sweep or the previous one.
    pub exceptions_changed: &'a HashMap<String, BTreeSet<String>>,
    /// Each account's OU ids, nearest first, from the sweep's plan.
    pub ous_of: &'a HashMap<String, Vec<String>>,
    /// Identities (account id, resource id) that became `critical` in this sweep.
    pub became_critical: &'a BTreeSet<(String, String)>,
}

/// Whether a finding starts or stops failing: the store's `failing_change`, which the reports'
/// "new failures" and "resolved" count too.
pub use mfa_report::FailingChange as ChangeKind;

/// One finding that started or stopped failing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub control_id: ControlId,
    pub resource_id: String,
    pub change: ChangeKind,
    /// The exception that covers a new failure, if one does (an accepted risk).
    pub exception: Option<String>,
}

/// An account that errors now and did not at its previous assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountError {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub operation: String,
    pub region: String,
    pub code: Option<String>,
    pub message: String,
}

/// An exception that now expires within the warning window, or has now expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionNews {
    pub id: String,
    pub owner: String,
    pub expires: chrono::NaiveDate,
    pub state: ExceptionState,
}

/// What one webhook hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub changes: Vec<Change>,
    pub account_errors: Vec<AccountError>,
    pub exceptions: Vec<ExceptionNews>,
    pub critical: Vec<CriticalIdentity>,
}

impl Digest {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
            && self.account_errors.is_empty()
            && self.exceptions.is_empty()
            && self.critical.is_empty()
    }

    pub fn new_failures(&self) -> usize {
        self.count(ChangeKind::NewFailure)
    }

    pub fn resolved(&self) -> usize {
        self.count(ChangeKind::Resolved)
    }

    fn count(&self, kind: ChangeKind) -> usize {
        self.changes.iter().filter(|c| c.change == kind).count()
    }

    /// The news, narrowed to the route's OUs and topics.
    pub fn build(news: &News, route: &Route) -> Digest {
        let scope = Scope { news, route };
        Digest {
            changes: scope.changes(),
            account_errors: if scope.wants(Topic::AccountErrors) {
                scope.account_errors()
            } else {
                Vec::new()
            },
            exceptions: if scope.wants(Topic::ExceptionsExpiring) {
                scope.exceptions()
            } else {
                Vec::new()
            },
            critical: if scope.wants(Topic::Critical) {
                scope.critical()
            } else {
                Vec::new()
            },
        }
    }
}

/// The news as one webhook's route narrows it.
struct Scope<'a> {
    news: &'a News<'a>,
    route: &'a Route,
}

impl Scope<'_> {
    /// Whether the account is under one of the route's OUs (any account, with none).
    fn in_route(&self, account_id: &str) -> bool {
        self.route.ous.is_empty()
            || self
                .news
                .ous_of
                .get(account_id)
                .is_some_and(|ous| ous.iter().any(|ou| self.route.ous.contains(ou)))
    }

    fn wants(&self, topic: Topic) -> bool {
        self.route.topics.contains(&topic)
    }

    /// Resources that start or stop failing, on the topics the route asked for.
    fn changes(&self) -> Vec<Change> {
        let report = self.news.report;
        let accounts: HashMap<&str, &AccountReport> = report
            .accounts
            .iter()
            .map(|a| (a.account_id.as_str(), a))
            .collect();
        let mut changes = Vec::new();
        for change in &report.changes_since_previous_sweep {
            if !self.in_route(&change.account_id) {
                continue;
            }
            // The view lists only accounts of this sweep, so the account is in the report.
            let Some(account) = accounts.get(change.account_id.as_str()) else {
                tracing::warn!(account = %change.account_id, "a change of an account the sweep does not list; not notified");
                continue;
            };
            // The store's rule (`failing_change`): a resource that appears failing (a console
            // user created without MFA) is a new failure; one that disappears while failing
            // (the user deleted) is resolved.
            let Some(kind) = change.failing else {
                continue;
            };
            let topic = match kind {
                ChangeKind::NewFailure => Topic::NewFailures,
                ChangeKind::Resolved => Topic::Resolved,
            };
            if !self.wants(topic) {
                continue;
            }
            let exception = (kind == ChangeKind::NewFailure)
                .then(|| exception_of(account, change))
                .flatten();
            changes.push(Change {
                account_id: change.account_id.clone(),
                account_name: change.account_name.clone(),
                ou_path: account.ou_path.clone(),
                control_id: change.control_id,
                resource_id: change.resource_id.clone(),
                change: kind,
                exception,
            });
        }
        changes
    }

    /// Accounts in the route that errored in this sweep and not in their previous assessment.
    fn account_errors(&self) -> Vec<AccountError> {
        self.news
            .report
            .accounts
            .iter()
            .filter(|a| a.outcome == Outcome::Error)
            .filter(|a| self.news.newly_errored.contains(&a.account_id))
            .filter(|a| self.in_route(&a.account_id))
            .filter_map(|a| {
                let error = a.error.as_ref()?;
                Some(AccountError {
                    account_id: a.account_id.clone(),
                    account_name: a.account_name.clone(),
                    ou_path: a.ou_path.clone(),
                    operation: error.operation.clone(),
                    region: error.region.clone(),
                    code: error.code.clone(),
                    message: error.message.clone(),
                })
            })
            .collect()
    }

    /// Identities in the route that became critical.
    fn critical(&self) -> Vec<CriticalIdentity> {
        self.news
            .report
            .accounts
            .iter()
            .filter(|a| self.in_route(&a.account_id))
            .flat_map(|a| critical_identities(a, self.news.became_critical))
            .collect()
    }

    /// Exceptions newly expiring or expired. A webhook for part of the organization hears of
    /// the exceptions that covered findings there; one for the whole organization, of all.
    fn exceptions(&self) -> Vec<ExceptionNews> {
        self.news
            .report
            .sweep
            .exceptions
            .iter()
            .filter(|e| e.state != ExceptionState::Active)
            .filter(
                |e| match self.news.exceptions_changed.get(&e.exception.id) {
                    None => false,
                    Some(covered) => {
                        self.route.ous.is_empty() || covered.iter().any(|a| self.in_route(a))
                    }
                },
            )
            .map(|e| ExceptionNews {
                id: e.exception.id.clone(),
                owner: e.exception.owner.clone(),
                expires: e.exception.expires,
                state: e.state,
            })
            .collect()
    }
}

fn exception_of(account: &AccountReport, change: &mfa_report::ChangeReport) -> Option<String> {
    account
        .controls
        .iter()
        .filter(|c| c.control_id == change.control_id)
        .flat_map(|c| &c.resources)
        .find(|r| r.resource_id == change.resource_id)
        .and_then(|r| r.exception.as_ref())
        .map(|e| e.id.clone())
}

#[cfg(test)]
mod tests;

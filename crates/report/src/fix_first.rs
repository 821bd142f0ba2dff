//! "Fix first", which the text and HTML reports open with: the identities that fail IAM.9, IAM.5
//! or IAM.19 without an exception, most urgent first, each with what is at stake
//! (`docs/controls.md`, "Beyond the five controls"). Chosen and ordered here, once; each
//! renderer only shows it, escaped its own way (every value here is raw, from AWS).
//!
//! One entry per identity: a user failing both IAM.5 and IAM.19 is one entry naming both
//! controls. A failure without a priority ([`WITHOUT_PRIORITY`]) is counted, not listed.

use crate::{AccountReport, ResourceReport, SweepReport};
use chrono::{DateTime, Utc};
use mfa_evaluator::{
    AccessKeyStake, ControlId, Priority, Requirement, ResourceType, Stakes, Standard, Status,
};
use std::collections::{BTreeSet, HashMap};
use strum::IntoEnumIterator;

/// The controls whose failures carry a priority, in the order an entry names them.
pub(crate) const PRIORITISED: [ControlId; 3] = [ControlId::Iam9, ControlId::Iam5, ControlId::Iam19];

/// Entries shown before "and N more": a screen's worth; the JSON report has every one.
pub(crate) const SHOWN: usize = 20;

/// Why a failure has no priority (docs/controls.md): the identity holds a credential, so only
/// admin rights would decide it, and those were not read.
pub(crate) const WITHOUT_PRIORITY: &str =
    "they hold a credential, and whether they administer the \
     account was not read: [audit] policies off, or its read failed";

/// Where the rest are, said where the list is cut: the JSON report has each identity's stakes
/// and priority; the CSV only a priority per finding (a row per control, no stakes).
pub(crate) const FULL_LIST: &str = "report --format json: every failing identity with its \
                                    stakes and priority; report --format csv: a row per finding \
                                    and control, with its priority, without the stakes";

/// The configuration that decides whether priorities are read, said when none was.
pub(crate) const NOT_READ: &str = "priorities were not read ([audit] policies = false, or a sweep \
                                   from before they were)";

/// The identities to fix first, most urgent first.
pub(crate) struct FixFirst<'a> {
    pub entries: Vec<Entry<'a>>,
    /// Identities that fail one of [`PRIORITISED`] without an exception and without a priority.
    pub without_priority: usize,
    /// What the entries fail, for the heading: [`failing_what`].
    pub failing: String,
    /// Under `--framework`, how the entries are named: `the requirements of <standards>`.
    pub named_by: Option<String>,
}

/// One identity: a root user or an IAM user.
pub(crate) struct Entry<'a> {
    pub priority: Priority,
    /// The controls it fails without an exception, in [`PRIORITISED`] order.
    pub controls: Vec<ControlId>,
    pub account: &'a AccountReport,
    /// The finding whose facts are shown: the most urgent of the identity's findings.
    pub resource: &'a ResourceReport,
    /// The longest failing streak of its findings, when the history says it.
    pub failing_since: Option<DateTime<Utc>>,
    /// The standards `--framework` chose (empty: none), whose requirements name its controls.
    standards: &'a [Standard],
}

impl<'a> FixFirst<'a> {
    pub fn of(report: &'a SweepReport) -> Self {
        let mut entries: Vec<Entry<'a>> = Vec::new();
        let mut index: HashMap<(&str, &str), usize> = HashMap::new();
        let mut unprioritised: BTreeSet<(&str, &str)> = BTreeSet::new();
        for (account, control, resource) in unexcepted_failures(report) {
            let key = (account.account_id.as_str(), resource.resource_id.as_str());
            let Some(priority) = resource.facts.priority else {
                unprioritised.insert(key);
                continue;
            };
            let entry = Entry {
                priority,
                controls: vec![control],
                account,
                resource,
                failing_since: resource.failing_since,
                standards: &report.standards,
            };
            match index.get(&key) {
                Some(&at) => entries[at].merge(entry),
                None => {
                    index.insert(key, entries.len());
                    entries.push(entry);
                }
            }
        }
        entries.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        let without_priority = unprioritised
            .iter()
            .filter(|key| !index.contains_key(key))
            .count();
        FixFirst {
            entries,
            without_priority,
            failing: failing_what(report),
            named_by: (!report.standards.is_empty()).then(|| {
                let standards: Vec<&str> = report.standards.iter().map(|s| s.name()).collect();
                format!("the requirements of {}", standards.join(", "))
            }),
        }
    }

    /// Whether there is anything to say: an identity to list, or failures without a priority.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.without_priority == 0
    }

    /// The entries shown, at most [`SHOWN`].
    pub fn shown(&self) -> &[Entry<'a>] {
        &self.entries[..self.entries.len().min(SHOWN)]
    }

    /// The entries left out of [`Self::shown`].
    pub fn more(&self) -> usize {
        self.entries.len().saturating_sub(SHOWN)
    }

    /// Identities per priority, every priority named: `1 critical, 0 high, 2 medium, 0 low`.
    pub fn counts(&self) -> String {
        let mut counts: Vec<String> = Priority::iter()
            .map(|p| {
                let n = self.entries.iter().filter(|e| e.priority == p).count();
                format!("{n} {p}")
            })
            .collect();
        // Said beside the others: "0 high" alone would read as a fact about them.
        if self.without_priority > 0 {
            counts.push(format!("{} not prioritised", self.without_priority));
        }
        counts.join(", ")
    }
}

impl Entry<'_> {
    /// Another failing finding of the same identity: its control is named, the most urgent
    /// priority and the longest streak kept.
    fn merge(&mut self, other: Entry<'_>) {
        self.controls.extend(other.controls);
        self.failing_since = match (self.failing_since, other.failing_since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if other.priority < self.priority {
            self.priority = other.priority;
        }
    }

    /// Priority, then the longest failing first (unknown streaks after known ones), then
    /// account and resource for a stable order.
    fn order_key(&self) -> impl Ord + '_ {
        (
            self.priority,
            self.failing_since.is_none(),
            self.failing_since,
            self.account.account_id.as_str(),
            self.resource.resource_id.as_str(),
        )
    }

    /// `IAM.5, IAM.19`; under `--framework`, the requirements they relate to first
    /// ([`requirements_named`]).
    pub fn controls(&self) -> String {
        let ids: Vec<&str> = self.controls.iter().map(|c| c.as_str()).collect();
        let ids = ids.join(", ");
        match requirements_named(&self.controls, self.standards) {
            Some(requirements) => format!("{requirements} ({ids})"),
            None => ids,
        }
    }

    /// `root`, or the IAM user's name (its ARN's last segment, without the path).
    pub fn identity(&self) -> &str {
        if self.resource.resource_type == ResourceType::AwsAccount {
            return "root";
        }
        let id = &self.resource.resource_id;
        id.rsplit_once('/').map_or(id.as_str(), |(_, name)| name)
    }

    /// What is at stake, in one line (raw: each renderer escapes it).
    pub fn stakes(&self) -> String {
        match &self.resource.facts.stakes {
            Some(stakes) => stakes_line(stakes),
            None => "stakes not read".to_string(),
        }
    }
}

/// What Fix first's entries fail, for its heading: the controls of [`PRIORITISED`] the report
/// keeps (`--framework` keeps those its standards relate: CIS none of IAM.19), `IAM.9, IAM.5
/// or IAM.19`.
fn failing_what(report: &SweepReport) -> String {
    let ids: Vec<&str> = PRIORITISED
        .iter()
        .filter(|c| report.sweep.controls.contains(c))
        .map(|c| c.as_str())
        .collect();
    match ids.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "none of IAM.9, IAM.5 or IAM.19".to_string(),
    }
}

/// The requirements of the chosen standards that `controls` relate to, as Security Hub spells
/// them and the rest of the report names them (`CIS AWS Foundations Benchmark v5.0.0/1.9`),
/// standard by standard, each once; `None` without `--framework`.
fn requirements_named(controls: &[ControlId], standards: &[Standard]) -> Option<String> {
    if standards.is_empty() {
        return None;
    }
    let mut named: Vec<Requirement> = Vec::new();
    for standard in standards {
        let related = controls.iter().flat_map(|c| c.related_requirements());
        for requirement in related.filter(|r| r.standard == *standard) {
            if !named.contains(requirement) {
                named.push(*requirement);
            }
        }
    }
    let named: Vec<String> = named.iter().map(ToString::to_string).collect();
    Some(named.join(", "))
}

/// Every FAILED finding of [`PRIORITISED`] that no exception covers, account by account.
fn unexcepted_failures(
    report: &SweepReport,
) -> impl Iterator<Item = (&AccountReport, ControlId, &ResourceReport)> {
    report.accounts.iter().flat_map(|account| {
        PRIORITISED.iter().flat_map(move |&id| {
            account
                .controls
                .iter()
                .filter(move |c| c.control_id == id)
                .flat_map(|c| &c.resources)
                .filter(|r| r.status == Status::Failed && r.exception.is_none())
                .map(move |r| (account, id, r))
        })
    })
}

/// `admin (AdministratorAccess) · console password, last used 2026-12-01 · 1 active key, last
/// used 2026-12-03 (s3)`; `no active credential` when nothing can sign in as it, beside `admin`
/// too (`admin (AdministratorAccess) · no active credential`: why an admin is `low`).
pub(crate) fn stakes_line(stakes: &Stakes) -> String {
    let mut parts = Vec::new();
    if stakes.admin_equivalent == Some(true) {
        let via: Vec<&str> = stakes
            .admin_via
            .iter()
            .flatten()
            .map(|p| policy_name(p))
            .collect();
        parts.push(if via.is_empty() {
            "admin".to_string()
        } else {
            format!("admin ({})", via.join(", "))
        });
    }
    let mut credentials = Vec::new();
    if stakes.console_password {
        credentials.push(format!(
            "console password, {}",
            last_used(stakes.password_last_used)
        ));
    }
    match &stakes.access_keys {
        None => credentials.push("access keys not read".to_string()),
        Some(keys) => credentials.extend(active_keys(keys)),
    }
    if credentials.is_empty() {
        credentials.push("no active credential".to_string());
    }
    parts.extend(credentials);
    parts.join(" · ")
}

/// `2 active keys, last used 2026-12-03 (s3)`: the latest use of any of them.
fn active_keys(keys: &[AccessKeyStake]) -> Option<String> {
    let active: Vec<&AccessKeyStake> = keys.iter().filter(|k| k.active).collect();
    let latest = active
        .iter()
        .filter(|k| k.last_used_date.is_some())
        .max_by_key(|k| k.last_used_date);
    let used = match latest {
        Some(key) => match &key.last_used_service {
            Some(service) => format!("{} ({service})", last_used(key.last_used_date)),
            None => last_used(key.last_used_date),
        },
        None => last_used(None),
    };
    match active.len() {
        0 => None,
        1 => Some(format!("1 active key, {used}")),
        n => Some(format!("{n} active keys, {used}")),
    }
}

fn last_used(at: Option<DateTime<Utc>>) -> String {
    match at {
        Some(at) => format!("last used {}", at.format("%Y-%m-%d")),
        None => "never used".to_string(),
    }
}

/// A managed policy by its name (`AdministratorAccess`); an inline one as its owner and name
/// (`group/admins:inline/all`).
fn policy_name(policy: &str) -> &str {
    match policy.split_once(":policy/") {
        Some((_, path_and_name)) => path_and_name.rsplit('/').next().unwrap_or(path_and_name),
        None => crate::text::short_resource(policy),
    }
}

#[cfg(test)]
mod tests;

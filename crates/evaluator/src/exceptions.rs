//! Accepted risks: which exception covers a failing finding, on a given day.
//!
//! An exception names an owner, a reason and an end date, and a scope: controls, and any of
//! accounts, OUs (an OU covers its nested OUs) and resource globs; the scope is the
//! intersection of what is given. It applies through its `expires` day and not after, so a
//! finding counts again the day after without anyone touching the file. Pure: the day is passed
//! in, never read from a clock here.

use crate::controls::ControlId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// A glob on a resource id: `*` is any run of characters (`/` and `:` included), `?` any one
/// character; everything else is itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceGlob(String);

/// The longest resource id AWS writes is an IAM user ARN of about 2,100 characters; a pattern
/// longer than that cannot be meant.
const MAX_GLOB_LEN: usize = 2048;

impl ResourceGlob {
    /// Checks that the pattern can match a resource id (an ARN): what comes before its first
    /// wildcard fits `arn:`.
    pub fn new(pattern: &str) -> Result<ResourceGlob, String> {
        if pattern.is_empty() {
            return Err("is empty: it would match nothing".into());
        }
        if pattern.len() > MAX_GLOB_LEN {
            return Err(format!("is longer than {MAX_GLOB_LEN} characters"));
        }
        if pattern.chars().any(char::is_whitespace) {
            return Err(format!("{pattern:?} has a space: no resource id has one"));
        }
        // Every resource id is an ARN: the text before the first wildcard must fit `arn:`.
        let literal = pattern.split(['*', '?']).next().unwrap_or_default();
        if !(literal.starts_with("arn:") || "arn:".starts_with(literal)) {
            return Err(format!(
                "{pattern:?} cannot match a resource id: they are ARNs (arn:aws:iam::...)"
            ));
        }
        Ok(ResourceGlob(pattern.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` matches the whole pattern.
    pub fn matches(&self, text: &str) -> bool {
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = text.chars().collect();
        crate::wildcard::matches(&pattern, &text)
    }
}

/// The controls an exception covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlScope {
    /// `["*"]`: every control.
    All,
    Only(Vec<ControlId>),
}

impl ControlScope {
    fn covers(&self, control: ControlId) -> bool {
        match self {
            ControlScope::All => true,
            ControlScope::Only(controls) => controls.contains(&control),
        }
    }
}

/// One accepted risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exception {
    /// Unique and stable: what reports and the history name.
    pub id: String,
    pub controls: ControlScope,
    /// 12-digit ids; empty: any account.
    pub accounts: Vec<String>,
    /// OU or root ids; an OU covers its nested OUs. Empty: anywhere.
    pub ous: Vec<String>,
    /// Empty: any resource.
    pub resources: Vec<ResourceGlob>,
    pub owner: String,
    pub reason: String,
    /// The last day (UTC) the exception applies.
    pub expires: NaiveDate,
    pub ticket: Option<String>,
}

/// Where a finding is: what an exception's scope is matched against.
#[derive(Debug, Clone, Copy)]
pub struct FindingPlace<'a> {
    pub control: ControlId,
    pub account_id: &'a str,
    /// The account's parents, from the root down: an OU in the list covers the account.
    pub ous: &'a [String],
    pub resource_id: &'a str,
}

/// Where an exception stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum ExceptionState {
    Active,
    /// Applies, and ends within the warning window.
    Expiring,
    /// Its last day is past: it no longer applies.
    Expired,
}

impl ExceptionState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl Exception {
    /// Whether the finding is in the exception's scope (whatever the day).
    pub fn covers(&self, place: &FindingPlace<'_>) -> bool {
        self.controls.covers(place.control)
            && (self.accounts.is_empty() || self.accounts.iter().any(|a| a == place.account_id))
            && (self.ous.is_empty() || place.ous.iter().any(|ou| self.ous.contains(ou)))
            && (self.resources.is_empty()
                || self.resources.iter().any(|g| g.matches(place.resource_id)))
    }

    /// Whether the exception applies on `day`: through its `expires` day, not after.
    pub fn applies_on(&self, day: NaiveDate) -> bool {
        day <= self.expires
    }

    /// Where it stands on `day`: expired after its last day, expiring when that day is within
    /// `warn_days`.
    pub fn state_on(&self, day: NaiveDate, warn_days: u32) -> ExceptionState {
        if !self.applies_on(day) {
            ExceptionState::Expired
        } else if (self.expires - day).num_days() < i64::from(warn_days) {
            ExceptionState::Expiring
        } else {
            ExceptionState::Active
        }
    }
}

/// The exception that covers a finding on `day`: the first in the file's order that is in
/// scope and still applies. Expired ones never cover anything.
pub fn exception_for<'a>(
    exceptions: &'a [Exception],
    place: &FindingPlace<'_>,
    day: NaiveDate,
) -> Option<&'a Exception> {
    exceptions
        .iter()
        .find(|e| e.applies_on(day) && e.covers(place))
}

#[cfg(test)]
mod tests;

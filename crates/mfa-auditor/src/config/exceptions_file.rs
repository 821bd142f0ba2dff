//! The exceptions file (`[exceptions] file`): accepted risks, each with an owner, a reason and
//! an end date. Read whole and checked whole: a bad file never half-applies. Every error names
//! the file, the entry (its id, else its position) and the key.
//!
//! serde reads the shape (which keys, of which types); [`RawEntry::check`] then decides what
//! the values mean, entry by entry. serde's own messages speak of Rust types ("expected a
//! sequence"), so a shape error is said again in the file's terms (`shape.rs`), from the path
//! serde_path_to_error gives and the value the file holds there.

mod shape;

use super::ConfigError;
use chrono::NaiveDate;
use mfa_collector::{AccountId, OuId};
use mfa_evaluator::{ControlId, ControlScope, Exception, ResourceGlob};
use shape::{entry_table, read_shape, RawEntry, TableOnly};
#[cfg(test)]
use shape::{KEYS, LIST_KEYS};
use std::collections::HashSet;
use std::fmt::Display;
use std::path::Path;
use std::str::FromStr;

/// Reads and checks the file at `path`. `today` (UTC) bounds `expires` to `max_days` ahead.
pub fn load_exceptions(
    path: &Path,
    today: NaiveDate,
    max_days: u32,
) -> Result<Vec<Exception>, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: String::new(),
        message: format!("cannot read the exceptions file: {e}"),
    })?;
    parse_exceptions(&text, &origin, today, max_days)
}

/// Parses exceptions text; `origin` names it in errors.
pub fn parse_exceptions(
    text: &str,
    origin: &str,
    today: NaiveDate,
    max_days: u32,
) -> Result<Vec<Exception>, ConfigError> {
    // Parsed to a table too: its syntax errors give the line and column, and a shape error is
    // said from what the table holds where serde stopped.
    let table = super::sources::parse_toml(text, origin)?;
    let file = read_shape(text, origin, &table)?;
    let mut seen = HashSet::new();
    let mut exceptions = Vec::with_capacity(file.exception.len());
    for (index, TableOnly(raw)) in file.exception.into_iter().enumerate() {
        let entry = EntryOrigin::of(origin, index, entry_table(&table, index));
        let exception = raw.check(&entry, today, max_days)?;
        if !seen.insert(exception.id.clone()) {
            return Err(entry.error(
                "id",
                format!("{:?} is the id of an earlier entry too", exception.id),
            ));
        }
        exceptions.push(exception);
    }
    Ok(exceptions)
}

const EXPIRES_NOT_A_DATE: &str = "must be a TOML date such as 2027-03-31 (no quotes, no time)";

/// Where an entry's errors point: `file, exception "id"`, or `file, exception #N` when the
/// entry has no usable id.
struct EntryOrigin(String);

impl EntryOrigin {
    fn of(file: &str, index: usize, table: Option<&toml::Table>) -> EntryOrigin {
        let id = table
            .and_then(|t| t.get("id"))
            .and_then(toml::Value::as_str);
        let name = match id {
            Some(id) if !id.trim().is_empty() => format!("exception {id:?}"),
            _ => format!("exception #{}", index + 1),
        };
        EntryOrigin(format!("{file}, {name}"))
    }

    fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.0.clone(),
            key: key.to_string(),
            message: message.into(),
        }
    }
}

impl RawEntry {
    /// The entry's values checked, key by key in the order [`KEYS`] lists them.
    fn check(
        self,
        at: &EntryOrigin,
        today: NaiveDate,
        max_days: u32,
    ) -> Result<Exception, ConfigError> {
        let id = required(at, "id", self.id)?;
        let valid_id = id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !valid_id {
            return Err(at.error(
                "id",
                format!("{id:?} must be at most 64 letters, digits, '.', '_' or '-'"),
            ));
        }
        let controls = control_scope(at, &self.controls)?;
        let accounts = ids::<AccountId>(at, "accounts", &self.accounts)?;
        let ous = ids::<OuId>(at, "ous", &self.ous)?;
        let resources = self
            .resources
            .iter()
            .map(|g| ResourceGlob::new(g).map_err(|e| at.error("resources", format!("glob {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if accounts.is_empty() && ous.is_empty() && resources.is_empty() {
            return Err(at.error(
                "accounts",
                "an exception names at least one of accounts, ous or resources: nothing is \
                 accepted everywhere",
            ));
        }
        let owner = required(at, "owner", self.owner)?;
        let reason = required(at, "reason", self.reason)?;
        let expires = expiry(at, self.expires, today, max_days)?;
        let ticket = text(at, "ticket", self.ticket)?;
        Ok(Exception {
            id,
            controls,
            accounts,
            ous,
            resources,
            owner,
            reason,
            expires,
            ticket,
        })
    }
}

/// A required string key, trimmed: absent or blank is an error.
fn required(at: &EntryOrigin, key: &str, value: Option<String>) -> Result<String, ConfigError> {
    text(at, key, value)?.ok_or_else(|| at.error(key, "is required"))
}

/// A string key, trimmed: `None` when absent, an error when blank.
fn text(at: &EntryOrigin, key: &str, value: Option<String>) -> Result<Option<String>, ConfigError> {
    match value {
        None => Ok(None),
        Some(value) if value.trim().is_empty() => Err(at.error(key, "must not be empty")),
        Some(value) => Ok(Some(value.trim().to_string())),
    }
}

/// Each value of `key` parsed as a `T` (an account or OU id), kept as written canonically.
fn ids<T>(at: &EntryOrigin, key: &str, values: &[String]) -> Result<Vec<String>, ConfigError>
where
    T: FromStr + Display,
    T::Err: Display,
{
    values
        .iter()
        .map(|value| {
            value
                .parse::<T>()
                .map(|id| id.to_string())
                .map_err(|e| at.error(key, e.to_string()))
        })
        .collect()
}

/// `controls`: `["*"]` alone for every control, else control ids.
fn control_scope(at: &EntryOrigin, controls: &[String]) -> Result<ControlScope, ConfigError> {
    if controls.is_empty() {
        return Err(at.error(
            "controls",
            "is required: control ids such as [\"IAM.19\"], or [\"*\"] for every control",
        ));
    }
    if controls.iter().any(|c| c == "*") {
        if controls.len() > 1 {
            return Err(at.error("controls", "\"*\" means every control: it stands alone"));
        }
        return Ok(ControlScope::All);
    }
    let ids = controls
        .iter()
        .map(|c| {
            c.parse::<ControlId>().map_err(|_| {
                at.error(
                    "controls",
                    format!(
                        "{c:?} is not a control (they are {})",
                        ControlId::ALL.map(|id| id.as_str()).join(", ")
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ControlScope::Only(ids))
}

/// `expires`: a date (no time), at most `max_days` after `today`.
fn expiry(
    at: &EntryOrigin,
    expires: Option<toml::value::Datetime>,
    today: NaiveDate,
    max_days: u32,
) -> Result<NaiveDate, ConfigError> {
    let Some(datetime) = expires else {
        return Err(at.error("expires", "is required: nothing is accepted for ever"));
    };
    let date = match (datetime.date, datetime.time) {
        (Some(date), None) => NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        ),
        _ => None,
    };
    let Some(date) = date else {
        return Err(at.error("expires", EXPIRES_NOT_A_DATE));
    };
    let latest = today + chrono::Days::new(u64::from(max_days));
    if date > latest {
        return Err(at.error(
            "expires",
            format!(
                "{date} is more than {max_days} days ahead (exceptions.max_days): the latest \
                 is {latest}"
            ),
        ));
    }
    // A date in the past is fine: the exception has expired and simply applies no more.
    Ok(date)
}

#[cfg(test)]
mod tests;

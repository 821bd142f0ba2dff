//! The exceptions file (`[exceptions] file`): accepted risks, each with an owner, a reason and
//! an end date. Read whole and checked whole: a bad file never half-applies. Every error names
//! the file, the entry (its id, else its position) and the key.
//!
//! serde reads the shape (which keys, of which types); [`RawEntry::check`] then decides what
//! the values mean, entry by entry. serde's own messages speak of Rust types ("expected a
//! sequence"), so a shape error is said again in the file's terms ([`shape_error`]), from the
//! path serde_path_to_error gives and the value the file holds there.

use super::ConfigError;
use chrono::NaiveDate;
use mfa_collector::{AccountId, OuId};
use mfa_evaluator::{ControlId, ControlScope, Exception, ResourceGlob};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_path_to_error::Segment;
use std::collections::HashSet;
use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::path::Path;
use std::str::FromStr;

/// The entry's keys, as messages list them: anything else is an error.
const KEYS: [&str; 9] = [
    "id",
    "controls",
    "accounts",
    "ous",
    "resources",
    "owner",
    "reason",
    "expires",
    "ticket",
];

/// The keys that hold a list of strings.
const LIST_KEYS: [&str; 4] = ["controls", "accounts", "ous", "resources"];

/// The file: nothing but `[[exception]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    #[serde(default)]
    exception: Vec<TableOnly<RawEntry>>,
}

/// One `[[exception]]` entry as written. Required keys are `Option`s so that a missing one is
/// said in the file's terms ("is required"), after the keys before it are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Option<String>,
    #[serde(default)]
    controls: Vec<String>,
    #[serde(default)]
    accounts: Vec<String>,
    #[serde(default)]
    ous: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    owner: Option<String>,
    reason: Option<String>,
    expires: Option<toml::value::Datetime>,
    ticket: Option<String>,
}

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

/// The file read into its entries by serde. Read from the text, not from `table`: a
/// `toml::Value` hands serde its dates as strings.
fn read_shape(
    text: &str,
    origin: &str,
    table: &toml::Table,
) -> Result<ExceptionsFile, ConfigError> {
    let whole = |message: &str| whole_file_error(origin, message.to_string());
    let deserializer = toml::Deserializer::parse(text).map_err(|e| whole(e.message()))?;
    serde_path_to_error::deserialize(deserializer)
        .map_err(|error| shape_error(origin, table, &error))
}

/// An error about the file as a whole, not one entry.
fn whole_file_error(origin: &str, message: String) -> ConfigError {
    ConfigError {
        origin: origin.to_string(),
        key: String::new(),
        message,
    }
}

/// The `index`-th entry (from 0) as the file holds it, if it is a table.
fn entry_table(table: &toml::Table, index: usize) -> Option<&toml::Table> {
    table
        .get("exception")
        .and_then(toml::Value::as_array)
        .and_then(|entries| entries.get(index))
        .and_then(toml::Value::as_table)
}

/// What serde found wrong with the file's shape, said in the file's terms: which entry, which
/// key, and what the file holds there.
fn shape_error(
    origin: &str,
    table: &toml::Table,
    error: &serde_path_to_error::Error<toml::de::Error>,
) -> ConfigError {
    let segments: Vec<&Segment> = error.path().iter().collect();
    let message = match segments.as_slice() {
        [Segment::Map { key }] if key == "exception" => {
            "`exception` must be an array of tables ([[exception]])".to_string()
        }
        [Segment::Map { key }, Segment::Seq { index }, inside @ ..] if key == "exception" => {
            let Some(entry) = entry_table(table, *index) else {
                return whole_file_error(origin, format!("entry {} is not a table", index + 1));
            };
            let at = EntryOrigin::of(origin, *index, Some(entry));
            return match inside.first() {
                Some(Segment::Map { key }) => at.error(key, entry_key_error(entry, key)),
                _ => at.error("", error.inner().message()),
            };
        }
        [Segment::Map { key }, ..] => {
            format!("unknown key `{key}`: the file holds only [[exception]] entries")
        }
        _ => error.inner().message().to_string(),
    };
    whole_file_error(origin, message)
}

/// What is wrong with an entry's `key`, from what `entry` holds there.
fn entry_key_error(entry: &toml::Table, key: &str) -> String {
    let value = entry.get(key);
    let found = value.map_or("nothing", toml::Value::type_str);
    if !KEYS.contains(&key) {
        format!(
            "is not a key of an exception (they are {})",
            KEYS.join(", ")
        )
    } else if key == "expires" {
        EXPIRES_NOT_A_DATE.to_string()
    } else if LIST_KEYS.contains(&key) {
        match value {
            Some(toml::Value::Array(values)) => {
                let held = values.iter().find(|v| !v.is_str());
                format!(
                    "must be a list of strings; it holds a {}",
                    held.map_or("nothing", toml::Value::type_str)
                )
            }
            _ => format!("must be a list of strings, not a {found}"),
        }
    } else {
        format!("must be a string, not a {found}")
    }
}

/// An entry read only from a table: serde would take an array for a struct too, field by
/// field.
struct TableOnly<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for TableOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for TableVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(TableVisitor(PhantomData))
            .map(TableOnly)
    }
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

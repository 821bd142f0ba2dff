//! The exceptions file (`[exceptions] file`): accepted risks, each with an owner, a reason and
//! an end date. Read whole and checked whole: a bad file never half-applies. Every error names
//! the file, the entry (its id, else its position) and the key.

use super::ConfigError;
use chrono::NaiveDate;
use mfa_collector::{AccountId, OuId};
use mfa_evaluator::{ControlId, ControlScope, Exception, ResourceGlob};
use std::collections::HashSet;
use std::path::Path;

/// The entry's keys: anything else is an error.
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
    let whole = |message: String| ConfigError {
        origin: origin.to_string(),
        key: String::new(),
        message,
    };
    let mut table = super::sources::parse_toml(text, origin)?;
    let entries = match table.remove("exception") {
        None => Vec::new(),
        Some(toml::Value::Array(entries)) => entries,
        Some(_) => {
            return Err(whole(
                "`exception` must be an array of tables ([[exception]])".to_string(),
            ))
        }
    };
    if let Some(key) = table.keys().next() {
        return Err(whole(format!(
            "unknown key `{key}`: the file holds only [[exception]] entries"
        )));
    }
    let mut seen = HashSet::new();
    let mut exceptions = Vec::with_capacity(entries.len());
    for (index, entry) in entries.into_iter().enumerate() {
        let toml::Value::Table(entry) = entry else {
            return Err(whole(format!("entry {} is not a table", index + 1)));
        };
        let exception = Entry::new(origin, index, &entry).check(today, max_days)?;
        if !seen.insert(exception.id.clone()) {
            return Err(Entry::new(origin, index, &entry).error(
                "id",
                format!("{:?} is the id of an earlier entry too", exception.id),
            ));
        }
        exceptions.push(exception);
    }
    Ok(exceptions)
}

/// One `[[exception]]` entry being checked.
struct Entry<'a> {
    origin: &'a str,
    index: usize,
    table: &'a toml::Table,
}

impl<'a> Entry<'a> {
    fn new(origin: &'a str, index: usize, table: &'a toml::Table) -> Entry<'a> {
        Entry {
            origin,
            index,
            table,
        }
    }

    /// `file, exception "id"` (or `exception #N` when the entry has no usable id).
    fn error(&self, key: &str, message: String) -> ConfigError {
        let name = match self.table.get("id").and_then(|v| v.as_str()) {
            Some(id) if !id.trim().is_empty() => format!("exception {id:?}"),
            _ => format!("exception #{}", self.index + 1),
        };
        ConfigError {
            origin: format!("{}, {name}", self.origin),
            key: key.to_string(),
            message,
        }
    }

    fn text(&self, key: &str, required: bool) -> Result<Option<String>, ConfigError> {
        match self.table.get(key) {
            None if required => Err(self.error(key, "is required".into())),
            None => Ok(None),
            Some(toml::Value::String(value)) if value.trim().is_empty() => {
                Err(self.error(key, "must not be empty".into()))
            }
            Some(toml::Value::String(value)) => Ok(Some(value.trim().to_string())),
            Some(other) => {
                Err(self.error(key, format!("must be a string, not a {}", other.type_str())))
            }
        }
    }

    fn list(&self, key: &str) -> Result<Vec<String>, ConfigError> {
        match self.table.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(values)) => values
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => Ok(s.clone()),
                    other => Err(self.error(
                        key,
                        format!("must be a list of strings; it holds a {}", other.type_str()),
                    )),
                })
                .collect(),
            Some(other) => Err(self.error(
                key,
                format!("must be a list of strings, not a {}", other.type_str()),
            )),
        }
    }

    fn check(&self, today: NaiveDate, max_days: u32) -> Result<Exception, ConfigError> {
        if let Some(key) = self.table.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(self.error(
                key,
                format!(
                    "is not a key of an exception (they are {})",
                    KEYS.join(", ")
                ),
            ));
        }
        let id = self.text("id", true)?.unwrap_or_default();
        let valid_id = id.len() <= 64
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !valid_id {
            return Err(self.error(
                "id",
                format!("{id:?} must be at most 64 letters, digits, '.', '_' or '-'"),
            ));
        }
        let controls = self.controls()?;
        let accounts = self
            .list("accounts")?
            .into_iter()
            .map(|a| {
                a.parse::<AccountId>()
                    .map(|a| a.to_string())
                    .map_err(|e| self.error("accounts", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let ous = self
            .list("ous")?
            .into_iter()
            .map(|o| {
                o.parse::<OuId>()
                    .map(|o| o.to_string())
                    .map_err(|e| self.error("ous", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let resources = self
            .list("resources")?
            .iter()
            .map(|g| ResourceGlob::new(g).map_err(|e| self.error("resources", format!("glob {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if accounts.is_empty() && ous.is_empty() && resources.is_empty() {
            return Err(self.error(
                "accounts",
                "an exception names at least one of accounts, ous or resources: nothing is \
                 accepted everywhere"
                    .into(),
            ));
        }
        let owner = self.text("owner", true)?.unwrap_or_default();
        let reason = self.text("reason", true)?.unwrap_or_default();
        let expires = self.expires(today, max_days)?;
        let ticket = self.text("ticket", false)?;
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

    fn controls(&self) -> Result<ControlScope, ConfigError> {
        let controls = self.list("controls")?;
        if controls.is_empty() {
            return Err(self.error(
                "controls",
                "is required: control ids such as [\"IAM.19\"], or [\"*\"] for every control"
                    .into(),
            ));
        }
        if controls.iter().any(|c| c == "*") {
            if controls.len() > 1 {
                return Err(self.error(
                    "controls",
                    "\"*\" means every control: it stands alone".into(),
                ));
            }
            return Ok(ControlScope::All);
        }
        let ids = controls
            .iter()
            .map(|c| {
                c.parse::<ControlId>().map_err(|_| {
                    self.error(
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

    fn expires(&self, today: NaiveDate, max_days: u32) -> Result<NaiveDate, ConfigError> {
        let date = match self.table.get("expires") {
            None => {
                return Err(self.error(
                    "expires",
                    "is required: nothing is accepted for ever".into(),
                ))
            }
            Some(toml::Value::Datetime(datetime)) => match (datetime.date, datetime.time) {
                (Some(date), None) => NaiveDate::from_ymd_opt(
                    i32::from(date.year),
                    u32::from(date.month),
                    u32::from(date.day),
                ),
                _ => None,
            },
            Some(_) => None,
        };
        let Some(date) = date else {
            return Err(self.error(
                "expires",
                "must be a TOML date such as 2027-03-31 (no quotes, no time)".into(),
            ));
        };
        let latest = today + chrono::Days::new(u64::from(max_days));
        if date > latest {
            return Err(self.error(
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
}

#[cfg(test)]
mod tests;

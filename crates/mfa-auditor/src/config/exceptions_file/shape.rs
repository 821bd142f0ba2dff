//! The exceptions file's shape, as serde reads it (which keys, of which types), and serde's
//! complaints about it said again in the file's terms: which entry, which key, and what the
//! file holds there (serde's own speak of Rust types, "expected a sequence").

use super::{EntryOrigin, EXPIRES_NOT_A_DATE};
use crate::config::ConfigError;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_path_to_error::Segment;
use std::fmt;
use std::marker::PhantomData;

/// The entry's keys, as messages list them: anything else is an error.
pub(super) const KEYS: [&str; 9] = [
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
pub(super) const LIST_KEYS: [&str; 4] = ["controls", "accounts", "ous", "resources"];

/// The file: nothing but `[[exception]]` entries.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExceptionsFile {
    #[serde(default)]
    pub(super) exception: Vec<TableOnly<RawEntry>>,
}

/// One `[[exception]]` entry as written. Required keys are `Option`s so that a missing one is
/// said in the file's terms ("is required"), after the keys before it are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEntry {
    pub(super) id: Option<String>,
    #[serde(default)]
    pub(super) controls: Vec<String>,
    #[serde(default)]
    pub(super) accounts: Vec<String>,
    #[serde(default)]
    pub(super) ous: Vec<String>,
    #[serde(default)]
    pub(super) resources: Vec<String>,
    pub(super) owner: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) expires: Option<toml::value::Datetime>,
    pub(super) ticket: Option<String>,
}

/// The file read into its entries by serde. Read from the text, not from `table`: a
/// `toml::Value` hands serde its dates as strings.
pub(super) fn read_shape(
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
pub(super) fn whole_file_error(origin: &str, message: String) -> ConfigError {
    ConfigError {
        origin: origin.to_string(),
        key: String::new(),
        message,
    }
}

/// The `index`-th entry (from 0) as the file holds it, if it is a table.
pub(super) fn entry_table(table: &toml::Table, index: usize) -> Option<&toml::Table> {
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
pub(super) struct TableOnly<T>(pub(super) T);

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

//! The checker every part of the validation reports through: each error names where the value
//! came from (the file, or the environment variable that set the key or a key around it) and
//! the key, and is scrubbed of every secret value the sources gave.

use super::secrets;
use super::sources::{origin_of, Origins};
use super::ConfigError;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::Display;
use std::str::FromStr;
use std::time::Duration;

/// One day: the longest any duration key may be.
const DAY_SECONDS: u64 = 86_400;

pub(super) struct Checker<'a> {
    file: &'a str,
    origins: &'a Origins,
    /// Every value given for a secret: no message may repeat one (see [`secrets::scrub`]).
    secrets: RefCell<Vec<String>>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(file: &'a str, origins: &'a Origins, secrets: Vec<String>) -> Self {
        Checker {
            file,
            origins,
            secrets: RefCell::new(secrets),
        }
    }

    /// A secret read from the environment or a file, to be kept out of messages too.
    pub(super) fn learn_secret(&self, value: &str) {
        self.secrets.borrow_mut().push(value.to_string());
    }

    /// Where `key`'s value came from: the variable that set it (or a key around it), else the
    /// file.
    pub(super) fn origin(&self, key: &str) -> String {
        origin_of(self.origins, key).unwrap_or_else(|| self.file.to_string())
    }

    pub(super) fn error(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError {
            origin: self.origin(key),
            key: key.to_string(),
            message: secrets::scrub(&message.into(), &self.secrets.borrow()),
        }
    }

    pub(super) fn range<T: PartialOrd + Display + Copy>(
        &self,
        key: &str,
        value: T,
        bounds: std::ops::RangeInclusive<T>,
        unit: &str,
    ) -> Result<T, ConfigError> {
        if bounds.contains(&value) {
            Ok(value)
        } else {
            Err(self.error(
                key,
                format!(
                    "{value} is not between {} and {}{unit}",
                    bounds.start(),
                    bounds.end()
                ),
            ))
        }
    }

    pub(super) fn seconds(&self, key: &str, value: u64, min: u64) -> Result<Duration, ConfigError> {
        self.range(key, value, min..=DAY_SECONDS, " seconds")
            .map(Duration::from_secs)
    }

    /// Each value parsed, and listed once: a duplicate is almost always a slip (and once made a
    /// region's user pools appear twice).
    pub(super) fn distinct<T>(&self, key: &str, values: &[String]) -> Result<Vec<T>, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        let mut seen = HashSet::new();
        values
            .iter()
            .map(|value| {
                if !seen.insert(value.as_str()) {
                    return Err(self.error(key, format!("lists {value:?} twice")));
                }
                value
                    .parse::<T>()
                    .map_err(|e| self.error(key, e.to_string()))
            })
            .collect()
    }
}

//! The layers: the TOML file, then the standard environment variables (`DATABASE_URL`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`), then `MFA_AUDITOR__<SECTION>__<KEY>` overrides, merged into
//! one [`RawConfig`] that remembers where each overridden key came from.

use super::raw::RawConfig;
use super::ConfigError;
use std::collections::HashMap;

const ENV_PREFIX: &str = "MFA_AUDITOR__";

/// Keys whose values are secrets: no error message repeats what they hold.
const SECRET_KEYS: [&str; 2] = ["organization.external_id", "database.url"];

/// `section.key` -> where its value came from, for keys the environment set.
pub(super) type Origins = HashMap<String, String>;

/// Parses the file and layers the environment over it.
pub(super) fn merge(
    text: &str,
    file: &str,
    env: &HashMap<String, String>,
) -> Result<(RawConfig, Origins), ConfigError> {
    let mut table = parse_toml(text, file)?;
    let mut origins = Origins::new();
    let standard = [
        ("DATABASE_URL", "database", "url"),
        ("AWS_REGION", "aws", "region"),
        ("AWS_ENDPOINT_URL", "aws", "endpoint_url"),
    ];
    for (var, section, key) in standard {
        if let Some(value) = env.get(var).filter(|v| !v.is_empty()) {
            set(
                &mut table,
                section,
                key,
                toml::Value::String(value.clone()),
                var,
            )?;
            origins.insert(format!("{section}.{key}"), var.to_string());
        }
    }
    let defaults = default_table();
    let mut overrides: Vec<(&String, &String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    overrides.sort();
    for (var, raw) in overrides {
        let origin = format!("environment variable {var}");
        let rest = &var[ENV_PREFIX.len()..];
        let Some((section, key)) = rest.split_once("__") else {
            return Err(ConfigError {
                origin,
                key: String::new(),
                message: "expected MFA_AUDITOR__<SECTION>__<KEY>".to_string(),
            });
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        let value = env_value(raw, defaults.get(&section).and_then(|s| s.get(&key)));
        set(&mut table, &section, &key, value, var)?;
        origins.insert(format!("{section}.{key}"), origin);
    }

    let raw = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let key = e.path().to_string();
        let key = if key == "." { String::new() } else { key };
        let message = if SECRET_KEYS.contains(&key.as_str()) {
            "must be a string (the value is not shown: this key holds a secret)".to_string()
        } else {
            e.inner().to_string()
        };
        ConfigError {
            origin: origins
                .get(&key)
                .cloned()
                .unwrap_or_else(|| file.to_string()),
            key,
            message,
        }
    })?;
    Ok((raw, origins))
}

/// The file as a TOML table; a syntax error names its line and column.
pub(super) fn parse_toml(text: &str, file: &str) -> Result<toml::Table, ConfigError> {
    toml::from_str(text).map_err(|e: toml::de::Error| {
        let position = e
            .span()
            .map(|span| {
                let (line, column) = line_and_column(text, span.start);
                format!(" at line {line}, column {column}")
            })
            .unwrap_or_default();
        ConfigError {
            origin: file.to_string(),
            key: String::new(),
            message: format!("not valid TOML{position}: {}", e.message()),
        }
    })
}

/// 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Every key with its default value: what tells the environment layer a key's type.
fn default_table() -> toml::Table {
    // The defaults are plain strings, numbers, booleans and lists: always representable.
    toml::Table::try_from(RawConfig::default()).unwrap_or_default()
}

/// An environment value, typed by the key it sets: a string key takes the text as it is (an
/// ExternalId of digits stays a string); any other key takes it as TOML (`8`, `true`,
/// `["a", "b"]`), or as a string when it is not TOML, for the type check to name.
fn env_value(raw: &str, default: Option<&toml::Value>) -> toml::Value {
    if let Some(toml::Value::String(_)) = default {
        return toml::Value::String(raw.to_string());
    }
    match toml::from_str::<toml::Table>(&format!("value = {raw}")) {
        Ok(mut table) => table
            .remove("value")
            .unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn set(
    table: &mut toml::Table,
    section: &str,
    key: &str,
    value: toml::Value,
    var: &str,
) -> Result<(), ConfigError> {
    let entry = table
        .entry(section.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match entry {
        toml::Value::Table(section_table) => {
            section_table.insert(key.to_string(), value);
            Ok(())
        }
        _ => Err(ConfigError {
            origin: format!("environment variable {var}"),
            key: section.to_string(),
            message: "is not a section".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_an_offset() {
        let text = "a = 1\nbé = [\n  x\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        // After the two-byte é: column counts characters.
        assert_eq!(line_and_column(text, 9), (2, 3));
        assert_eq!(line_and_column(text, text.len()), (4, 1));
    }

    #[test]
    fn every_default_is_in_the_type_table() {
        let table = default_table();
        assert!(matches!(
            table["organization"]["external_id"],
            toml::Value::String(_)
        ));
        assert!(matches!(
            table["limits"]["concurrency"],
            toml::Value::Integer(_)
        ));
    }
}

//! The layers: the TOML file, then the standard environment variables (`DATABASE_URL`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`), then `MFA_AUDITOR__<SECTION>__<KEY>` overrides, merged into
//! one [`RawConfig`] that remembers where each overridden key came from.

use super::env_names::{self, KEY_PREFIX as ENV_PREFIX};
use super::raw::RawConfig;
use super::secrets;
use super::ConfigError;
use std::collections::HashMap;

/// `section.key` -> where its value came from, for keys the environment set.
pub(super) type Origins = HashMap<String, String>;

/// Where `key` came from: its own origin, else that of the nearest key around it that the
/// environment set (`notify.webhook` for `notify.webhook[1].url`); `None`: the file.
pub(super) fn origin_of(origins: &Origins, key: &str) -> Option<String> {
    let mut path = key;
    loop {
        if let Some(origin) = origins.get(path) {
            return Some(origin.clone());
        }
        path = &path[..path.rfind(['.', '['])?];
    }
}

/// Parses the file and layers the environment over it.
///
/// A secret key (`database.url`, ...) can be given as `KEY`, `KEY_env` or `KEY_file`. A layer
/// that sets any form of one replaces every form the layers below gave (so `DATABASE_URL`
/// overrides the file's `database.url_file`); two forms from the same layer are for
/// validation (the file, one webhook list) or here (two variables) to refuse.
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
        // Empty or blank is unset, as a shell script or a compose file means it.
        if let Some(value) = env.get(var).filter(|v| !v.trim().is_empty()) {
            let path = format!("{section}.{key}");
            if let Some(secret) = secrets::secret_key_of(&path) {
                drop_secret_forms(&mut table, &mut origins, secret);
            }
            set(
                &mut table,
                section,
                key,
                toml::Value::String(value.clone()),
                var,
            )?;
            origins.insert(path, var.to_string());
        }
    }
    apply_overrides(&mut table, &mut origins, env)?;

    let secret_values = secrets::literal_secrets(&table);
    let raw = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let key = numbered_from_one(&e.path().to_string());
        let key = if key == "." { String::new() } else { key };
        // The parser's message alone: its Display adds "in `section`", which the key says.
        let parser_said = e.inner().message().trim();
        let message = if secrets::is_secret_path(&key) {
            secret_safe_message(&key, parser_said, &secret_values)
        } else {
            parser_said.to_string()
        };
        ConfigError {
            origin: origin_of(&origins, &key).unwrap_or_else(|| file.to_string()),
            key,
            message,
        }
    })?;
    Ok((raw, origins))
}

/// The `MFA_AUDITOR__<SECTION>__<KEY>` layer, in the order of the variables' names.
fn apply_overrides(
    table: &mut toml::Table,
    origins: &mut Origins,
    env: &HashMap<String, String>,
) -> Result<(), ConfigError> {
    let defaults = default_table();
    let mut overrides: Vec<(&String, &String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    overrides.sort();
    // Secret key -> the form and variable this layer gave it with, once one is not empty.
    let mut secret_forms: HashMap<&str, Option<(String, &str)>> = HashMap::new();
    for (var, raw) in overrides {
        let origin = format!("environment variable {var}");
        let rest = &var[ENV_PREFIX.len()..];
        let Some((section, key)) = rest.split_once("__") else {
            let meant = env_names::meant(var, &defaults)
                .map(|name| format!(": did you mean {name}?"))
                .unwrap_or_default();
            return Err(ConfigError {
                origin,
                key: String::new(),
                message: format!("expected MFA_AUDITOR__<SECTION>__<KEY>{meant}"),
            });
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        let path = format!("{section}.{key}");
        if let Some(secret) = secrets::secret_key_of(&path) {
            let given = secret_forms.entry(secret).or_insert_with(|| {
                drop_secret_forms(table, origins, secret);
                None
            });
            if !raw.trim().is_empty() {
                if let Some((other, other_var)) = given {
                    return Err(ConfigError {
                        origin,
                        key: path,
                        message: format!(
                            "`{other}` is set too, by {other_var}: give the secret one way, \
                             as `{secret}`, `{secret}_env` or `{secret}_file`"
                        ),
                    });
                }
                *given = Some((path.clone(), var));
            }
        }
        let value = env_value(raw, defaults.get(&section).and_then(|s| s.get(&key)));
        set(table, &section, &key, value, var)?;
        origins.insert(path, origin);
    }
    Ok(())
}

/// Removes every form of the secret key `secret` (`database.url`, `_env`, `_file`) that a
/// lower layer gave, with its origin.
fn drop_secret_forms(table: &mut toml::Table, origins: &mut Origins, secret: &str) {
    let Some((section, key)) = secret.split_once('.') else {
        return;
    };
    for form in [key.to_string(), format!("{key}_env"), format!("{key}_file")] {
        if let Some(toml::Value::Table(section_table)) = table.get_mut(section) {
            section_table.remove(&form);
        }
        origins.remove(&format!("{section}.{form}"));
    }
}

/// `notify.webhook[0].url` as `notify.webhook[1].url`: entries are numbered from 1 in every
/// message, as the checks number them.
fn numbered_from_one(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find(']').unwrap_or(rest.len());
        match rest[..close].parse::<usize>() {
            Ok(index) => out.push_str(&(index + 1).to_string()),
            Err(_) => out.push_str(&rest[..close]),
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// What a parser said about a value at a secret path, without the value: what was expected
/// (the parser's own words, which never hold the value), and the rest scrubbed.
fn secret_safe_message(key: &str, parser_said: &str, secrets: &[String]) -> String {
    let first_line = parser_said.lines().next().unwrap_or_default();
    let not_shown = "the value is not shown: this key holds a secret";
    if key == secrets::WEBHOOKS {
        return format!(
            "must be a list of webhooks, each a table such as {{ url_env = \"SLACK_WEBHOOK_URL\", \
             format = \"slack\" }} ({not_shown}); to give a webhook's URL without writing it \
             in the file, use `url_env` or `url_file` in its [[notify.webhook]] entry"
        );
    }
    let message =
        if first_line.starts_with("unknown field") || first_line.starts_with("missing field") {
            first_line.to_string()
        } else if let Some((_, expected)) = first_line.rsplit_once(", expected ") {
            format!("must be {expected} ({not_shown})")
        } else {
            format!("is not valid ({not_shown})")
        };
    secrets::scrub(&message, secrets)
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
pub(super) fn default_table() -> toml::Table {
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
    fn entries_are_numbered_from_one() {
        assert_eq!(
            numbered_from_one("notify.webhook[0].url"),
            "notify.webhook[1].url"
        );
        assert_eq!(numbered_from_one("a[9].b[x].c[10]"), "a[10].b[x].c[11]");
        assert_eq!(numbered_from_one("database.url"), "database.url");
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

//! Secrets the way deployments hand them: for each secret key (`database.url`,
//! `organization.external_id`, a webhook's `url`, `metrics.report_password`), the value itself,
//! or `KEY_env = "VAR"` (read from that environment variable: a Kubernetes Secret as `env`), or
//! `KEY_file = "/path"` (read from that file, its trailing newline dropped: a Secret volume,
//! systemd's `LoadCredential=`). At most one of the three from one source.
//!
//! A secret is a [`RawSecret`] from the moment it is parsed: its `Debug` says nothing and it
//! serializes empty. No message here repeats a value given for a secret, nor a `_env` or
//! `_file` value that could be the secret itself, written in the wrong key.

use super::checker::Checker;
use super::ConfigError;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// The secret keys that sit directly in a section; each also has `_env` and `_file` forms.
pub(super) const FLAT_SECRET_KEYS: [&str; 3] = [
    "database.url",
    "organization.external_id",
    "metrics.report_password",
];

/// The webhooks: each entry's `url` is a secret, and the list as a whole may be given in one
/// environment variable, so everything under it is treated as secret in messages.
pub(super) const WEBHOOKS: &str = "notify.webhook";

/// A secret read from a file is short; anything longer is the wrong file (or `/dev/zero`).
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// Whether a configuration path (`notify.webhook[2].url`, `database.url`) is, or holds, a
/// secret: its values are never shown.
pub(super) fn is_secret_path(path: &str) -> bool {
    FLAT_SECRET_KEYS.iter().chain([&WEBHOOKS]).any(|key| {
        path == *key
            || path
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
    })
}

/// The secret key that `section.key` is a form of (`database.url_file` -> `database.url`).
pub(super) fn secret_key_of(path: &str) -> Option<&'static str> {
    FLAT_SECRET_KEYS.into_iter().find(|key| {
        path.strip_prefix(key)
            .is_some_and(|rest| matches!(rest, "" | "_env" | "_file"))
    })
}

/// A secret as a source gave it. Nothing can print it: `Debug` is redacted, there is no
/// `Display`, and it serializes as an empty string (the default table only tells the
/// environment layer its type).
#[derive(Clone)]
pub(super) struct RawSecret(SecretString);

impl RawSecret {
    /// Empty or blank: not given.
    pub(super) fn is_blank(&self) -> bool {
        self.0.expose_secret().trim().is_empty()
    }

    pub(super) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl Default for RawSecret {
    fn default() -> Self {
        RawSecret(SecretString::from(String::new()))
    }
}

impl fmt::Debug for RawSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawSecret([redacted])")
    }
}

impl<'de> Deserialize<'de> for RawSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| RawSecret(SecretString::from(text)))
    }
}

impl Serialize for RawSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("")
    }
}

/// One secret key's three ways in, as the merged sources set them.
#[derive(Debug)]
pub(super) struct SecretForms<'a> {
    /// `database.url`, `notify.webhook[1].url`, ...
    pub key: String,
    pub value: &'a RawSecret,
    /// The environment variable `KEY_env` names.
    pub env: &'a str,
    /// The file `KEY_file` names.
    pub file: &'a str,
}

/// A secret, and the key that gave it (`database.url_file`): errors about the value name it.
#[derive(Debug)]
pub(super) struct Resolved {
    pub value: SecretString,
    pub key: String,
    /// Where the value was read, for messages: `None` when the key held it.
    read_from: Option<String>,
}

impl Resolved {
    /// An error about the value, naming the key that gave it and where it was read.
    pub(super) fn error(&self, check: &Checker, message: &str) -> ConfigError {
        match &self.read_from {
            None => check.error(&self.key, message),
            Some(place) => check.error(&self.key, format!("{message} (read from {place})")),
        }
    }
}

/// The secret, from wherever it was given; `None` when given nowhere. Setting two of `KEY`,
/// `KEY_env`, `KEY_file` is an error naming both. Every value read is added to the checker's
/// secrets, so that no later message can repeat it.
pub(super) fn resolve(
    check: &Checker,
    forms: SecretForms,
    environment: &HashMap<String, String>,
) -> Result<Option<Resolved>, ConfigError> {
    let key = forms.key.as_str();
    let env_key = format!("{key}_env");
    let file_key = format!("{key}_file");
    let given: Vec<&str> = [
        (!forms.value.is_blank()).then_some(key),
        (!forms.env.trim().is_empty()).then_some(env_key.as_str()),
        (!forms.file.trim().is_empty()).then_some(file_key.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let (value, read_from) = match given.as_slice() {
        [] => return Ok(None),
        [first, second, ..] => {
            return Err(check.error(
                second,
                format!(
                    "`{first}` is set too: give the secret one way, as `{key}`, `{env_key}` \
                     or `{file_key}`"
                ),
            ))
        }
        [one] if *one == key => (forms.value.expose().to_string(), None),
        [one] if *one == env_key => {
            let (value, place) =
                from_environment(forms.env.trim(), environment).map_err(|m| check.error(one, m))?;
            (value, Some(place))
        }
        [one] => {
            let path = Path::new(forms.file.trim());
            let value = from_file(path).map_err(|m| check.error(one, m))?;
            (value, Some(path.display().to_string()))
        }
    };
    check.learn_secret(&value);
    Ok(Some(Resolved {
        key: given[0].to_string(),
        value: SecretString::from(value),
        read_from,
    }))
}

/// The value of the variable `name`, and how messages name the variable. The name is shown
/// only when it is written the usual way (upper case): otherwise it may be the secret itself,
/// in the wrong key.
fn from_environment(
    name: &str,
    environment: &HashMap<String, String>,
) -> Result<(String, String), String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(
            "is not an environment variable name (letters, digits and `_`); the value \
                    is not shown in case it is the secret itself"
                .to_string(),
        );
    }
    let conventional = name
        .chars()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    let shown = if conventional {
        format!("the environment variable {name}")
    } else {
        "the environment variable it names".to_string()
    };
    match environment.get(name) {
        Some(value) if !value.trim().is_empty() => Ok((value.clone(), shown)),
        Some(_) => Err(format!("{shown} is empty")),
        None => Err(format!("{shown} is not set")),
    }
}

/// What the file holds, without one trailing newline (LF or CRLF). Only an absolute path is
/// shown in a message: anything else may be the secret itself, written in the wrong key.
fn from_file(path: &Path) -> Result<String, String> {
    if !path.is_absolute() {
        return Err(
            "must be an absolute path (the value is not shown in case it is the \
                    secret itself)"
                .to_string(),
        );
    }
    let shown = path.display();
    // What the system says names the file at most, never its content.
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(format!("{shown} is a directory, not a file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(format!(
            "{shown} is larger than {} KiB: not a secret",
            MAX_SECRET_FILE_BYTES / 1024
        ));
    }
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))?;
    let value = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    if value.trim().is_empty() {
        return Err(format!("{shown} is empty"));
    }
    Ok(value.to_string())
}

/// `message` with every secret value in `secrets` cut out, as written and as `{:?}` writes
/// it: the last guard, for messages built from what a parser said.
pub(super) fn scrub(message: &str, secrets: &[String]) -> String {
    let mut text = message.to_string();
    for secret in secrets {
        let trimmed = secret.trim();
        // Shorter than this, a "secret" is in every message; it protects nothing anyway.
        if trimmed.chars().count() < 4 {
            continue;
        }
        let escaped = format!("{trimmed:?}");
        let escaped = &escaped[1..escaped.len() - 1];
        for shape in [secret.as_str(), trimmed, escaped] {
            text = replace_whole(&text, shape);
        }
    }
    text
}

/// `text` with each occurrence of `shape` that is not part of a longer word replaced: a secret
/// that happens to be a piece of a word of the message ("short" in "shorter") is left alone, so
/// the message is not garbled and the gap does not give the secret away.
fn replace_whole(text: &str, shape: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(shape) {
        let (before, after) = (&rest[..at], &rest[at + shape.len()..]);
        let inside_a_word = (word(shape.chars().next()) && word(before.chars().next_back()))
            || (word(shape.chars().next_back()) && word(after.chars().next()));
        out.push_str(before);
        out.push_str(if inside_a_word { shape } else { "[secret]" });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Every value a table gives for a secret, as text: what [`scrub`] cuts out of a parser's
/// message. Under the webhooks, every string except those of keys known not to be secret.
pub(super) fn literal_secrets(table: &toml::Table) -> Vec<String> {
    let mut found = Vec::new();
    for key in FLAT_SECRET_KEYS {
        let Some((section, name)) = key.split_once('.') else {
            continue;
        };
        if let Some(value) = table.get(section).and_then(|s| s.get(name)) {
            collect_strings(value, &mut found);
        }
    }
    if let Some(webhooks) = table.get("notify").and_then(|n| n.get("webhook")) {
        collect_strings(webhooks, &mut found);
    }
    found
}

/// Keys of a webhook entry that never hold a secret.
const WEBHOOK_PLAIN_KEYS: [&str; 6] = ["name", "format", "on", "ous", "url_env", "url_file"];

fn collect_strings(value: &toml::Value, found: &mut Vec<String>) {
    match value {
        toml::Value::String(text) => found.push(text.clone()),
        toml::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, found)),
        toml::Value::Table(table) => table
            .iter()
            .filter(|(k, _)| !WEBHOOK_PLAIN_KEYS.contains(&k.as_str()))
            .for_each(|(_, v)| collect_strings(v, found)),
        other => found.push(other.to_string()),
    }
}

#[cfg(test)]
mod tests;

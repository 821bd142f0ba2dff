//! `MFA_AUDITOR` variables that set nothing. Keys are set by `MFA_AUDITOR__<SECTION>__<KEY>`
//! (`sources.rs`); a variable spelt almost so (`MFA_AUDITOR_LIMITS__CONCURRENCY`, one
//! underscore) was ignored without a word, the setting it was meant to change left at its
//! default. One that would set a key spelt right is an error naming it and the right spelling;
//! any other `MFA_AUDITOR` variable the binary does not read is a warning naming it. A value is
//! never repeated: it may be a secret.

use super::ConfigError;
use std::collections::HashMap;

/// The variables' prefix for keys.
pub(super) const KEY_PREFIX: &str = "MFA_AUDITOR__";

/// Variables of that family read as they are: the binary's configuration file, and the
/// project's scripts' own (the emulator's Python, the HTML report test's Chromium), which the
/// binary meets in the scripts' environment.
const READ_ELSEWHERE: [&str; 3] = [
    "MFA_AUDITOR_CONFIG",
    "MFA_AUDITOR_PYTHON",
    "MFA_AUDITOR_CHROMIUM",
];

/// The variable that sets the same key as `name` (any case, any number of underscores after
/// the prefix, `__` or `_` between section and key), when there is one: `None` when `name`
/// names no key of `defaults` (every key, with its default).
pub(super) fn meant(name: &str, defaults: &toml::Table) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    let rest = upper.strip_prefix("MFA_AUDITOR")?.trim_start_matches('_');
    let is_key = |section: &str, key: &str| {
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        defaults
            .get(&section)
            .and_then(toml::Value::as_table)
            .is_some_and(|table| table.contains_key(&key))
    };
    let splits = rest
        .match_indices('_')
        .map(|(at, _)| (&rest[..at], rest[at..].trim_start_matches('_')));
    splits
        .filter(|(section, key)| !section.is_empty() && !key.is_empty())
        .find(|(section, key)| is_key(section, key))
        .map(|(section, key)| format!("{KEY_PREFIX}{section}__{key}"))
}

/// Checks every `MFA_AUDITOR` variable the key layer does not read: `Err` for one meant to set a
/// key, the warnings for the others.
pub(super) fn unread(
    env: &HashMap<String, String>,
    defaults: &toml::Table,
) -> Result<Vec<String>, ConfigError> {
    let mut names: Vec<&String> = env
        .keys()
        .filter(|name| name.to_ascii_uppercase().starts_with("MFA_AUDITOR"))
        .filter(|name| !name.starts_with(KEY_PREFIX) && !READ_ELSEWHERE.contains(&name.as_str()))
        .collect();
    names.sort();
    let mut warnings = Vec::new();
    for name in names {
        match meant(name, defaults) {
            Some(variable) => {
                return Err(ConfigError {
                    origin: format!("environment variable {name}"),
                    key: String::new(),
                    message: format!(
                        "is not read: a key is set by {KEY_PREFIX}<SECTION>__<KEY>, in upper case \
                         with two underscores after MFA_AUDITOR and between section and key; did \
                         you mean {variable}?"
                    ),
                })
            }
            None => warnings.push(format!(
                "environment variable {name} is not read: it names no configuration key \
                 ({KEY_PREFIX}<SECTION>__<KEY> sets one; MFA_AUDITOR_CONFIG names the file)"
            )),
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> toml::Table {
        toml::from_str("[limits]\nconcurrency = 16\n[database]\nurl_file = \"\"\n")
            .expect("a table")
    }

    fn env(names: &[&str]) -> HashMap<String, String> {
        names
            .iter()
            .map(|name| (name.to_string(), "a secret, never shown".to_string()))
            .collect()
    }

    #[test]
    fn a_variable_spelt_almost_right_is_an_error_naming_the_right_one() {
        for name in [
            "MFA_AUDITOR_LIMITS__CONCURRENCY",
            "MFA_AUDITOR_LIMITS_CONCURRENCY",
            "mfa_auditor__limits__concurrency",
            "Mfa_Auditor_Limits__Concurrency",
        ] {
            let error = unread(&env(&[name]), &defaults()).expect_err(name);
            assert_eq!(error.origin, format!("environment variable {name}"));
            assert!(
                error
                    .message
                    .ends_with("did you mean MFA_AUDITOR__LIMITS__CONCURRENCY?"),
                "{name}: {error}"
            );
            assert!(!error.to_string().contains("never shown"), "{error}");
        }
        let error = unread(&env(&["MFA_AUDITOR_DATABASE_URL_FILE"]), &defaults())
            .expect_err("a variable meant for database.url_file");
        assert!(
            error
                .message
                .ends_with("did you mean MFA_AUDITOR__DATABASE__URL_FILE?"),
            "{error}"
        );
    }

    #[test]
    fn a_variable_that_names_no_key_is_a_warning_naming_it() {
        let warnings = unread(
            &env(&["MFA_AUDITOR_CONCURENCY", "MFA_AUDITOR_LIMITS__NOPE"]),
            &defaults(),
        )
        .expect("only warnings");
        assert_eq!(
            warnings,
            [
                "environment variable MFA_AUDITOR_CONCURENCY is not read: it names no \
                 configuration key (MFA_AUDITOR__<SECTION>__<KEY> sets one; MFA_AUDITOR_CONFIG \
                 names the file)",
                "environment variable MFA_AUDITOR_LIMITS__NOPE is not read: it names no \
                 configuration key (MFA_AUDITOR__<SECTION>__<KEY> sets one; MFA_AUDITOR_CONFIG \
                 names the file)"
            ]
        );
    }

    #[test]
    fn the_variables_read_elsewhere_and_the_key_layer_are_left_alone() {
        let warnings = unread(
            &env(&[
                "MFA_AUDITOR_CONFIG",
                "MFA_AUDITOR_PYTHON",
                "MFA_AUDITOR_CHROMIUM",
                "MFA_AUDITOR__LIMITS__CONCURRENCY",
                "MFA_AUDITOR__NO__SUCH",
                "DATABASE_URL",
            ]),
            &defaults(),
        )
        .expect("nothing to say");
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

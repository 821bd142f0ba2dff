//! `[metrics]` checked: where `serve` listens, and whether `GET /report` answers there, and to
//! whom. The report lists every identity without MFA, so the page is off unless asked for, and
//! on only behind HTTP Basic credentials whose password is a secret key.

use super::checker::Checker;
use super::raw::RawMetrics;
use super::secrets::{self, SecretForms};
use super::{ConfigError, ReportAccess};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::net::SocketAddr;

/// Shorter than this, a password guarded only by Basic authentication falls to guessing.
const MIN_PASSWORD_CHARS: usize = 16;

pub(super) struct MetricsSettings {
    pub listen: Option<SocketAddr>,
    pub report_page: Option<ReportAccess>,
}

pub(super) fn metrics_settings(
    check: &Checker,
    raw: RawMetrics,
    environment: &HashMap<String, String>,
) -> Result<MetricsSettings, ConfigError> {
    let listen = raw.listen.trim();
    let listen = if listen.is_empty() {
        None
    } else {
        Some(listen.parse::<SocketAddr>().map_err(|_| {
            check.error(
                "metrics.listen",
                format!("{listen:?} is not an address such as 127.0.0.1:9185 (empty disables)"),
            )
        })?)
    };
    // Resolved even while the page is off: a key naming a missing file or variable is wrong
    // whatever else the configuration says.
    let password = secrets::resolve(
        check,
        SecretForms {
            key: "metrics.report_password".to_string(),
            value: &raw.report_password,
            env: &raw.report_password_env,
            file: &raw.report_password_file,
        },
        environment,
    )?;
    let user = raw.report_user;
    // RFC 7617: the user-id cannot hold a colon; control characters cannot be typed.
    if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
        return Err(check.error(
            "metrics.report_user",
            format!("{user:?} must be a user name without `:` or control characters"),
        ));
    }
    if !raw.report {
        return Ok(MetricsSettings {
            listen,
            report_page: None,
        });
    }
    let Some(password) = password else {
        return Err(check.error(
            "metrics.report_password",
            "is not set, and `metrics.report` is true: the report page lists every identity \
             without MFA, so it asks for a password; give `metrics.report_password`, \
             `metrics.report_password_env` or `metrics.report_password_file` (or set \
             `metrics.report = false`)",
        ));
    };
    if password.value.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(check.error(
            &password.key,
            format!(
                "the password is shorter than {MIN_PASSWORD_CHARS} characters; generate one, \
                 e.g. `openssl rand -base64 24`"
            ),
        ));
    }
    Ok(MetricsSettings {
        listen,
        report_page: Some(ReportAccess {
            user,
            password: password.value,
        }),
    })
}

#[cfg(test)]
mod tests;

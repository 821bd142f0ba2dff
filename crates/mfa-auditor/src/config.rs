//! Configuration: the TOML file, then the standard environment variables (`DATABASE_URL`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`), then `MFA_AUDITOR__<SECTION>__<KEY>` overrides.
//!
//! [`RawConfig`] is what the sources say; [`AuditConfig`] is what is true and checked. Every error
//! names the file (or environment variable) and the key.

use mfa_collector::{AuditRole, AwsSettings, LimitSettings};
use mfa_store::WhenBusy;
use mfa_sweep::Scope;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ENV_PREFIX: &str = "MFA_AUDITOR__";

/// A configuration error: where, which key, what is wrong.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file, or the environment variable the value came from.
    pub origin: String,
    /// `section.key`, or empty when the whole source is at fault.
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(f, "{}: key `{}`: {}", self.origin, self.key, self.message)
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    database: RawDatabase,
    store: RawStore,
    aws: RawAws,
    organization: RawOrganization,
    audit: RawAudit,
    limits: RawLimits,
    schedule: RawSchedule,
    metrics: RawMetrics,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDatabase {
    url: String,
    max_connections: u32,
    connect_timeout_seconds: u64,
}

impl Default for RawDatabase {
    fn default() -> Self {
        RawDatabase {
            url: String::new(),
            max_connections: 8,
            connect_timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawStore {
    keep_days: u32,
    write_retry_seconds: u64,
    spool_dir: String,
}

impl Default for RawStore {
    fn default() -> Self {
        RawStore {
            keep_days: 400,
            write_retry_seconds: 120,
            spool_dir: "spool".to_string(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawAws {
    region: String,
    endpoint_url: String,
}

impl Default for RawAws {
    fn default() -> Self {
        RawAws {
            region: "us-east-1".to_string(),
            endpoint_url: String::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawOrganization {
    audit_role_name: String,
    external_id: String,
    session_name: String,
    include_accounts: Vec<String>,
    exclude_accounts: Vec<String>,
    include_ous: Vec<String>,
    exclude_ous: Vec<String>,
    audit_management_account: bool,
}

impl Default for RawOrganization {
    fn default() -> Self {
        RawOrganization {
            audit_role_name: "OrganizationAccountAccessRole".to_string(),
            external_id: String::new(),
            session_name: "mfa-auditor".to_string(),
            include_accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            include_ous: Vec::new(),
            exclude_ous: Vec::new(),
            audit_management_account: true,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawAudit {
    regions: Vec<String>,
}

impl Default for RawAudit {
    fn default() -> Self {
        RawAudit {
            regions: vec!["us-east-1".to_string()],
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawLimits {
    concurrency: u32,
    max_attempts: u32,
    initial_backoff_ms: u64,
    max_backoff_ms: u64,
    call_timeout_seconds: u64,
    account_deadline_seconds: u64,
    credential_report_deadline_seconds: u64,
    organizations_per_second: u32,
    sts_per_second: u32,
    iam_per_second_per_account: u32,
    cognito_per_second_per_account_region: u32,
    global_per_second: u32,
}

/// The defaults are safe on real AWS; docs/limits.md gives the reason for each value.
impl Default for RawLimits {
    fn default() -> Self {
        RawLimits {
            concurrency: 16,
            max_attempts: 6,
            initial_backoff_ms: 200,
            max_backoff_ms: 20_000,
            call_timeout_seconds: 20,
            account_deadline_seconds: 300,
            credential_report_deadline_seconds: 120,
            organizations_per_second: 5,
            sts_per_second: 50,
            iam_per_second_per_account: 10,
            cognito_per_second_per_account_region: 10,
            global_per_second: 0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSchedule {
    cron: String,
    timezone: String,
    if_sweep_running: String,
    stop_grace_seconds: u64,
    resume_interrupted: bool,
    sweep_at_start: bool,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            cron: "0 3 * * *".to_string(),
            timezone: "UTC".to_string(),
            if_sweep_running: "refuse".to_string(),
            stop_grace_seconds: 30,
            resume_interrupted: false,
            sweep_at_start: false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawMetrics {
    listen: String,
}

impl Default for RawMetrics {
    fn default() -> Self {
        RawMetrics {
            listen: "127.0.0.1:9185".to_string(),
        }
    }
}

/// The checked configuration.
#[derive(Debug)]
pub struct AuditConfig {
    pub database: DatabaseConfig,
    /// Days of per-resource detail kept; trends are kept for ever.
    pub keep_days: u32,
    pub aws: AwsSettings,
    pub limits: LimitSettings,
    pub role: AuditRole,
    pub scope: Scope,
    pub regions: Vec<String>,
    pub concurrency: usize,
    pub account_deadline: Duration,
    /// What a sweep does when another one holds the lock.
    pub when_busy: WhenBusy,
    pub credential_report_deadline: Duration,
    /// How long a database write retries before the sweep spools to a file.
    pub write_retry: Duration,
    pub spool_dir: PathBuf,
    pub schedule: Schedule,
    /// Where `serve` answers `/metrics` and `/healthz`; `None` when disabled.
    pub metrics_listen: Option<SocketAddr>,
}

/// When `serve` sweeps, and how it stops.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub cron: croner::Cron,
    /// The expression as written, for messages.
    pub cron_text: String,
    pub timezone: chrono_tz::Tz,
    /// Accounts in flight get this long to finish after SIGTERM or Ctrl-C.
    pub stop_grace: Duration,
    /// `serve` finishes an interrupted latest sweep rather than starting a new one.
    pub resume_interrupted: bool,
    /// `serve` sweeps once as soon as it starts, then on the schedule.
    pub sweep_at_start: bool,
}

#[derive(Debug)]
pub struct DatabaseConfig {
    /// May hold a password: never printed whole. `None` when not configured.
    pub url: Option<SecretString>,
    /// Where the URL came from (or should come from), for messages.
    pub origin: String,
    pub max_connections: u32,
    pub connect_timeout: Duration,
}

/// Loads the file at `path` and layers the environment `env` over it.
pub fn load(path: &Path, env: &HashMap<String, String>) -> Result<AuditConfig, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        key: String::new(),
        message: format!("cannot read the configuration file: {e}"),
    })?;
    from_str(&text, &origin, env)
}

/// Parses configuration text; `origin` names it in errors.
pub fn from_str(
    text: &str,
    origin: &str,
    env: &HashMap<String, String>,
) -> Result<AuditConfig, ConfigError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ConfigError {
        origin: origin.to_string(),
        key: String::new(),
        message: format!("not valid TOML: {}", e.message()),
    })?;
    let mut origins: HashMap<String, String> = HashMap::new();
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
    let mut overrides: Vec<(&String, &String)> = env
        .iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    overrides.sort();
    for (var, raw) in overrides {
        let rest = &var[ENV_PREFIX.len()..];
        let Some((section, key)) = rest.split_once("__") else {
            return Err(ConfigError {
                origin: format!("environment variable {var}"),
                key: String::new(),
                message: "expected MFA_AUDITOR__<SECTION>__<KEY>".to_string(),
            });
        };
        let (section, key) = (section.to_ascii_lowercase(), key.to_ascii_lowercase());
        set(&mut table, &section, &key, env_value(raw), var)?;
        origins.insert(
            format!("{section}.{key}"),
            format!("environment variable {var}"),
        );
    }

    let raw: RawConfig =
        serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let key = e.path().to_string();
            let origin = origins
                .get(&key)
                .cloned()
                .unwrap_or_else(|| origin.to_string());
            ConfigError {
                origin,
                key: if key == "." { String::new() } else { key },
                message: e.inner().to_string(),
            }
        })?;
    validate(raw, origin, &origins)
}

/// An environment value is TOML when it parses as TOML (`8`, `true`, `["a", "b"]`), else a string.
fn env_value(raw: &str) -> toml::Value {
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

fn validate(
    raw: RawConfig,
    file: &str,
    origins: &HashMap<String, String>,
) -> Result<AuditConfig, ConfigError> {
    let err = |key: &str, message: String| ConfigError {
        origin: origins
            .get(key)
            .cloned()
            .unwrap_or_else(|| file.to_string()),
        key: key.to_string(),
        message,
    };

    // Commands that need no database (`accounts`) run without one; the others ask for it.
    let url = raw.database.url.trim().to_string();
    let postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !(url.is_empty() || postgres) {
        return Err(err(
            "database.url",
            "must be a postgres:// or postgresql:// URL".to_string(),
        ));
    }
    if raw.database.max_connections == 0 {
        return Err(err(
            "database.max_connections",
            "must be at least 1".to_string(),
        ));
    }

    check_region(&raw.aws.region).map_err(|m| err("aws.region", m))?;
    let endpoint = raw.aws.endpoint_url.trim();
    let http = endpoint.starts_with("http://") || endpoint.starts_with("https://");
    if !(endpoint.is_empty() || http) {
        return Err(err(
            "aws.endpoint_url",
            format!("{endpoint:?} is not an http:// or https:// URL"),
        ));
    }

    let org = raw.organization;
    check_iam_name(&org.audit_role_name, 1, 64)
        .map_err(|m| err("organization.audit_role_name", m))?;
    check_iam_name(&org.session_name, 2, 64).map_err(|m| err("organization.session_name", m))?;
    if org.external_id.len() > 1224 || org.external_id.chars().any(|c| c.is_control()) {
        // The value itself is a secret: the message never repeats it.
        return Err(err(
            "organization.external_id",
            "must be at most 1224 printable characters".to_string(),
        ));
    }
    for (key, ids) in [
        ("organization.include_accounts", &org.include_accounts),
        ("organization.exclude_accounts", &org.exclude_accounts),
    ] {
        for id in ids {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(key, format!("{id:?} is not a 12-digit account id")));
            }
        }
    }
    for (key, ids) in [
        ("organization.include_ous", &org.include_ous),
        ("organization.exclude_ous", &org.exclude_ous),
    ] {
        for id in ids {
            if !is_ou_or_root_id(id) {
                return Err(err(
                    key,
                    format!("{id:?} is not an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)"),
                ));
            }
        }
    }

    if raw.audit.regions.is_empty() {
        return Err(err(
            "audit.regions",
            "must list at least one region".to_string(),
        ));
    }
    for region in &raw.audit.regions {
        check_region(region).map_err(|m| err("audit.regions", m))?;
    }
    let mut regions = raw.audit.regions.clone();
    regions.dedup();

    let limits = raw.limits;
    if !(1..=256).contains(&limits.concurrency) {
        return Err(err(
            "limits.concurrency",
            format!("{} is not between 1 and 256", limits.concurrency),
        ));
    }
    if !(1..=20).contains(&limits.max_attempts) {
        return Err(err(
            "limits.max_attempts",
            format!("{} is not between 1 and 20", limits.max_attempts),
        ));
    }
    for (key, value) in [
        ("limits.call_timeout_seconds", limits.call_timeout_seconds),
        (
            "limits.account_deadline_seconds",
            limits.account_deadline_seconds,
        ),
        (
            "limits.credential_report_deadline_seconds",
            limits.credential_report_deadline_seconds,
        ),
    ] {
        if value == 0 || value > 86_400 {
            return Err(err(
                key,
                format!("{value} is not between 1 and 86400 seconds"),
            ));
        }
    }

    if limits.initial_backoff_ms == 0 || limits.initial_backoff_ms > limits.max_backoff_ms {
        return Err(err(
            "limits.initial_backoff_ms",
            format!(
                "{} must be at least 1 and at most limits.max_backoff_ms ({})",
                limits.initial_backoff_ms, limits.max_backoff_ms
            ),
        ));
    }

    if raw.store.keep_days == 0 {
        return Err(err(
            "store.keep_days",
            "must be at least 1 (days of per-resource detail to keep)".to_string(),
        ));
    }

    let when_busy = match raw.schedule.if_sweep_running.as_str() {
        "refuse" => WhenBusy::Refuse,
        "wait" => WhenBusy::Wait,
        other => {
            return Err(err(
                "schedule.if_sweep_running",
                format!("{other:?} is not \"refuse\" or \"wait\""),
            ))
        }
    };

    let cron_text = raw.schedule.cron.trim().to_string();
    let not_cron = |detail: String| {
        err(
            "schedule.cron",
            format!("{cron_text:?} is not a five-field cron expression (minute hour day-of-month month day-of-week): {detail}"),
        )
    };
    if cron_text.split_whitespace().count() != 5 {
        return Err(not_cron(format!(
            "it has {} fields",
            cron_text.split_whitespace().count()
        )));
    }
    let cron: croner::Cron = cron_text.parse().map_err(|e| not_cron(format!("{e}")))?;
    let timezone: chrono_tz::Tz = raw.schedule.timezone.trim().parse().map_err(|_| {
        err(
            "schedule.timezone",
            format!(
                "{:?} is not an IANA timezone name such as UTC or Europe/Paris",
                raw.schedule.timezone
            ),
        )
    })?;
    if raw.schedule.stop_grace_seconds > 3600 {
        return Err(err(
            "schedule.stop_grace_seconds",
            format!(
                "{} is more than 3600 seconds",
                raw.schedule.stop_grace_seconds
            ),
        ));
    }
    if raw.store.write_retry_seconds > 86_400 {
        return Err(err(
            "store.write_retry_seconds",
            format!(
                "{} is more than 86400 seconds",
                raw.store.write_retry_seconds
            ),
        ));
    }
    if raw.store.spool_dir.trim().is_empty() {
        return Err(err(
            "store.spool_dir",
            "must name a directory for results written while the database is unreachable"
                .to_string(),
        ));
    }
    let listen = raw.metrics.listen.trim();
    let metrics_listen = if listen.is_empty() {
        None
    } else {
        Some(listen.parse::<SocketAddr>().map_err(|_| {
            err(
                "metrics.listen",
                format!("{listen:?} is not an address such as 127.0.0.1:9185 (empty disables)"),
            )
        })?)
    };

    Ok(AuditConfig {
        database: DatabaseConfig {
            url: (!url.is_empty()).then(|| SecretString::from(url)),
            origin: origins
                .get("database.url")
                .cloned()
                .unwrap_or_else(|| file.to_string()),
            max_connections: raw.database.max_connections,
            connect_timeout: Duration::from_secs(raw.database.connect_timeout_seconds.max(1)),
        },
        keep_days: raw.store.keep_days,
        aws: AwsSettings {
            region: raw.aws.region,
            endpoint_url: (!endpoint.is_empty()).then(|| endpoint.to_string()),
            call_timeout: Duration::from_secs(limits.call_timeout_seconds),
        },
        limits: LimitSettings {
            // 0 means no limit.
            organizations_per_second: NonZeroU32::new(limits.organizations_per_second),
            sts_per_second: NonZeroU32::new(limits.sts_per_second),
            iam_per_second_per_account: NonZeroU32::new(limits.iam_per_second_per_account),
            cognito_per_second_per_account_region: NonZeroU32::new(
                limits.cognito_per_second_per_account_region,
            ),
            global_per_second: NonZeroU32::new(limits.global_per_second),
            max_attempts: limits.max_attempts,
            initial_backoff: Duration::from_millis(limits.initial_backoff_ms),
            max_backoff: Duration::from_millis(limits.max_backoff_ms),
        },
        role: AuditRole {
            name: org.audit_role_name,
            external_id: (!org.external_id.is_empty()).then(|| SecretString::from(org.external_id)),
            session_name: org.session_name,
        },
        scope: Scope {
            include_accounts: org.include_accounts,
            exclude_accounts: org.exclude_accounts,
            include_ous: org.include_ous,
            exclude_ous: org.exclude_ous,
            audit_management_account: org.audit_management_account,
        },
        regions,
        concurrency: limits.concurrency as usize,
        account_deadline: Duration::from_secs(limits.account_deadline_seconds),
        when_busy,
        credential_report_deadline: Duration::from_secs(limits.credential_report_deadline_seconds),
        write_retry: Duration::from_secs(raw.store.write_retry_seconds),
        spool_dir: PathBuf::from(raw.store.spool_dir.trim()),
        schedule: Schedule {
            cron,
            cron_text,
            timezone,
            stop_grace: Duration::from_secs(raw.schedule.stop_grace_seconds),
            resume_interrupted: raw.schedule.resume_interrupted,
            sweep_at_start: raw.schedule.sweep_at_start,
        },
        metrics_listen,
    })
}

/// IAM's character set for role and session names: letters, digits and `+=,.@_-`.
fn check_iam_name(name: &str, min: usize, max: usize) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if name.len() < min || name.len() > max || !ok_chars {
        return Err(format!(
            "{name:?} must be {min} to {max} characters of letters, digits and +=,.@_-"
        ));
    }
    Ok(())
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`, ...
fn check_region(region: &str) -> Result<(), String> {
    let parts: Vec<&str> = region.split('-').collect();
    let well_formed = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts.last().is_some_and(|n| {
            !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit())
        });
    if well_formed {
        Ok(())
    } else {
        Err(format!("{region:?} is not a region name such as us-east-1"))
    }
}

/// `ou-<4-32 of [0-9a-z]>-<8-32 of [0-9a-z]>` or `r-<4-32 of [0-9a-z]>`.
fn is_ou_or_root_id(id: &str) -> bool {
    let lower_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if let Some(rest) = id.strip_prefix("ou-") {
        return match rest.split_once('-') {
            Some((root, unit)) => {
                (4..=32).contains(&root.len())
                    && (8..=32).contains(&unit.len())
                    && lower_alnum(root)
                    && lower_alnum(unit)
            }
            None => false,
        };
    }
    if let Some(root) = id.strip_prefix("r-") {
        return (4..=32).contains(&root.len()) && lower_alnum(root);
    }
    false
}

#[cfg(test)]
mod tests;

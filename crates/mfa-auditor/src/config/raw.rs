//! What the sources say, before any check: the TOML sections and keys with their defaults.
//!
//! The defaults are safe on real AWS; docs/limits.md gives the reason for each limit. The
//! defaults also tell the environment layer each key's type (see `sources.rs`).
//!
//! Every secret is a [`RawSecret`] (its `Debug` redacted), beside its `_env` and `_file` forms
//! (a variable's name, a path: not secrets); `secrets.rs` resolves them.

use super::secrets::RawSecret;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawConfig {
    pub database: RawDatabase,
    pub store: RawStore,
    pub aws: RawAws,
    pub organization: RawOrganization,
    pub audit: RawAudit,
    pub limits: RawLimits,
    pub schedule: RawSchedule,
    pub metrics: RawMetrics,
    pub exceptions: RawExceptions,
    pub notify: RawNotify,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawDatabase {
    pub url: RawSecret,
    pub url_env: String,
    pub url_file: String,
    pub max_connections: u32,
    pub connect_timeout_seconds: u64,
}

impl Default for RawDatabase {
    fn default() -> Self {
        RawDatabase {
            url: RawSecret::default(),
            url_env: String::new(),
            url_file: String::new(),
            max_connections: 8,
            connect_timeout_seconds: 10,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawStore {
    pub keep_days: u32,
    pub write_retry_seconds: u64,
    pub spool_dir: String,
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

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawAws {
    pub region: String,
    pub endpoint_url: String,
}

impl Default for RawAws {
    fn default() -> Self {
        RawAws {
            region: "us-east-1".to_string(),
            endpoint_url: String::new(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawOrganization {
    pub audit_role_name: String,
    pub external_id: RawSecret,
    pub external_id_env: String,
    pub external_id_file: String,
    pub session_name: String,
    pub session_duration_seconds: u64,
    pub include_accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    pub include_ous: Vec<String>,
    pub exclude_ous: Vec<String>,
    pub audit_management_account: bool,
}

impl Default for RawOrganization {
    fn default() -> Self {
        RawOrganization {
            // The read-only role deploy/iam/audit-role-stackset.yaml creates, and the only one
            // deploy/iam/caller-policy.json may assume (not OrganizationAccountAccessRole, an
            // administrator in every account).
            audit_role_name: "MfaAuditRole".to_string(),
            external_id: RawSecret::default(),
            external_id_env: String::new(),
            external_id_file: String::new(),
            session_name: "mfa-auditor".to_string(),
            // The least AssumeRole allows, and within every role's MaxSessionDuration.
            session_duration_seconds: 900,
            include_accounts: Vec::new(),
            exclude_accounts: Vec::new(),
            include_ous: Vec::new(),
            exclude_ous: Vec::new(),
            audit_management_account: true,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawAudit {
    pub regions: Vec<String>,
    pub credential_report_max_age_seconds: u64,
    pub mfa_devices: bool,
    pub policies: bool,
}

impl Default for RawAudit {
    fn default() -> Self {
        RawAudit {
            // Every region enabled in each account: a list written once for the organization
            // misses the pools of an opt-in region one account enabled (README, "Which regions
            // to search for user pools").
            regions: vec![mfa_evaluator::ALL_ENABLED_REGIONS.to_string()],
            // IAM's own cache period: it never serves an older report.
            credential_report_max_age_seconds: 4 * 3600,
            // The facts beyond the five controls (device kinds, second factors; enforcement,
            // stakes, SCPs): read unless turned off, for the calls they cost.
            mfa_devices: true,
            policies: true,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawLimits {
    pub concurrency: u32,
    pub accounts_in_flight: u32,
    pub max_attempts: u32,
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    pub call_timeout_seconds: u64,
    pub account_deadline_seconds: u64,
    pub credential_report_deadline_seconds: u64,
    pub organizations_per_second: u32,
    pub sts_per_second: u32,
    pub iam_per_second_per_account: u32,
    pub cognito_per_second_per_account_region: u32,
    pub global_per_second: u32,
}

impl Default for RawLimits {
    fn default() -> Self {
        RawLimits {
            concurrency: 16,
            // Most of them wait for IAM to make their credential report, holding no request.
            accounts_in_flight: 256,
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

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawSchedule {
    pub cron: String,
    pub timezone: String,
    pub if_sweep_running: String,
    pub lock_wait_seconds: u64,
    pub stop_grace_seconds: u64,
    pub resume_interrupted: bool,
    pub sweep_at_start: bool,
}

impl Default for RawSchedule {
    fn default() -> Self {
        RawSchedule {
            cron: "0 3 * * *".to_string(),
            timezone: "UTC".to_string(),
            if_sweep_running: "refuse".to_string(),
            // Long enough for another nightly sweep of a large organization to end.
            lock_wait_seconds: 3600,
            stop_grace_seconds: 30,
            resume_interrupted: false,
            sweep_at_start: false,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawMetrics {
    pub listen: String,
    /// `GET /report` answers only when true, and only with HTTP Basic credentials.
    pub report: bool,
    pub report_user: String,
    pub report_password: RawSecret,
    pub report_password_env: String,
    pub report_password_file: String,
}

impl Default for RawMetrics {
    fn default() -> Self {
        RawMetrics {
            listen: "127.0.0.1:9185".to_string(),
            report: false,
            report_user: "auditor".to_string(),
            report_password: RawSecret::default(),
            report_password_env: String::new(),
            report_password_file: String::new(),
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawExceptions {
    pub file: String,
    pub warn_days: u32,
    pub max_days: u32,
}

impl Default for RawExceptions {
    fn default() -> Self {
        RawExceptions {
            file: String::new(),
            warn_days: 30,
            max_days: 365,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawNotify {
    pub timeout_seconds: u64,
    pub total_seconds: u64,
    pub webhook: Vec<RawWebhook>,
}

impl Default for RawNotify {
    fn default() -> Self {
        RawNotify {
            timeout_seconds: 10,
            total_seconds: 60,
            webhook: Vec::new(),
        }
    }
}

/// One `[[notify.webhook]]`. `url` is a secret; it may be given as `url_env` or `url_file`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub url: RawSecret,
    #[serde(default)]
    pub url_env: String,
    #[serde(default)]
    pub url_file: String,
    #[serde(default = "default_webhook_format")]
    pub format: String,
    #[serde(default = "every_topic")]
    pub on: Vec<String>,
    #[serde(default)]
    pub ous: Vec<String>,
}

fn default_webhook_format() -> String {
    "json".to_string()
}

fn every_topic() -> Vec<String> {
    mfa_notify::Topic::ALL
        .iter()
        .map(|t| t.as_str().to_string())
        .collect()
}

//! From what the sources say ([`RawConfig`]) to what is true ([`AuditConfig`]): every value
//! checked, every bound enforced, each error naming where the value came from and its key.

use super::checker::Checker;
use super::raw::RawConfig;
use super::secrets::{self, SecretForms};
use super::sources::{origin_of, Origins};
use super::{AuditConfig, ConfigError, DatabaseConfig, ExceptionsSettings, Schedule};
use mfa_collector::{
    AccountId, AuditRole, AwsSettings, LimitSettings, OuId, Partition, Region, RegionScope,
    ReportSettings,
};
use mfa_evaluator::ALL_ENABLED_REGIONS;
use mfa_sweep::{Scope, WhenBusy};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

/// AssumeRole's session bounds.
const SESSION_SECONDS: std::ops::RangeInclusive<u64> = 900..=43_200;
/// An account's work ends this long before its session does, so no call is made with
/// credentials about to expire.
const SESSION_MARGIN_SECONDS: u64 = 60;

pub(super) fn validate(
    raw: RawConfig,
    file: &str,
    origins: &Origins,
    environment: &HashMap<String, String>,
) -> Result<AuditConfig, ConfigError> {
    let check = Checker::new(file, origins, literal_secrets(&raw));

    // Commands that need no database (`accounts`) run without one; the others ask for it.
    let database = &raw.database;
    let url = secrets::resolve(
        &check,
        SecretForms {
            key: "database.url".to_string(),
            value: &database.url,
            env: &database.url_env,
            file: &database.url_file,
        },
        environment,
    )?;
    if let Some(url) = &url {
        let text = url.value.expose_secret().trim();
        if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
            return Err(url.error(&check, "must be a postgres:// or postgresql:// URL"));
        }
    }
    let max_connections = check.range(
        "database.max_connections",
        raw.database.max_connections,
        1..=1000,
        "",
    )?;
    let connect_timeout = check.seconds(
        "database.connect_timeout_seconds",
        raw.database.connect_timeout_seconds,
        1,
    )?;

    let region: Region = raw
        .aws
        .region
        .parse()
        .map_err(|e: mfa_collector::InvalidId| check.error("aws.region", e.to_string()))?;
    // The partition every account and region of the organization is in.
    let partition = mfa_collector::partition_of_region(region.as_str())
        .map_err(|m| check.error("aws.region", m))?;
    let endpoint = raw.aws.endpoint_url.trim();
    if !endpoint.is_empty() {
        check_endpoint(endpoint).map_err(|m| check.error("aws.endpoint_url", m))?;
    }

    let org = raw.organization;
    check_iam_name(&org.audit_role_name, 1, 64)
        .map_err(|m| check.error("organization.audit_role_name", m))?;
    check_iam_name(&org.session_name, 2, 64)
        .map_err(|m| check.error("organization.session_name", m))?;
    let external_id = secrets::resolve(
        &check,
        SecretForms {
            key: "organization.external_id".to_string(),
            value: &org.external_id,
            env: &org.external_id_env,
            file: &org.external_id_file,
        },
        environment,
    )?;
    if let Some(id) = &external_id {
        let text = id.value.expose_secret();
        if text.len() > 1224 || text.chars().any(|c| c.is_control()) {
            // The value itself is a secret: the message never repeats it.
            return Err(id.error(&check, "must be at most 1224 printable characters"));
        }
    }
    let session_duration = check.range(
        "organization.session_duration_seconds",
        org.session_duration_seconds,
        SESSION_SECONDS,
        " seconds (what AssumeRole allows)",
    )?;
    let scope = Scope {
        include_accounts: check
            .distinct::<AccountId>("organization.include_accounts", &org.include_accounts)?,
        exclude_accounts: check
            .distinct::<AccountId>("organization.exclude_accounts", &org.exclude_accounts)?,
        include_ous: check.distinct::<OuId>("organization.include_ous", &org.include_ous)?,
        exclude_ous: check.distinct::<OuId>("organization.exclude_ous", &org.exclude_ous)?,
        audit_management_account: org.audit_management_account,
    };

    let regions = region_scope(&check, &raw.audit.regions, partition)?;
    let credential_report_max_age = check.seconds(
        "audit.credential_report_max_age_seconds",
        raw.audit.credential_report_max_age_seconds,
        0,
    )?;

    let limits = raw.limits;
    let concurrency = check.range("limits.concurrency", limits.concurrency, 1..=256, "")?;
    let accounts_in_flight = check.range(
        "limits.accounts_in_flight",
        limits.accounts_in_flight,
        1..=4096,
        "",
    )?;
    let max_attempts = check.range("limits.max_attempts", limits.max_attempts, 1..=20, "")?;
    let call_timeout = check.seconds(
        "limits.call_timeout_seconds",
        limits.call_timeout_seconds,
        1,
    )?;
    let account_deadline = check.seconds(
        "limits.account_deadline_seconds",
        limits.account_deadline_seconds,
        1,
    )?;
    // An account whose work outlives its session would meet ExpiredToken part way.
    let longest_account = session_duration - SESSION_MARGIN_SECONDS;
    if account_deadline.as_secs() > longest_account {
        return Err(check.error(
            "limits.account_deadline_seconds",
            format!(
                "{} is more than organization.session_duration_seconds ({session_duration}) \
                 less {SESSION_MARGIN_SECONDS} s: an account's calls must end before its \
                 session does; raise the session (and the role's MaxSessionDuration) or lower \
                 the deadline",
                account_deadline.as_secs()
            ),
        ));
    }
    let credential_report_deadline = check.seconds(
        "limits.credential_report_deadline_seconds",
        limits.credential_report_deadline_seconds,
        1,
    )?;
    // Five minutes: beyond it a "backoff" is an outage, which the account deadline handles.
    let max_backoff_ms = check.range(
        "limits.max_backoff_ms",
        limits.max_backoff_ms,
        1..=300_000,
        " ms",
    )?;
    let initial_backoff_ms = check.range(
        "limits.initial_backoff_ms",
        limits.initial_backoff_ms,
        1..=max_backoff_ms,
        " ms (limits.max_backoff_ms)",
    )?;
    let rate = |key: &str, value: u32| -> Result<Option<NonZeroU32>, ConfigError> {
        // 0 means no limit.
        check
            .range(key, value, 0..=100_000, " requests per second")
            .map(NonZeroU32::new)
    };

    let keep_days = check.range("store.keep_days", raw.store.keep_days, 1..=36_500, " days")?;
    let write_retry = check.seconds(
        "store.write_retry_seconds",
        raw.store.write_retry_seconds,
        0,
    )?;
    if raw.store.spool_dir.trim().is_empty() {
        return Err(check.error(
            "store.spool_dir",
            "must name a directory for results written while the database is unreachable",
        ));
    }

    let schedule = raw.schedule;
    let lock_wait = check.seconds("schedule.lock_wait_seconds", schedule.lock_wait_seconds, 1)?;
    let when_busy = match schedule.if_sweep_running.as_str() {
        "refuse" => WhenBusy::Refuse,
        "wait" => WhenBusy::Wait { up_to: lock_wait },
        other => {
            return Err(check.error(
                "schedule.if_sweep_running",
                format!("{other:?} is not \"refuse\" or \"wait\""),
            ))
        }
    };
    let cron_text = schedule.cron.trim().to_string();
    let not_cron = |detail: String| {
        check.error(
            "schedule.cron",
            format!("{cron_text:?} is not a five-field cron expression (minute hour day-of-month month day-of-week): {detail}"),
        )
    };
    let fields = cron_text.split_whitespace().count();
    if fields != 5 {
        return Err(not_cron(format!("it has {fields} fields")));
    }
    let cron: croner::Cron = cron_text.parse().map_err(|e| not_cron(format!("{e}")))?;
    let timezone: chrono_tz::Tz = schedule.timezone.trim().parse().map_err(|_| {
        check.error(
            "schedule.timezone",
            format!(
                "{:?} is not an IANA timezone name such as UTC or Europe/Paris",
                schedule.timezone
            ),
        )
    })?;
    let stop_grace = check.range(
        "schedule.stop_grace_seconds",
        schedule.stop_grace_seconds,
        0..=3600,
        " seconds",
    )?;

    let metrics = super::metrics::metrics_settings(&check, raw.metrics, environment)?;

    let exceptions = ExceptionsSettings {
        file: match raw.exceptions.file.trim() {
            "" => None,
            file => Some(PathBuf::from(file)),
        },
        warn_days: check.range(
            "exceptions.warn_days",
            raw.exceptions.warn_days,
            0..=365,
            " days",
        )?,
        max_days: check.range(
            "exceptions.max_days",
            raw.exceptions.max_days,
            1..=3650,
            " days",
        )?,
    };

    let notify = super::notify::notify_settings(&check, raw.notify, environment)?;

    Ok(AuditConfig {
        database: DatabaseConfig {
            url: url.map(|url| SecretString::from(url.value.expose_secret().trim().to_string())),
            origin: origin_of(origins, "database.url").unwrap_or_else(|| file.to_string()),
            max_connections,
            connect_timeout,
        },
        keep_days,
        aws: AwsSettings {
            region: region.to_string(),
            endpoint_url: (!endpoint.is_empty()).then(|| endpoint.to_string()),
            call_timeout,
        },
        aws_origin: origin_of(origins, "aws.endpoint_url").unwrap_or_else(|| file.to_string()),
        limits: LimitSettings {
            organizations_per_second: rate(
                "limits.organizations_per_second",
                limits.organizations_per_second,
            )?,
            sts_per_second: rate("limits.sts_per_second", limits.sts_per_second)?,
            iam_per_second_per_account: rate(
                "limits.iam_per_second_per_account",
                limits.iam_per_second_per_account,
            )?,
            cognito_per_second_per_account_region: rate(
                "limits.cognito_per_second_per_account_region",
                limits.cognito_per_second_per_account_region,
            )?,
            global_per_second: rate("limits.global_per_second", limits.global_per_second)?,
            max_attempts,
            initial_backoff: Duration::from_millis(initial_backoff_ms),
            max_backoff: Duration::from_millis(max_backoff_ms),
            // The organization's own calls have no account deadline: they get as long.
            throttle_patience: account_deadline,
            requests_in_flight: Some(concurrency as usize),
        },
        role: AuditRole {
            name: org.audit_role_name,
            external_id: external_id.map(|id| id.value),
            session_name: org.session_name,
            session_duration: Duration::from_secs(session_duration),
        },
        scope,
        regions,
        accounts_in_flight: accounts_in_flight as usize,
        account_deadline,
        when_busy,
        credential_report: ReportSettings {
            deadline: credential_report_deadline,
            max_age: credential_report_max_age,
        },
        write_retry,
        spool_dir: PathBuf::from(raw.store.spool_dir.trim()),
        schedule: Schedule {
            cron,
            cron_text,
            timezone,
            stop_grace: Duration::from_secs(stop_grace),
            resume_interrupted: schedule.resume_interrupted,
            sweep_at_start: schedule.sweep_at_start,
        },
        metrics_listen: metrics.listen,
        report_page: metrics.report_page,
        exceptions,
        notify,
        warnings: Vec::new(),
    })
}

/// An endpoint the SDK can call: an http:// or https:// URL with a host. Checked here, since
/// the SDK takes a malformed one for a connection failure and retries it.
fn check_endpoint(endpoint: &str) -> Result<(), String> {
    let not_url = || format!("{endpoint:?} is not an http:// or https:// URL");
    let url = url::Url::parse(endpoint).map_err(|_| not_url())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(not_url());
    }
    Ok(())
}

/// `[audit] regions`: `["*"]` for every region enabled in each account, or a list of regions
/// of the partition (that of `aws.region`).
fn region_scope(
    check: &Checker,
    regions: &[String],
    partition: &Partition,
) -> Result<RegionScope, ConfigError> {
    const KEY: &str = "audit.regions";
    match regions {
        [] => Err(check.error(
            KEY,
            format!("must list at least one region, or be [\"{ALL_ENABLED_REGIONS}\"] for every region enabled in each account"),
        )),
        [only] if only == ALL_ENABLED_REGIONS => Ok(RegionScope::Enabled),
        _ if regions.iter().any(|r| r == ALL_ENABLED_REGIONS) => Err(check.error(
            KEY,
            format!("\"{ALL_ENABLED_REGIONS}\" (every region enabled in each account) already covers every region: give it alone, or list regions without it"),
        )),
        _ => {
            let listed = check.distinct::<Region>(KEY, regions)?;
            for region in &listed {
                mfa_collector::region_of_partition(partition, region.as_str())
                    .map_err(|m| check.error(KEY, m))?;
            }
            Ok(RegionScope::Listed(listed))
        }
    }
}

/// Every value the sources gave directly for a secret (not yet those read from variables and
/// files: resolving adds them).
fn literal_secrets(raw: &RawConfig) -> Vec<String> {
    [&raw.database.url, &raw.organization.external_id]
        .into_iter()
        .chain(raw.notify.webhook.iter().map(|w| &w.url))
        .filter(|s| !s.is_blank())
        .map(|s| s.expose().to_string())
        .collect()
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

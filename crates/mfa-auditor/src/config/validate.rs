//! From what the sources say ([`RawConfig`]) to what is true ([`AuditConfig`]): every value
//! checked, every bound enforced, each error naming where the value came from and its key.

use super::checker::Checker;
use super::limits;
use super::raw::{
    RawAws, RawConfig, RawDatabase, RawExceptions, RawOrganization, RawSchedule, RawStore,
};
use super::secrets::{self, SecretForms};
use super::sources::Origins;
use super::{AuditConfig, ConfigError, DatabaseConfig, ExceptionsSettings, Schedule};
use mfa_collector::{
    AccountId, AuditReads, AuditRole, AwsSettings, OuId, Partition, Region, RegionScope,
    ReportSettings,
};
use mfa_evaluator::ALL_ENABLED_REGIONS;
use mfa_sweep::{Scope, WhenBusy};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// AssumeRole's session bounds.
const SESSION_SECONDS: std::ops::RangeInclusive<u64> = 900..=43_200;

pub(super) fn validate(
    raw: RawConfig,
    file: &str,
    origins: &Origins,
    environment: &HashMap<String, String>,
) -> Result<AuditConfig, ConfigError> {
    let check = Checker::new(file, origins, literal_secrets(&raw));

    // The steps run in the order the keys always were checked: a configuration with several
    // errors reports the same one first.
    let database = database_settings(&check, &raw.database, environment)?;
    let (region, partition) = home_region(&check, &raw.aws)?;
    let endpoint_url = endpoint_url(&check, &raw.aws)?;
    let (role, scope) = organization_settings(&check, raw.organization, environment)?;
    let regions = region_scope(&check, &raw.audit.regions, partition)?;
    let credential_report_max_age = check.seconds(
        "audit.credential_report_max_age_seconds",
        raw.audit.credential_report_max_age_seconds,
        0,
    )?;
    let work = limits::work_limits(&check, &raw.limits, role.session_duration.as_secs())?;
    let store = store_settings(&check, &raw.store)?;
    let (schedule, when_busy) = schedule_settings(&check, raw.schedule)?;
    let metrics = super::metrics::metrics_settings(&check, raw.metrics, environment)?;
    let exceptions = exceptions_settings(&check, &raw.exceptions)?;
    let notify = super::notify::notify_settings(&check, raw.notify, environment)?;
    let limits = limits::limit_settings(&check, &raw.limits, &work)?;
    let reads = AuditReads {
        mfa_devices: raw.audit.mfa_devices,
        policies: raw.audit.policies,
    };
    let (accounts_in_flight, lowered) = limits::accounts_within_deadline(
        work.accounts_in_flight,
        limits.global_per_second,
        work.account_deadline,
        limits::calls_per_account(&regions, reads),
    );

    Ok(AuditConfig {
        database,
        keep_days: store.keep_days,
        aws: AwsSettings {
            region: region.to_string(),
            endpoint_url,
            call_timeout: work.call_timeout,
        },
        aws_origin: check.origin("aws.endpoint_url"),
        limits,
        role,
        scope,
        regions,
        accounts_in_flight: accounts_in_flight as usize,
        account_deadline: work.account_deadline,
        when_busy,
        credential_report: ReportSettings {
            deadline: work.credential_report_deadline,
            max_age: credential_report_max_age,
        },
        reads,
        write_retry: store.write_retry,
        spool_dir: store.spool_dir,
        schedule,
        metrics_listen: metrics.listen,
        report_page: metrics.report_page,
        exceptions,
        notify,
        accounts_in_flight_lowered: lowered,
        warnings: Vec::new(),
    })
}

/// `[database]`. Commands that need no database (`accounts`) run without one; the others ask
/// for it, so the URL may be absent here.
fn database_settings(
    check: &Checker,
    database: &RawDatabase,
    environment: &HashMap<String, String>,
) -> Result<DatabaseConfig, ConfigError> {
    let url = secrets::resolve(
        check,
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
            return Err(url.error(check, "must be a postgres:// or postgresql:// URL"));
        }
    }
    let max_connections = check.range(
        "database.max_connections",
        database.max_connections,
        1..=1000,
        "",
    )?;
    let connect_timeout = check.seconds(
        "database.connect_timeout_seconds",
        database.connect_timeout_seconds,
        1,
    )?;
    Ok(DatabaseConfig {
        url: url.map(|url| SecretString::from(url.value.expose_secret().trim().to_string())),
        origin: check.origin("database.url"),
        max_connections,
        connect_timeout,
    })
}

/// `aws.region`, and the partition every account and region of the organization is in.
fn home_region(check: &Checker, aws: &RawAws) -> Result<(Region, &'static Partition), ConfigError> {
    let region: Region = aws
        .region
        .parse()
        .map_err(|e: mfa_collector::InvalidId| check.error("aws.region", e.to_string()))?;
    let partition = mfa_collector::partition_of_region(region.as_str())
        .map_err(|m| check.error("aws.region", m))?;
    Ok((region, partition))
}

/// `aws.endpoint_url`: `None` (real AWS) when empty.
fn endpoint_url(check: &Checker, aws: &RawAws) -> Result<Option<String>, ConfigError> {
    let endpoint = aws.endpoint_url.trim();
    if endpoint.is_empty() {
        return Ok(None);
    }
    check_endpoint(endpoint).map_err(|m| check.error("aws.endpoint_url", m))?;
    Ok(Some(endpoint.to_string()))
}

/// `[organization]`: the role each account is audited through, and which accounts are.
fn organization_settings(
    check: &Checker,
    org: RawOrganization,
    environment: &HashMap<String, String>,
) -> Result<(AuditRole, Scope), ConfigError> {
    check_iam_name(&org.audit_role_name, 1, 64)
        .map_err(|m| check.error("organization.audit_role_name", m))?;
    check_iam_name(&org.session_name, 2, 64)
        .map_err(|m| check.error("organization.session_name", m))?;
    let external_id = secrets::resolve(
        check,
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
            return Err(id.error(check, "must be at most 1224 printable characters"));
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
    let role = AuditRole {
        name: org.audit_role_name,
        external_id: external_id.map(|id| id.value),
        session_name: org.session_name,
        session_duration: Duration::from_secs(session_duration),
    };
    Ok((role, scope))
}

/// `[store]` checked.
struct StoreSettings {
    keep_days: u32,
    write_retry: Duration,
    spool_dir: PathBuf,
}

fn store_settings(check: &Checker, store: &RawStore) -> Result<StoreSettings, ConfigError> {
    let keep_days = check.range("store.keep_days", store.keep_days, 1..=36_500, " days")?;
    let write_retry = check.seconds("store.write_retry_seconds", store.write_retry_seconds, 0)?;
    if store.spool_dir.trim().is_empty() {
        return Err(check.error(
            "store.spool_dir",
            "must name a directory for results written while the database is unreachable",
        ));
    }
    Ok(StoreSettings {
        keep_days,
        write_retry,
        spool_dir: PathBuf::from(store.spool_dir.trim()),
    })
}

/// `[schedule]`: when `serve` sweeps, what a sweep does when another holds the lock, and how
/// it stops.
fn schedule_settings(
    check: &Checker,
    schedule: RawSchedule,
) -> Result<(Schedule, WhenBusy), ConfigError> {
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
    let cron = five_field_cron(check, &cron_text)?;
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
    let settings = Schedule {
        cron,
        cron_text,
        timezone,
        stop_grace: Duration::from_secs(stop_grace),
        resume_interrupted: schedule.resume_interrupted,
        sweep_at_start: schedule.sweep_at_start,
    };
    Ok((settings, when_busy))
}

/// `schedule.cron`: five fields exactly (croner also takes six, with seconds).
fn five_field_cron(check: &Checker, cron_text: &str) -> Result<croner::Cron, ConfigError> {
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
    cron_text.parse().map_err(|e| not_cron(format!("{e}")))
}

/// `[exceptions]`: where the exceptions file is, and how far ahead its dates may go.
fn exceptions_settings(
    check: &Checker,
    exceptions: &RawExceptions,
) -> Result<ExceptionsSettings, ConfigError> {
    Ok(ExceptionsSettings {
        file: match exceptions.file.trim() {
            "" => None,
            file => Some(PathBuf::from(file)),
        },
        warn_days: check.range(
            "exceptions.warn_days",
            exceptions.warn_days,
            0..=365,
            " days",
        )?,
        max_days: check.range(
            "exceptions.max_days",
            exceptions.max_days,
            1..=3650,
            " days",
        )?,
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

//! `[limits]` checked: how much work runs at once, how often a call is tried, how long each
//! piece may take, and how many requests a second each service is sent. docs/limits.md gives
//! the reason for each default.

use super::checker::Checker;
use super::raw::RawLimits;
use super::ConfigError;
use mfa_collector::LimitSettings;
use std::num::NonZeroU32;
use std::time::Duration;

/// An account's work ends this long before its session does, so no call is made with
/// credentials about to expire.
const SESSION_MARGIN_SECONDS: u64 = 60;

/// `[limits]` but the request rates: how much work runs at once, how often a call is tried,
/// and how long each piece may take.
pub(super) struct WorkLimits {
    pub concurrency: u32,
    pub accounts_in_flight: u32,
    pub max_attempts: u32,
    pub call_timeout: Duration,
    pub account_deadline: Duration,
    pub credential_report_deadline: Duration,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

pub(super) fn work_limits(
    check: &Checker,
    limits: &RawLimits,
    session_duration: u64,
) -> Result<WorkLimits, ConfigError> {
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
    let account_deadline = account_deadline(check, limits, session_duration)?;
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
    Ok(WorkLimits {
        concurrency,
        accounts_in_flight,
        max_attempts,
        call_timeout,
        account_deadline,
        credential_report_deadline,
        initial_backoff: Duration::from_millis(initial_backoff_ms),
        max_backoff: Duration::from_millis(max_backoff_ms),
    })
}

/// `limits.account_deadline_seconds`: an account whose work outlives its session would meet
/// ExpiredToken part way.
fn account_deadline(
    check: &Checker,
    limits: &RawLimits,
    session_duration: u64,
) -> Result<Duration, ConfigError> {
    let account_deadline = check.seconds(
        "limits.account_deadline_seconds",
        limits.account_deadline_seconds,
        1,
    )?;
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
    Ok(account_deadline)
}

/// The collector's limits: the work limits with the request rates (0 means no limit).
pub(super) fn limit_settings(
    check: &Checker,
    limits: &RawLimits,
    work: &WorkLimits,
) -> Result<LimitSettings, ConfigError> {
    let rate = |key: &str, value: u32| -> Result<Option<NonZeroU32>, ConfigError> {
        check
            .range(key, value, 0..=100_000, " requests per second")
            .map(NonZeroU32::new)
    };
    Ok(LimitSettings {
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
        max_attempts: work.max_attempts,
        initial_backoff: work.initial_backoff,
        max_backoff: work.max_backoff,
        // The organization's own calls have no account deadline: they get as long.
        throttle_patience: work.account_deadline,
        requests_in_flight: Some(work.concurrency as usize),
    })
}

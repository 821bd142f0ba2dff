//! `[limits]` checked: how much work runs at once, how often a call is tried, how long each
//! piece may take, and how many requests a second each service is sent. docs/limits.md gives
//! the reason for each default.

use super::checker::Checker;
use super::raw::RawLimits;
use super::ConfigError;
use mfa_collector::{AuditReads, LimitSettings, RegionScope};
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

/// Regions AWS enables in every account by default: what `["*"]` searches at least.
const DEFAULT_ENABLED_REGIONS: u32 = 17;

/// The calls an account costs, roughly (README, "The reads beyond the controls" and
/// docs/limits.md): five for the session, root, users and the report, a `ListUserPools` per
/// region searched (`["*"]`: AWS's default regions and the `ListRegions` that finds them), and
/// with the facts a policy read and a few device and pool reads. Pools and users add more;
/// [`accounts_within_deadline`] leaves room.
pub(super) fn calls_per_account(regions: &RegionScope, reads: AuditReads) -> u32 {
    let searched = match regions {
        RegionScope::Listed(regions) => regions.len() as u32,
        RegionScope::Enabled => DEFAULT_ENABLED_REGIONS + 1,
    };
    let facts = u32::from(reads.policies) + 2 * u32::from(reads.mfa_devices);
    5 + searched + facts
}

/// Under `limits.global_per_second` every account's calls wait in one line, so with `in_flight`
/// accounts under way each takes about `in_flight × calls / cap`, and an account that passes
/// its deadline errors, verdicts lost. More accounts at once than the cap serves in half the
/// deadline are lowered to that, with a warning saying why.
pub(super) fn accounts_within_deadline(
    in_flight: u32,
    global_per_second: Option<NonZeroU32>,
    deadline: Duration,
    calls: u32,
) -> (u32, Option<String>) {
    let Some(cap) = global_per_second else {
        return (in_flight, None);
    };
    let served = u64::from(cap.get()) * deadline.as_secs() / 2 / u64::from(calls.max(1));
    let most = u32::try_from(served).unwrap_or(u32::MAX).max(1);
    if in_flight <= most {
        return (in_flight, None);
    }
    let in_line = u64::from(in_flight) * u64::from(calls) / u64::from(cap.get());
    let warning = format!(
        "limits.accounts_in_flight {in_flight} lowered to {most} for this sweep: at \
         limits.global_per_second {cap}, {in_flight} accounts of about {calls} calls each would \
         take about {in_line} s each in line, more than half of limits.account_deadline_seconds \
         ({} s), and an account past its deadline errors. To keep your value, raise \
         limits.global_per_second or limits.account_deadline_seconds; or set \
         limits.accounts_in_flight to {most} or fewer",
        deadline.as_secs()
    );
    (most, Some(warning))
}

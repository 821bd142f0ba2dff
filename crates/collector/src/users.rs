//! An account's IAM users as they are now. The credential report is the cheap bulk source (two
//! calls for every user), but IAM makes one at most every four hours and serves that one until
//! then. So:
//!
//! - a report IAM generated for this audit (`GenerateCredentialReport` answered `STARTED` or
//!   `INPROGRESS`) is the live state, and is used alone;
//! - a report IAM had already (it answered `COMPLETE`) is confirmed live for what can have
//!   changed since its `GeneratedTime`: the users (`ListUsers`: created and deleted ones), their
//!   MFA (a virtual device assigned now, from `ListVirtualMFADevices`, already read for root;
//!   otherwise `ListMFADevices`, for hardware and FIDO keys or no device at all), and the
//!   console password of the users whose verdict depends on it (`GetLoginProfile` for users
//!   without MFA, whom IAM.5 fails only if they have one, and for users the report does not
//!   know);
//! - a report older than `max_age` also has every user's console password confirmed.
//!
//! Calls per account beyond the report: none when it was generated for this audit; otherwise
//! one `ListUsers` per 1,000 users, one `ListMFADevices` per user without a virtual device, one
//! `GetLoginProfile` per user without MFA (per user, for a report older than `max_age`). With
//! `[audit] mfa_devices`, that `ListMFADevices` lists the devices too, and serves for them.

use crate::call_context::{CallContext, Quota};
use crate::credential_report::parse_credential_report;
use crate::error::{CollectError, ErrorClass};
use crate::mfa_devices::{confirm_mfa, PER_USER_CALLS_IN_FLIGHT};
use crate::paginate::{paginate, Page};
use aws_sdk_iam::operation::get_credential_report::GetCredentialReportOutput;
use aws_sdk_iam::types::ReportStateType;
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};
use mfa_evaluator::{CredentialReport, IamUser, ReportFreshness, UserSource, VirtualMfaDevice};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;

/// What IAM usually takes to make a report for an account of a few dozen users, before the
/// sweep has seen any: the first poll after generation starts waits this long.
const GENERATION_PRIOR: Duration = Duration::from_secs(3);
/// Between later polls of the same report: a report that was not ready at the estimate is
/// usually ready within a second or two.
const POLL_STEP: Duration = Duration::from_secs(1);

/// How long IAM takes to make a credential report, learned over the sweep from the reports
/// that were not ready when first expected. Shared by every account of the sweep: IAM's
/// generation time is much the same for accounts of similar size.
#[derive(Debug)]
pub(crate) struct GenerationEstimate {
    millis: AtomicU64,
}

impl GenerationEstimate {
    pub(crate) fn new() -> GenerationEstimate {
        GenerationEstimate {
            millis: AtomicU64::new(GENERATION_PRIOR.as_millis() as u64),
        }
    }

    fn get(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::Relaxed))
    }

    /// A report that was still in progress at the estimate was ready `took` after generation
    /// started (an upper bound): move halfway there. An estimate that is early costs a poll; one
    /// that is late costs only the wait past readiness, so it only ever moves up.
    fn was_late(&self, took: Duration) {
        let took = took.as_millis() as u64;
        let _ = self
            .millis
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                (took > old).then(|| (old + took) / 2)
            });
    }
}

/// How the credential report is fetched and trusted.
#[derive(Debug, Clone, Copy)]
pub struct ReportSettings {
    /// How long IAM may take to prepare it.
    pub deadline: Duration,
    /// A report older than this has every user's console password confirmed live.
    pub max_age: Duration,
}

/// Generates (or reuses, when IAM has one under four hours old) the credential report and reads
/// it, until the deadline. While IAM makes it, the account holds no place among the requests in
/// flight: it sleeps until the report should be ready (the sweep's estimate), then polls every
/// [`POLL_STEP`], each poll paced by the account's IAM limiter.
pub(crate) async fn credential_report(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    settings: ReportSettings,
    estimate: &GenerationEstimate,
) -> Result<CredentialReport, CollectError> {
    let started = Instant::now();
    let mut generate = true;
    let mut generation = Generation {
        for_us: false,
        began: started,
        failed_polls: 0,
    };
    loop {
        if generate && ask_for_report(iam, ctx).await? {
            generation = Generation {
                for_us: true,
                began: Instant::now(),
                failed_polls: 0,
            };
        }
        // A report that was just STARTED is often ready at once; ask before waiting.
        let error = match ctx
            .call(Quota::Iam, GET_REPORT, || {
                iam.get_credential_report().send()
            })
            .await
        {
            Ok(response) => {
                if generation.failed_polls > 1 {
                    estimate.was_late(generation.began.elapsed());
                }
                return read_report(&response, ctx, generation.for_us, settings.max_age);
            }
            Err(error) => error,
        };
        let pending = matches!(
            error.aws_code.as_deref(),
            Some("ReportInProgress" | "ReportNotPresent" | "ReportExpired")
        );
        if !pending && error.class != ErrorClass::Throttled {
            return Err(error);
        }
        let wait = generation.next_wait(estimate);
        if started.elapsed() + wait > settings.deadline {
            return Err(CollectError {
                message: format!(
                    "the credential report was not ready within {} s ({})",
                    settings.deadline.as_secs(),
                    error.message
                ),
                class: ErrorClass::Timeout,
                ..error
            });
        }
        // Expired or absent: generate again; in progress: just wait.
        generate = error.aws_code.as_deref() != Some("ReportInProgress");
        tokio::time::sleep(wait).await;
    }
}

const GENERATE_REPORT: &str = "iam:GenerateCredentialReport";
const GET_REPORT: &str = "iam:GetCredentialReport";

/// The latest report generation: whether IAM began it for us (then what we read is the live
/// state), when it began, and how many polls of it found it not ready.
struct Generation {
    for_us: bool,
    began: Instant,
    failed_polls: u32,
}

impl Generation {
    /// How long to wait after a poll that found the report not ready: the first time, until
    /// the report should be ready; later, a step.
    fn next_wait(&mut self, estimate: &GenerationEstimate) -> Duration {
        let wait = if self.failed_polls == 0 {
            estimate
                .get()
                .saturating_sub(self.began.elapsed())
                .max(POLL_STEP / 2)
        } else {
            POLL_STEP
        };
        self.failed_polls += 1;
        wait
    }
}

/// Asks IAM to generate a report; whether it began one for us.
async fn ask_for_report(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
) -> Result<bool, CollectError> {
    match ctx
        .call(Quota::Iam, GENERATE_REPORT, || {
            iam.generate_credential_report().send()
        })
        .await
    {
        Ok(answer) => Ok(matches!(
            answer.state(),
            Some(ReportStateType::Started | ReportStateType::Inprogress)
        )),
        // LimitExceeded: IAM refuses to start another report; one may still be ready.
        Err(error) if error.class == ErrorClass::Throttled => Ok(false),
        Err(error) => Err(error),
    }
}

/// The report IAM served, with how far it can be trusted as the live state.
// CollectError carries its whole context by design (see paginate.rs): built once per report.
#[allow(clippy::result_large_err)]
fn read_report(
    response: &GetCredentialReportOutput,
    ctx: CallContext<'_>,
    generated_for_us: bool,
    max_age: Duration,
) -> Result<CredentialReport, CollectError> {
    let content = response
        .content()
        .ok_or_else(|| ctx.malformed(GET_REPORT, "the report has no content"))?;
    let generated_at = response.generated_time().and_then(to_chrono);
    let read_at = Utc::now();
    // A GeneratedTime ahead of our clock (skew) counts as no age at all.
    let age = generated_at.map(|at| (read_at - at).to_std().unwrap_or(Duration::ZERO));
    let freshness = match age {
        _ if generated_for_us => ReportFreshness::GeneratedForThisAudit,
        Some(age) if age <= max_age => ReportFreshness::Cached,
        // No GeneratedTime: nothing says how old it is.
        _ => ReportFreshness::TooOld,
    };
    parse_credential_report(content.as_ref(), generated_at, read_at, freshness)
        .map_err(|e| ctx.malformed(GET_REPORT, e.to_string()))
}

/// The users as they are now: the report alone when IAM made it for this audit, else confirmed
/// live (see the module's documentation). `devices`: every virtual MFA device assigned now.
/// With `read_devices`, a user whose MFA is confirmed by `ListMFADevices` keeps the devices that
/// call listed (`mfa_devices.rs` reads the others').
pub(crate) async fn live_users(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    mut report: CredentialReport,
    devices: &Result<Vec<VirtualMfaDevice>, CollectError>,
    read_devices: bool,
) -> Result<CredentialReport, CollectError> {
    if report.freshness == ReportFreshness::GeneratedForThisAudit {
        return Ok(report);
    }
    let devices = devices.as_ref().map_err(clone_error)?;
    let with_virtual: HashSet<&str> = devices
        .iter()
        .filter_map(|d| d.user_arn.as_deref())
        .collect();
    let listed = list_users(iam, ctx).await?;
    let rows: HashMap<&str, &IamUser> = report.users.iter().map(|u| (u.arn.as_str(), u)).collect();
    let every_console = report.freshness == ReportFreshness::TooOld;
    let confirmed: Vec<IamUser> = stream::iter(listed.into_iter().map(|(name, arn)| {
        let row = rows.get(arn.as_str()).map(|row| (**row).clone());
        let has_virtual = with_virtual.contains(arn.as_str());
        async move {
            let (mfa_active, mfa_source, mfa_devices) = if has_virtual {
                (true, UserSource::ListVirtualMfaDevices, None)
            } else {
                let (active, devices) = confirm_mfa(iam, ctx, &name, read_devices).await?;
                (active, UserSource::ListMfaDevices, devices)
            };
            let (password_enabled, console_source) = match &row {
                Some(row) if mfa_active && !every_console => {
                    (row.password_enabled, UserSource::CredentialReport)
                }
                _ => (
                    has_login_profile(iam, ctx, &name).await?,
                    UserSource::GetLoginProfile,
                ),
            };
            let in_report = row.is_some();
            let usage = row.as_ref().and_then(|r| r.usage.clone());
            Ok::<_, CollectError>(IamUser {
                name,
                arn,
                password_enabled,
                mfa_active,
                access_key_1_active: row.as_ref().is_some_and(|r| r.access_key_1_active),
                access_key_2_active: row.as_ref().is_some_and(|r| r.access_key_2_active),
                in_report,
                mfa_source,
                console_source,
                mfa_devices,
                usage,
            })
        }
    }))
    .buffered(PER_USER_CALLS_IN_FLIGHT)
    .try_collect()
    .await?;
    report.users = confirmed;
    Ok(report)
}

/// Every IAM user now: (name, ARN), in `ListUsers`' order.
async fn list_users(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
) -> Result<Vec<(String, String)>, CollectError> {
    const OPERATION: &str = "iam:ListUsers";
    paginate(ctx.list_call(OPERATION), |marker| async move {
        let page = ctx
            .call(Quota::Iam, OPERATION, || {
                iam.list_users()
                    .max_items(1000)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok(Page {
            items: page
                .users()
                .iter()
                .map(|u| (u.user_name().to_string(), u.arn().to_string()))
                .collect(),
            next: page.marker().map(str::to_string),
            truncated: Some(page.is_truncated()),
        })
    })
    .await
}

/// Whether the user has a console password now.
async fn has_login_profile(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    user: &str,
) -> Result<bool, CollectError> {
    const OPERATION: &str = "iam:GetLoginProfile";
    match ctx
        .call(Quota::Iam, OPERATION, || {
            iam.get_login_profile().user_name(user).send()
        })
        .await
    {
        Ok(_) => Ok(true),
        // NoSuchEntity: no login profile, no console password.
        Err(error) if error.class == ErrorClass::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// The device listing's error, for the users part too: without it nothing can be confirmed.
fn clone_error(error: &CollectError) -> CollectError {
    CollectError {
        account_id: error.account_id.clone(),
        region: error.region.clone(),
        operation: error.operation,
        class: error.class,
        aws_code: error.aws_code.clone(),
        message: format!(
            "{} (needed to confirm an older credential report)",
            error.message
        ),
        request_id: error.request_id.clone(),
        source: None,
    }
}

fn to_chrono(time: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.secs(), time.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_estimate_moves_halfway_up_to_a_late_report_and_never_down() {
        let estimate = GenerationEstimate::new();
        assert_eq!(estimate.get(), GENERATION_PRIOR);
        estimate.was_late(GENERATION_PRIOR + Duration::from_secs(4));
        assert_eq!(estimate.get(), GENERATION_PRIOR + Duration::from_secs(2));
        estimate.was_late(Duration::from_millis(10));
        assert_eq!(estimate.get(), GENERATION_PRIOR + Duration::from_secs(2));
    }
}

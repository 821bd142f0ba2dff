//! Each IAM user's enabled MFA devices (`iam:ListMFADevices`): what tells a virtual device from a
//! hardware token or a FIDO key. Read once per user with MFA (`[audit] mfa_devices`): where the
//! confirmation of an older credential report already lists a user's devices (`users.rs`), that
//! one read serves both, and the user is not asked about again.
//!
//! A user whose devices could not be read has that error as its devices (its facts error, not
//! the account's); a user without MFA has none, without a call.

use crate::call_context::{CallContext, Quota};
use crate::error::{CollectError, ErrorClass};
use crate::paginate::{paginate, Page};
use futures::stream::{self, StreamExt};
use mfa_evaluator::{DataError, IamUser, MfaDevice};

const OPERATION: &str = "iam:ListMFADevices";

/// Per-user calls in flight at once for one account (the account's IAM limiter paces them).
pub(crate) const PER_USER_CALLS_IN_FLIGHT: usize = 8;

/// A user's MFA devices as one read found them, for [`IamUser::mfa_devices`].
pub(crate) type DevicesRead = Option<Result<Vec<MfaDevice>, DataError>>;

/// Whether `user` has any MFA device enabled now, and, when `read_devices`, which (every page:
/// one call serves both questions). A user deleted since it was listed has no device.
pub(crate) async fn confirm_mfa(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    user: &str,
    read_devices: bool,
) -> Result<(bool, DevicesRead), CollectError> {
    if !read_devices {
        return has_mfa_device(iam, ctx, user).await.map(|has| (has, None));
    }
    match list_devices(iam, ctx, user).await {
        Ok(devices) => Ok((!devices.is_empty(), Some(Ok(devices)))),
        // Deleted between ListUsers and now: it has no device, and is gone by the next sweep.
        Err(error) if error.class == ErrorClass::NotFound => Ok((false, Some(Ok(Vec::new())))),
        Err(error) => Err(error),
    }
}

/// Whether the user has any MFA device enabled now (virtual, hardware or FIDO): one item asked.
async fn has_mfa_device(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    user: &str,
) -> Result<bool, CollectError> {
    let answer = ctx
        .call(Quota::Iam, OPERATION, || {
            iam.list_mfa_devices().user_name(user).max_items(1).send()
        })
        .await;
    match answer {
        Ok(page) => Ok(!page.mfa_devices().is_empty()),
        // Deleted between ListUsers and now: it has no device, and is gone by the next sweep.
        Err(error) if error.class == ErrorClass::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

/// Every MFA device enabled for `user` now, every page read.
async fn list_devices(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    user: &str,
) -> Result<Vec<MfaDevice>, CollectError> {
    paginate(ctx.list_call(OPERATION), |marker| async move {
        let page = ctx
            .call(Quota::Iam, OPERATION, || {
                iam.list_mfa_devices()
                    .user_name(user)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok(Page {
            items: page.mfa_devices.into_iter().map(device).collect(),
            next: page.marker,
            truncated: Some(page.is_truncated),
        })
    })
    .await
}

fn device(device: aws_sdk_iam::types::MfaDevice) -> MfaDevice {
    MfaDevice {
        enabled_at: chrono::DateTime::from_timestamp(
            device.enable_date.secs(),
            device.enable_date.subsec_nanos(),
        ),
        serial_number: device.serial_number,
    }
}

/// Fills every user's devices not read yet: none for a user without MFA, one
/// `ListMFADevices` read for each user with MFA, a few at a time.
pub(crate) async fn fill_devices(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
    users: &mut [IamUser],
) {
    for user in users.iter_mut().filter(|u| !u.mfa_active) {
        user.mfa_devices.get_or_insert_with(|| Ok(Vec::new()));
    }
    // Owned names: a stream over borrowed users would not be `Send` for every lifetime.
    let unread: Vec<(usize, String)> = users
        .iter()
        .enumerate()
        .filter(|(_, u)| u.mfa_devices.is_none())
        .map(|(index, user)| (index, user.name.clone()))
        .collect();
    let reads: Vec<(usize, DevicesRead)> =
        stream::iter(unread.into_iter().map(|(index, name)| async move {
            let read = list_devices(iam, ctx, &name)
                .await
                .map_err(|e| e.to_data_error());
            (index, Some(read))
        }))
        .buffered(PER_USER_CALLS_IN_FLIGHT)
        .collect()
        .await;
    for (index, read) in reads {
        users[index].mfa_devices = read;
    }
}

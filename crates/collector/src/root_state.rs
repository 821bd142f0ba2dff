//! An account's root user as IAM shows it: `GetAccountSummary` (MFA, password and access keys
//! of root), and the virtual MFA devices assigned now (root's and the users').

use crate::call_context::{CallContext, Quota};
use crate::error::CollectError;
use crate::paginate::{paginate, Page};
use aws_sdk_iam::types::{AssignmentStatusType, SummaryKeyType};
use chrono::Utc;
use mfa_evaluator::{AccountSummary, VirtualMfaDevice};

pub(crate) async fn account_summary(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
) -> Result<AccountSummary, CollectError> {
    const OPERATION: &str = "iam:GetAccountSummary";
    let response = ctx
        .call(Quota::Iam, OPERATION, || iam.get_account_summary().send())
        .await?;
    let map = response
        .summary_map()
        .ok_or_else(|| ctx.malformed(OPERATION, "no SummaryMap in the response"))?;
    let flag = |key: SummaryKeyType| -> Result<bool, String> {
        match map.get(&key) {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            Some(other) => Err(format!("{} is {other}, expected 0 or 1", key.as_str())),
            None => Err(format!("{} is missing", key.as_str())),
        }
    };
    let flags = (|| {
        Ok::<_, String>((
            flag(SummaryKeyType::AccountMfaEnabled)?,
            flag(SummaryKeyType::AccountPasswordPresent)?,
            flag(SummaryKeyType::AccountAccessKeysPresent)?,
        ))
    })();
    let (mfa, password, keys) = flags.map_err(|message| ctx.malformed(OPERATION, message))?;
    Ok(AccountSummary {
        account_mfa_enabled: mfa,
        account_password_present: password,
        account_access_keys_present: keys,
        read_at: Utc::now(),
    })
}

pub(crate) async fn assigned_virtual_devices(
    iam: &aws_sdk_iam::Client,
    ctx: CallContext<'_>,
) -> Result<Vec<VirtualMfaDevice>, CollectError> {
    const OPERATION: &str = "iam:ListVirtualMFADevices";
    paginate(ctx.list_call(OPERATION), |marker| async move {
        let page = ctx
            .call(Quota::Iam, OPERATION, || {
                iam.list_virtual_mfa_devices()
                    .assignment_status(AssignmentStatusType::Assigned)
                    .set_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok(Page {
            items: page
                .virtual_mfa_devices()
                .iter()
                .map(|device| VirtualMfaDevice {
                    serial_number: device.serial_number().to_string(),
                    user_arn: device.user().map(|u| u.arn().to_string()),
                })
                .collect(),
            next: page.marker().map(str::to_string),
            truncated: Some(page.is_truncated()),
        })
    })
    .await
}

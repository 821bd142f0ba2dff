//! The rules of the five controls.

use crate::controls::{ControlId, ResourceType, Status};
use crate::facts::Facts;
use crate::pool_facts::pool_facts;
use crate::resource_facts::FactSources;
use crate::snapshot::{
    AccountSnapshot, AccountSummary, CredentialReport, DataError, FirstFactor, MfaConfiguration,
    SignInPolicy, VirtualMfaDevice,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::HashMap;

/// The decision of one control for one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub control: ControlId,
    pub status: Status,
    /// Set exactly when `status` is `ERROR`.
    pub error: Option<DataError>,
    /// Every resource that was read and decided; may be non-empty for an `ERROR` control when
    /// part of the data was read (for example one region of several).
    pub resources: Vec<ResourceFinding>,
}

/// The decision for one resource under one control, and the evidence behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceFinding {
    pub resource_type: ResourceType,
    pub resource_id: String,
    /// `PASSED` or `FAILED`.
    pub status: Status,
    pub evidence: Value,
    /// The facts beyond the control (kinds of device, enforcement, stakes, priority); they never
    /// change `status`.
    #[serde(flatten)]
    pub facts: Facts,
}

/// Decides all five controls for one account, in [`ControlId::ALL`] order.
pub fn evaluate(snapshot: &AccountSnapshot) -> Vec<ControlResult> {
    let facts = FactSources::new(snapshot);
    vec![
        root_mfa(snapshot, &facts),
        root_hardware_mfa(snapshot, &facts),
        user_mfa(snapshot, &facts, ControlId::Iam5),
        user_mfa(snapshot, &facts, ControlId::Iam19),
        user_pool_mfa(snapshot),
    ]
}

fn errored(
    control: ControlId,
    error: &DataError,
    resources: Vec<ResourceFinding>,
) -> ControlResult {
    ControlResult {
        control,
        status: Status::Error,
        error: Some(error.clone()),
        resources,
    }
}

/// A control's status from its resources' statuses: `FAILED` when any failed, else `PASSED`
/// when any passed, else `NOT_APPLICABLE` (none, or none the control evaluates).
pub fn roll_up(statuses: impl IntoIterator<Item = Status>) -> Status {
    let mut status = Status::NotApplicable;
    for resource in statuses {
        match resource {
            Status::Failed => return Status::Failed,
            Status::Passed => status = Status::Passed,
            Status::NotApplicable | Status::Error => {}
        }
    }
    status
}

fn decided(control: ControlId, resources: Vec<ResourceFinding>) -> ControlResult {
    let status = roll_up(resources.iter().map(|r| r.status));
    ControlResult {
        control,
        status,
        error: None,
        resources,
    }
}

fn pass_if(ok: bool) -> Status {
    if ok {
        Status::Passed
    } else {
        Status::Failed
    }
}

/// The key of IAM.9's and IAM.6's evidence that says whether the root user has a password or
/// access keys: the report counts member accounts with root credentials by it.
pub const ROOT_CREDENTIALS_PRESENT: &str = "root_credentials_present";

fn root_credentials_present(summary: &AccountSummary) -> bool {
    summary.account_password_present || summary.account_access_keys_present
}

fn summary_evidence(summary: &AccountSummary) -> Value {
    json!({
        "source": "iam:GetAccountSummary",
        "read_at": summary.read_at,
        "AccountMFAEnabled": u8::from(summary.account_mfa_enabled),
        "AccountPasswordPresent": u8::from(summary.account_password_present),
        "AccountAccessKeysPresent": u8::from(summary.account_access_keys_present),
        (ROOT_CREDENTIALS_PRESENT): root_credentials_present(summary),
    })
}

/// IAM.9: root credentials absent, or some MFA device enabled on root.
fn root_mfa(snapshot: &AccountSnapshot, facts: &FactSources) -> ControlResult {
    let control = ControlId::Iam9;
    let summary = match &snapshot.root.summary {
        Ok(summary) => summary,
        Err(error) => return errored(control, error, Vec::new()),
    };
    let status = pass_if(!root_credentials_present(summary) || summary.account_mfa_enabled);
    decided(
        control,
        vec![ResourceFinding {
            resource_type: ResourceType::AwsAccount,
            resource_id: snapshot.root_arn(),
            status,
            evidence: summary_evidence(summary),
            facts: facts.root(summary, control, status),
        }],
    )
}

/// The virtual devices assigned to root: those whose `User.Arn` is exactly the root ARN. Never
/// decided from the device's name or the word "root" (both known false positives).
pub(crate) fn root_virtual_devices<'a>(
    devices: &'a [VirtualMfaDevice],
    root_arn: &str,
) -> Vec<&'a VirtualMfaDevice> {
    devices
        .iter()
        .filter(|d| d.user_arn.as_deref() == Some(root_arn))
        .collect()
}

/// IAM.6: root credentials absent, or root has MFA and no virtual device assigned to it.
fn root_hardware_mfa(snapshot: &AccountSnapshot, facts: &FactSources) -> ControlResult {
    let control = ControlId::Iam6;
    let summary = match &snapshot.root.summary {
        Ok(summary) => summary,
        Err(error) => return errored(control, error, Vec::new()),
    };
    let root_arn = snapshot.root_arn();
    let mut evidence = summary_evidence(summary);
    let status = if !root_credentials_present(summary) {
        Status::Passed
    } else {
        let devices = match &snapshot.root.assigned_virtual_devices {
            Ok(devices) => devices,
            Err(error) => return errored(control, error, Vec::new()),
        };
        let on_root = root_virtual_devices(devices, &root_arn);
        evidence["virtual_devices_assigned_to_root"] = json!(on_root
            .iter()
            .map(|d| d.serial_number.as_str())
            .collect::<Vec<_>>());
        evidence["virtual_devices_source"] = json!("iam:ListVirtualMFADevices");
        pass_if(summary.account_mfa_enabled && on_root.is_empty())
    };
    decided(
        control,
        vec![ResourceFinding {
            resource_type: ResourceType::AwsAccount,
            resource_id: root_arn,
            status,
            evidence,
            facts: facts.root(summary, control, status),
        }],
    )
}

/// IAM.5 (console users only) and IAM.19 (every user): FAILED for a user without an enabled
/// MFA device. A report that lists a user twice (broken or hostile) gives one finding for it,
/// FAILED if either row fails, its evidence from the row that decided.
fn user_mfa(snapshot: &AccountSnapshot, facts: &FactSources, control: ControlId) -> ControlResult {
    let report: &CredentialReport = match &snapshot.users {
        Ok(report) => report,
        Err(error) => return errored(control, error, Vec::new()),
    };
    let console_only = control == ControlId::Iam5;
    let mut resources: Vec<ResourceFinding> = Vec::new();
    let mut rows_of: HashMap<&str, (usize, u32)> = HashMap::new();
    for user in report
        .users
        .iter()
        .filter(|user| !console_only || user.password_enabled)
    {
        let status = pass_if(user.mfa_active);
        let finding = ResourceFinding {
            resource_type: ResourceType::AwsIamUser,
            resource_id: user.arn.clone(),
            status,
            evidence: json!({
                // What decided the verdict: the user's MFA.
                "source": user.mfa_source.to_string(),
                "console_source": user.console_source.to_string(),
                "report_generated_at": report.generated_at,
                "report_age_seconds": report
                    .generated_at
                    .map(|generated| (report.read_at - generated).num_seconds()),
                "report_freshness": report.freshness.to_string(),
                "in_report": user.in_report,
                "read_at": report.read_at,
                "user": user.name,
                "password_enabled": user.password_enabled,
                "mfa_active": user.mfa_active,
                "access_key_1_active": user.access_key_1_active,
                "access_key_2_active": user.access_key_2_active,
            }),
            facts: facts.user(user, report.read_at, status),
        };
        match rows_of.get_mut(user.arn.as_str()) {
            None => {
                rows_of.insert(&user.arn, (resources.len(), 1));
                resources.push(finding);
            }
            Some((index, rows)) => {
                *rows += 1;
                let kept = &mut resources[*index];
                if finding.status == Status::Failed {
                    *kept = finding;
                }
                kept.evidence["rows_in_report"] = json!(*rows);
            }
        }
    }
    decided(control, resources)
}

/// Cognito.5, as Security Hub evaluates it: only pools whose sign-in is password-only are in
/// scope (PASSED only for `MfaConfiguration = ON`); a pool that allows a passwordless first
/// factor is kept as NOT_APPLICABLE, its evidence saying why.
fn user_pool_mfa(snapshot: &AccountSnapshot) -> ControlResult {
    let control = ControlId::Cognito5;
    let mut resources = Vec::new();
    let regions = match &snapshot.user_pools {
        Ok(regions) => regions,
        Err(error) => return errored(control, error, Vec::new()),
    };
    let mut first_error: Option<&DataError> = None;
    for region in regions {
        let pools = match &region.pools {
            Ok(pools) => pools,
            Err(error) => {
                first_error.get_or_insert(error);
                continue;
            }
        };
        for pool in pools {
            let settings = match &pool.settings {
                Ok(settings) => settings,
                Err(error) => {
                    first_error.get_or_insert(error);
                    continue;
                }
            };
            let factors: Vec<&str> = settings
                .sign_in
                .factors()
                .into_iter()
                .map(<&str>::from)
                .collect();
            let mut evidence = json!({
                "source": "cognito-idp:DescribeUserPool",
                "read_at": pool.read_at,
                "region": region.region,
                "user_pool_id": pool.id,
                "user_pool_name": pool.name,
                "MfaConfiguration": settings.mfa_configuration.to_string(),
                "sign_in_factors": factors,
                "sign_in_policy": settings.sign_in != SignInPolicy::Absent,
            });
            let status = if settings.sign_in.is_password_only() {
                pass_if(settings.mfa_configuration == MfaConfiguration::On)
            } else {
                let password: &str = FirstFactor::Password.into();
                evidence["not_evaluated"] = json!(format!(
                    "the pool's sign-in allows a passwordless first factor ({}); Security Hub \
                     evaluates Cognito.5 only on pools whose sign-in is password-only",
                    factors
                        .iter()
                        .filter(|f| **f != password)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                Status::NotApplicable
            };
            resources.push(ResourceFinding {
                resource_type: ResourceType::AwsCognitoUserPool,
                resource_id: pool.arn.clone(),
                status,
                evidence,
                facts: pool_facts(pool, settings),
            });
        }
    }
    match first_error {
        // A control that could not be read whole is never PASSED or FAILED.
        Some(error) => errored(control, error, resources),
        None => decided(control, resources),
    }
}

#[cfg(test)]
mod tests;

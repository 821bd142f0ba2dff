//! Plain snapshot types: what the collector read from one account, with each part's own error.
//!
//! Each part is a `Result` so that one unreadable source (say, Cognito in one region) makes only
//! the controls that need it `ERROR`, while the others are still decided.

use crate::authorization::{
    AuthorizationDetails, CredentialUse, MfaDevice, SecondFactor, ServiceControlPolicy,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Why a piece of data could not be read: the operation, region and AWS error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataError {
    /// `service:Operation`, e.g. `iam:GetCredentialReport`.
    pub operation: String,
    pub region: String,
    /// The AWS error code (`AccessDenied`, `Throttling`, ...), or the project's own for local
    /// failures (`Timeout`, `MalformedResponse`).
    pub code: Option<String>,
    pub message: String,
    /// The AWS request id of the failed call, for a support case; `None` for local failures.
    #[serde(default)]
    pub request_id: Option<String>,
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.operation, self.region)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything the five controls need from one account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub account_id: String,
    /// `aws`, `aws-cn`, `aws-us-gov`: part of the root ARN.
    pub partition: String,
    pub root: RootSnapshot,
    /// IAM users with their console and MFA state.
    pub users: Result<CredentialReport, DataError>,
    /// One entry per region searched; `Err` when the regions to search could not be read (the
    /// account's enabled regions, with `[audit] regions = ["*"]`).
    pub user_pools: Result<Vec<RegionUserPools>, DataError>,
    /// The account's identity policies; `None` when not read (`[audit] policies = false`).
    pub authorization: Option<Result<AuthorizationDetails, DataError>>,
    /// The SCPs in force on the account (attached to it, to an OU above it or to the root;
    /// none for the management account, which SCPs never apply to); `None` when not read.
    pub scps_in_force: Option<Result<Vec<ServiceControlPolicy>, DataError>>,
}

impl AccountSnapshot {
    /// The regions whose user pools were searched; `None` when they could not be known.
    pub fn regions_searched(&self) -> Option<Vec<String>> {
        self.user_pools
            .as_ref()
            .ok()
            .map(|regions| regions.iter().map(|r| r.region.clone()).collect())
    }

    /// `arn:<partition>:iam::<account>:root`, the resource of the root controls.
    pub fn root_arn(&self) -> String {
        format!("arn:{}:iam::{}:root", self.partition, self.account_id)
    }
}

/// The root user's state, from two independent calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RootSnapshot {
    /// From `iam:GetAccountSummary`.
    pub summary: Result<AccountSummary, DataError>,
    /// From `iam:ListVirtualMFADevices` (AssignmentStatus `Assigned`): every assigned device.
    pub assigned_virtual_devices: Result<Vec<VirtualMfaDevice>, DataError>,
}

/// The root-related fields of `iam:GetAccountSummary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub account_mfa_enabled: bool,
    pub account_password_present: bool,
    pub account_access_keys_present: bool,
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VirtualMfaDevice {
    pub serial_number: String,
    /// The ARN of the principal the device is assigned to (an IAM user, or root).
    pub user_arn: Option<String>,
}

/// The IAM credential report, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReport {
    /// The report's `GeneratedTime`: IAM regenerates it at most every four hours.
    pub generated_at: Option<DateTime<Utc>>,
    pub read_at: DateTime<Utc>,
    /// Every IAM user (the `<root_account>` row is not a user and is not here).
    pub users: Vec<IamUser>,
    /// How far the report was trusted, and so which users were confirmed by per-user calls.
    pub freshness: ReportFreshness,
    /// The `<root_account>` row's credential use; `None` when the report had no such row.
    pub root_usage: Option<CredentialUse>,
}

/// How old the credential report was, as the collector judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum ReportFreshness {
    /// IAM generated it for this audit: the live state, trusted alone.
    GeneratedForThisAudit,
    /// IAM served a report it had made earlier (it keeps one for four hours): what can have
    /// changed since was confirmed live.
    Cached,
    /// Older than the configured maximum age: every user's console status was confirmed live
    /// too.
    TooOld,
}

/// Which call decided a part of a user's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
pub enum UserSource {
    #[serde(rename = "iam:GetCredentialReport")]
    #[strum(serialize = "iam:GetCredentialReport")]
    CredentialReport,
    #[serde(rename = "iam:ListVirtualMFADevices")]
    #[strum(serialize = "iam:ListVirtualMFADevices")]
    ListVirtualMfaDevices,
    #[serde(rename = "iam:ListMFADevices")]
    #[strum(serialize = "iam:ListMFADevices")]
    ListMfaDevices,
    #[serde(rename = "iam:GetLoginProfile")]
    #[strum(serialize = "iam:GetLoginProfile")]
    GetLoginProfile,
}

/// One IAM user row of the credential report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IamUser {
    pub name: String,
    /// The user's ARN, with its path.
    pub arn: String,
    /// Has a console password now (a login profile).
    pub password_enabled: bool,
    /// Has at least one enabled MFA device of any kind.
    pub mfa_active: bool,
    pub access_key_1_active: bool,
    pub access_key_2_active: bool,
    /// Whether the report has a row for the user (a user created since it was generated has
    /// none: its access keys were not read).
    pub in_report: bool,
    pub mfa_source: UserSource,
    pub console_source: UserSource,
    /// Its credential use from the report; `None` when the report has no row for it.
    pub usage: Option<CredentialUse>,
    /// Its enabled MFA devices (`iam:ListMFADevices`); `None` when not read
    /// (`[audit] mfa_devices = false`). Empty for a user without MFA.
    pub mfa_devices: Option<Result<Vec<MfaDevice>, DataError>>,
}

/// How `[audit] regions` asks for every region enabled in each account, and what a sweep
/// records for it in place of a list.
pub const ALL_ENABLED_REGIONS: &str = "*";

/// The user pools of one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionUserPools {
    pub region: String,
    pub pools: Result<Vec<UserPool>, DataError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPool {
    pub id: String,
    /// `None` when `DescribeUserPool` gave none: shown as absent, never as an empty name.
    pub name: Option<String>,
    pub arn: String,
    /// From `cognito-idp:DescribeUserPool`: its MFA setting and sign-in policy.
    pub settings: Result<PoolSettings, DataError>,
    pub read_at: DateTime<Utc>,
    /// The second factors it offers (`cognito-idp:GetUserPoolMfaConfig`), read for pools in
    /// Cognito.5's scope with MFA on or optional; `None` when not read.
    pub second_factors: Option<Result<Vec<SecondFactor>, DataError>>,
}

/// What decides a pool under Cognito.5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSettings {
    pub mfa_configuration: MfaConfiguration,
    pub sign_in: SignInPolicy,
}

/// The first factors a pool lets its users sign in with
/// (`Policies.SignInPolicy.AllowedFirstAuthFactors`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignInPolicy {
    /// No sign-in policy: a pool made before choice-based sign-in, whose only first factor is
    /// the password.
    Absent,
    /// The factors listed, in the pool's order (never empty: the collector refuses that).
    Allowed(Vec<FirstFactor>),
}

impl SignInPolicy {
    /// The first factors in force: the password alone when the pool has no policy.
    pub fn factors(&self) -> Vec<FirstFactor> {
        match self {
            SignInPolicy::Absent => vec![FirstFactor::Password],
            SignInPolicy::Allowed(factors) => factors.clone(),
        }
    }

    /// Whether the password is the only way to sign in: what Security Hub evaluates Cognito.5
    /// on.
    pub fn is_password_only(&self) -> bool {
        self.factors().iter().all(|f| *f == FirstFactor::Password)
    }
}

/// A first factor of a user pool's sign-in (`AuthFactorType`); its string is AWS's spelling.
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FirstFactor {
    Password,
    EmailOtp,
    SmsOtp,
    /// A passkey.
    WebAuthn,
}

/// A user pool's `MfaConfiguration`; its string is AWS's spelling.
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MfaConfiguration {
    On,
    Optional,
    Off,
}

/// Whether the organization manages its member accounts' root users centrally (IAM
/// `ListOrganizationsFeatures`, read in the management account). With
/// `RootCredentialsManagement` the member accounts' root credentials can be deleted, which
/// passes IAM.9 and IAM.6 for good (CIS AWS Foundations Benchmark v7.0 2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CentralizedRootAccess {
    /// Trusted access for IAM in AWS Organizations; without it neither feature can be on.
    pub trusted_access: bool,
    pub root_credentials_management: bool,
    pub root_sessions: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn report_freshness_strings_are_the_evidences() {
        assert_wire_names::<ReportFreshness>(&["generated_for_this_audit", "cached", "too_old"]);
        assert_serde_agrees::<ReportFreshness>();
    }

    #[test]
    fn user_sources_are_the_iam_operations() {
        assert_wire_names::<UserSource>(&[
            "iam:GetCredentialReport",
            "iam:ListVirtualMFADevices",
            "iam:ListMFADevices",
            "iam:GetLoginProfile",
        ]);
        assert_serde_agrees::<UserSource>();
    }

    #[test]
    fn first_factors_are_spelled_as_aws_does() {
        assert_wire_names::<FirstFactor>(&["PASSWORD", "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN"]);
        assert_serde_agrees::<FirstFactor>();
    }

    #[test]
    fn mfa_configurations_are_spelled_as_aws_does() {
        assert_wire_names::<MfaConfiguration>(&["ON", "OPTIONAL", "OFF"]);
    }
}

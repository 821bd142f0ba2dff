//! What the collector reads for the facts beyond the five controls, as plain data: each IAM
//! user's MFA devices and credential use, the account's identity policies
//! (`iam:GetAccountAuthorizationDetails`) and the SCPs in force on it. Policy documents are
//! carried as the JSON text AWS wrote (URL-decoded by the collector); the evaluator reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// One enabled MFA device of an IAM user (`iam:ListMFADevices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDevice {
    /// A virtual or FIDO device's ARN, or a hardware token's serial (`GAHT12345678`).
    pub serial_number: String,
    pub enabled_at: Option<DateTime<Utc>>,
}

/// What an identity can sign in with and when it last did, from the credential report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialUse {
    /// `password_last_used`; `None` when never used (`no_information`, `N/A`).
    pub password_last_used: Option<DateTime<Utc>>,
    /// The identity's active access keys (key 1, then key 2), each with its last use.
    pub active_access_keys: Vec<AccessKeyUse>,
}

/// One active access key's last use (`access_key_N_last_used_date`, `..._service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyUse {
    pub last_used_date: Option<DateTime<Utc>>,
    pub last_used_service: Option<String>,
}

/// The account's identity policies, from one paginated `iam:GetAccountAuthorizationDetails`
/// (filters `User`, `Group`, `LocalManagedPolicy`, `AWSManagedPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AuthorizationDetails {
    pub users: Vec<UserPolicies>,
    pub groups: Vec<GroupPolicies>,
    /// Every managed policy the answer listed, with its default version's document.
    pub managed_policies: Vec<ManagedPolicy>,
    /// How many pages the answer took (for the cost measured in the benchmarks).
    pub pages: u32,
}

/// A user's own policies and its groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPolicies {
    pub name: String,
    pub arn: String,
    /// The names of the groups the user is in.
    pub groups: Vec<String>,
    pub inline_policies: Vec<InlinePolicy>,
    /// The ARNs of the managed policies attached to the user.
    pub attached_managed_policies: Vec<String>,
    /// The ARN of the user's permissions boundary, if it has one: the recogniser does not read
    /// it, and says so.
    pub permissions_boundary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPolicies {
    pub name: String,
    pub arn: String,
    pub inline_policies: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<String>,
}

/// An inline policy: its name and its document's JSON text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlinePolicy {
    pub name: String,
    pub document: String,
}

/// A managed policy and the JSON text of its default version (the only one in force).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub default_version_id: String,
    pub document: String,
}

/// A service control policy (`organizations:DescribePolicy`): its id and the JSON text of its
/// content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceControlPolicy {
    pub id: String,
    pub name: String,
    pub document: String,
}

/// A second factor a user pool offers (`cognito-idp:GetUserPoolMfaConfig`); its string is the
/// one the JSON report's `second_factors` uses.
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SecondFactor {
    Sms,
    SoftwareToken,
    Email,
    /// A passkey with user verification, offered as a second factor
    /// (`WebAuthnConfiguration.FactorConfiguration = MULTI_FACTOR_WITH_USER_VERIFICATION`).
    WebAuthn,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn second_factors_are_spelled_as_the_report_does() {
        assert_wire_names::<SecondFactor>(&["SMS", "SOFTWARE_TOKEN", "EMAIL", "WEB_AUTHN"]);
        assert_serde_agrees::<SecondFactor>();
    }
}

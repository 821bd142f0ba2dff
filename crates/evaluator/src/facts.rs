//! The facts beyond the five controls (see `docs/controls.md`, "Beyond the five controls"): the
//! kinds of each second factor, whether MFA is enforced by policy, what is at stake for an
//! identity, and the priority of a failing finding. They ride along on a control's resources and
//! never change its verdict. A fact that was not read is absent (`None`), never guessed.

use crate::authorization::SecondFactor;
use crate::snapshot::FirstFactor;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// What a resource's facts say, as the JSON report carries them beside its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facts {
    /// The enabled MFA devices and the kind of each (IAM users and root).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_devices: Option<Vec<MfaDeviceFact>>,
    /// Why the devices could not be told (a failed read, a serial of a shape this version does
    /// not know): then `mfa_devices` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_devices_error: Option<String>,
    /// At least one enabled `fido` device; absent when it cannot be known (root with a device
    /// that is not virtual, devices not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phishing_resistant: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_enforcement: Option<Enforcement>,
    /// Why the identity policies could not be read (`iam:GetAccountAuthorizationDetails`
    /// refused, say, by an audit role from before this version): then `mfa_enforcement`,
    /// `admin_equivalent` and what depends on them are absent, and this says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stakes: Option<Stakes>,
    /// On FAILED IAM.9, IAM.5 and IAM.19 resources only; absent there too when the rules
    /// cannot decide it (a user with a credential whose policies or keys were not read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// Cognito.5 pools: the first factors of the pool's sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in_factors: Option<Vec<FirstFactor>>,
    /// Cognito.5 pools in scope with MFA on or optional: the second factors offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factors: Option<Vec<SecondFactor>>,
    /// Why `second_factors` could not be read (`cognito-idp:GetUserPoolMfaConfig` failed): then
    /// `second_factors` and `weak_mfa` are absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factors_error: Option<String>,
    /// MFA `ON` with `SMS` the only second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weak_mfa: Option<bool>,
}

impl Facts {
    /// Whether no fact was read.
    pub fn is_empty(&self) -> bool {
        *self == Facts::default()
    }
}

/// The kind of an MFA device, read from its serial number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum MfaKind {
    /// An authenticator app (`arn:…:mfa/…`).
    Virtual,
    /// A hardware TOTP token (a serial that is no ARN).
    HardwareTotp,
    /// A FIDO security key or a passkey (`arn:…:u2f/…`): IAM shows both the same way.
    Fido,
    /// SMS (`arn:…:sms-mfa/…`), deprecated by AWS.
    Sms,
    /// Root with MFA and no virtual device assigned: a role cannot list root's other devices.
    HardwareOrFido,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDeviceFact {
    pub kind: MfaKind,
    /// The device's serial (an ARN, or a hardware token's serial); `null` for root's
    /// `hardware_or_fido`, whose serial a role in the account cannot read.
    pub serial: Option<String>,
    pub enabled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum EnforcementState {
    Enforced,
    NotEnforced,
    /// Something that may decide it was seen and not read (a condition it does not know, a
    /// permissions boundary, a policy that is not JSON): said, never guessed.
    NotRecognised,
}

/// Whether an identity policy that applies to the user denies it everything without MFA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enforcement {
    pub state: EnforcementState,
    /// The policies that enforce it (a managed policy's ARN, or `<user or group ARN>` then
    /// `:inline/<name>` for an inline one).
    pub by: Vec<String>,
    /// With `not_recognised`: what was seen and not read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unrecognised: Vec<String>,
}

/// What an identity without MFA puts at stake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stakes {
    /// Absent when its policies were not read (`[audit] policies = false`, or the call
    /// failed), or when no policy grants it and one could not be read (`admin_unrecognised`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_equivalent: Option<bool>,
    /// The policies that make it admin-equivalent (empty for root, which needs none, and for a
    /// user none makes admin). Absent when its policies were not read, as `admin_equivalent`
    /// is: an empty list would say that none grants it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_via: Option<Vec<String>>,
    /// When `admin_equivalent` is absent though the policies were read: what could not be
    /// read (a document that is not a policy, a policy or group the answer did not carry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_unrecognised: Vec<String>,
    pub console_password: bool,
    pub password_last_used: Option<DateTime<Utc>>,
    /// Its active access keys; absent when they could not be read (a user created after the
    /// credential report was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_keys: Option<Vec<AccessKeyStake>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyStake {
    pub active: bool,
    pub last_used_date: Option<DateTime<Utc>>,
    pub last_used_service: Option<String>,
}

/// What to fix first, by the rule of `docs/controls.md`; ordered most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Priority {
    Critical,
    High,
    Medium,
    Low,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn the_strings_are_the_interfaces() {
        assert_wire_names::<MfaKind>(&[
            "virtual",
            "hardware_totp",
            "fido",
            "sms",
            "hardware_or_fido",
        ]);
        assert_serde_agrees::<MfaKind>();
        assert_wire_names::<EnforcementState>(&["enforced", "not_enforced", "not_recognised"]);
        assert_serde_agrees::<EnforcementState>();
        assert_wire_names::<Priority>(&["critical", "high", "medium", "low"]);
        assert_serde_agrees::<Priority>();
    }

    #[test]
    fn priorities_order_most_urgent_first() {
        assert!(Priority::Critical < Priority::High);
        assert!(Priority::High < Priority::Medium);
        assert!(Priority::Medium < Priority::Low);
    }

    #[test]
    fn facts_not_read_are_absent_from_the_json() {
        assert_eq!(
            serde_json::to_value(Facts::default()).ok(),
            Some(serde_json::json!({}))
        );
    }
}

//! The control catalogue: identifiers, titles, severities and remediation text.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the five Security Hub controls this project decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ControlId {
    #[serde(rename = "IAM.9")]
    Iam9,
    #[serde(rename = "IAM.6")]
    Iam6,
    #[serde(rename = "IAM.5")]
    Iam5,
    #[serde(rename = "IAM.19")]
    Iam19,
    #[serde(rename = "Cognito.5")]
    Cognito5,
}

impl ControlId {
    /// Every control, in the order reports list them.
    pub const ALL: [ControlId; 5] = [
        ControlId::Iam9,
        ControlId::Iam6,
        ControlId::Iam5,
        ControlId::Iam19,
        ControlId::Cognito5,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ControlId::Iam9 => "IAM.9",
            ControlId::Iam6 => "IAM.6",
            ControlId::Iam5 => "IAM.5",
            ControlId::Iam19 => "IAM.19",
            ControlId::Cognito5 => "Cognito.5",
        }
    }

    /// Security Hub's title for the control.
    pub fn title(self) -> &'static str {
        match self {
            ControlId::Iam9 => "MFA should be enabled for the root user",
            ControlId::Iam6 => "Hardware MFA should be enabled for the root user",
            ControlId::Iam5 => {
                "MFA should be enabled for all IAM users that have a console password"
            }
            ControlId::Iam19 => "MFA should be enabled for all IAM users",
            ControlId::Cognito5 => "MFA should be enabled for Cognito user pools",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            ControlId::Iam9 | ControlId::Iam6 => Severity::Critical,
            ControlId::Iam5 | ControlId::Iam19 | ControlId::Cognito5 => Severity::Medium,
        }
    }

    /// The AWS Config rule behind the control.
    pub fn config_rule(self) -> &'static str {
        match self {
            ControlId::Iam9 => "root-account-mfa-enabled",
            ControlId::Iam6 => "root-account-hardware-mfa-enabled",
            ControlId::Iam5 => "mfa-enabled-for-iam-console-access",
            ControlId::Iam19 => "iam-user-mfa-enabled",
            ControlId::Cognito5 => "cognito-user-pool-mfa-enabled",
        }
    }

    pub fn remediation(self) -> &'static str {
        match self {
            ControlId::Iam9 => {
                "For a member account: enable centralized root access (IAM root access \
                 management in the management account), then delete the member account's root \
                 credentials; that passes this control and IAM.6 for good. Otherwise, and for \
                 the management account, sign in as the root user and assign an MFA device \
                 (there is no API to enrol root MFA). Keep it: \
                 deploy/remediation/protect-mfa-scp.json denies deactivating MFA devices \
                 outside a break-glass role."
            }
            ControlId::Iam6 => {
                "For a member account: enable centralized root access (IAM root access \
                 management in the management account), then delete the member account's root \
                 credentials; that passes this control and IAM.9 for good. Otherwise, and for \
                 the management account, sign in as the root user, assign a hardware TOTP token \
                 or FIDO security key, and remove any virtual MFA device from root. Keep it: \
                 deploy/remediation/protect-mfa-scp.json."
            }
            ControlId::Iam5 => {
                "Enrol an MFA device for each console user. Enforce it: attach \
                 deploy/remediation/require-mfa-policy.json (it denies everything but MFA \
                 self-service unless aws:MultiFactorAuthPresent) to the human users' group \
                 (deploy/remediation/terraform/require-mfa-group.tf), and fail Terraform plans \
                 that create a login profile without it \
                 (deploy/remediation/policy/login_profile_requires_mfa.rego, for Conftest)."
            }
            ControlId::Iam19 => {
                "Enrol an MFA device for human users, and enforce it with \
                 deploy/remediation/require-mfa-policy.json on their group \
                 (deploy/remediation/terraform/require-mfa-group.tf). For programmatic users, \
                 replace the user's long-lived access keys with an IAM role (the user then leaves \
                 scope) or delete the user."
            }
            ControlId::Cognito5 => {
                "Let existing users enrol, then require MFA: `aws cognito-idp \
                 set-user-pool-mfa-config --user-pool-id <id> --mfa-configuration ON \
                 --software-token-mfa-configuration Enabled=true`, or in Terraform \
                 deploy/remediation/terraform/cognito-user-pool-mfa.tf."
            }
        }
    }

    /// The control's page in AWS's Security Hub control reference.
    pub fn reference_url(self) -> &'static str {
        match self {
            ControlId::Iam9 => {
                "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-9"
            }
            ControlId::Iam6 => {
                "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-6"
            }
            ControlId::Iam5 => {
                "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-5"
            }
            ControlId::Iam19 => {
                "https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-19"
            }
            ControlId::Cognito5 => {
                "https://docs.aws.amazon.com/securityhub/latest/userguide/cognito-controls.html#cognito-5"
            }
        }
    }

    pub fn resource_type(self) -> ResourceType {
        match self {
            ControlId::Iam9 | ControlId::Iam6 => ResourceType::AwsAccount,
            ControlId::Iam5 | ControlId::Iam19 => ResourceType::AwsIamUser,
            ControlId::Cognito5 => ResourceType::AwsCognitoUserPool,
        }
    }
}

impl fmt::Display for ControlId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ControlId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ControlId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("unknown control {s:?}"))
    }
}

/// The outcome of a control, or of one resource under a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Passed,
    Failed,
    NotApplicable,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "PASSED",
            Status::Failed => "FAILED",
            Status::NotApplicable => "NOT_APPLICABLE",
            Status::Error => "ERROR",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Status::Passed,
            Status::Failed,
            Status::NotApplicable,
            Status::Error,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown status {s:?}"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Critical,
    Medium,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "CRITICAL",
            Severity::Medium => "MEDIUM",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Severity::Critical, Severity::Medium]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown severity {s:?}"))
    }
}

/// Security Hub's resource types (ASFF names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResourceType {
    AwsAccount,
    AwsIamUser,
    AwsCognitoUserPool,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::AwsAccount => "AwsAccount",
            ResourceType::AwsIamUser => "AwsIamUser",
            ResourceType::AwsCognitoUserPool => "AwsCognitoUserPool",
        }
    }
}

impl FromStr for ResourceType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            ResourceType::AwsAccount,
            ResourceType::AwsIamUser,
            ResourceType::AwsCognitoUserPool,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown resource type {s:?}"))
    }
}

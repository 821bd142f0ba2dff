//! The control catalogue (identifiers, titles, severities, remediation text), and the words
//! of a verdict: a resource's `Status` and Security Hub's `ResourceType`.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// One of the five Security Hub controls this project decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
pub enum ControlId {
    #[serde(rename = "IAM.9")]
    #[strum(serialize = "IAM.9")]
    Iam9,
    #[serde(rename = "IAM.6")]
    #[strum(serialize = "IAM.6")]
    Iam6,
    #[serde(rename = "IAM.5")]
    #[strum(serialize = "IAM.5")]
    Iam5,
    #[serde(rename = "IAM.19")]
    #[strum(serialize = "IAM.19")]
    Iam19,
    #[serde(rename = "Cognito.5")]
    #[strum(serialize = "Cognito.5")]
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

    /// Security Hub's id: what the database, the reports and the exceptions file say.
    pub fn as_str(self) -> &'static str {
        self.into()
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

/// The outcome of a control, or of one resource under a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Passed,
    Failed,
    NotApplicable,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Critical,
    Medium,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Security Hub's resource types (ASFF names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
pub enum ResourceType {
    AwsAccount,
    AwsIamUser,
    AwsCognitoUserPool,
}

impl ResourceType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_names::{assert_serde_agrees, assert_wire_names};

    #[test]
    fn control_ids_are_security_hubs() {
        assert_wire_names::<ControlId>(&["IAM.9", "IAM.6", "IAM.5", "IAM.19", "Cognito.5"]);
        assert_serde_agrees::<ControlId>();
    }

    #[test]
    fn statuses_are_asffs() {
        assert_wire_names::<Status>(&["PASSED", "FAILED", "NOT_APPLICABLE", "ERROR"]);
        assert_serde_agrees::<Status>();
    }

    #[test]
    fn severities_are_asffs() {
        assert_wire_names::<Severity>(&["CRITICAL", "MEDIUM"]);
        assert_serde_agrees::<Severity>();
    }

    #[test]
    fn resource_types_are_asffs() {
        assert_wire_names::<ResourceType>(&["AwsAccount", "AwsIamUser", "AwsCognitoUserPool"]);
        assert_serde_agrees::<ResourceType>();
    }

    #[test]
    fn every_control_is_listed_in_report_order() {
        use strum::IntoEnumIterator;
        assert_eq!(ControlId::iter().collect::<Vec<_>>(), ControlId::ALL);
    }
}

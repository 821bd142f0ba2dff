//! Centralized root access: whether the organization manages its member accounts' root users
//! from the management account (IAM `ListOrganizationsFeatures`). Read once per sweep, with the
//! caller's own credentials (the management account, or IAM's delegated administrator).

use crate::caller::{Caller, Target};
use crate::error::CollectError;
use crate::guard::ReadOnlyGuard;
use crate::limits::QuotaKey;
use aws_sdk_iam::Client;
use mfa_evaluator::CentralizedRootAccess;

const OPERATION: &str = "iam:ListOrganizationsFeatures";
/// The caller's own account, in errors and limiter keys.
const CALLER: &str = "(caller)";

/// What IAM answers when trusted access for IAM is not enabled in Organizations: then no
/// feature is on, and that is an answer, not an error.
const NOT_ENABLED: &str = "ServiceAccessNotEnabledException";

#[derive(Debug)]
pub struct RootAccessReader {
    client: Client,
    caller: Caller,
    region: String,
}

impl RootAccessReader {
    pub fn new(sdk: &aws_config::SdkConfig, caller: Caller) -> RootAccessReader {
        RootAccessReader {
            client: Client::from_conf(
                aws_sdk_iam::config::Builder::from(sdk)
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            caller,
            region: crate::aws::home_region(sdk),
        }
    }

    pub async fn read(&self) -> Result<CentralizedRootAccess, CollectError> {
        let answer = self
            .caller
            .call(
                Target {
                    quota: QuotaKey::Iam { account: CALLER },
                    account_id: CALLER,
                    region: &self.region,
                    operation: OPERATION,
                    deadline: None,
                },
                || self.client.list_organizations_features().send(),
            )
            .await;
        match answer {
            Ok(output) => {
                let features = output.enabled_features();
                let has = |name: &str| features.iter().any(|f| f.as_str() == name);
                Ok(CentralizedRootAccess {
                    trusted_access: true,
                    root_credentials_management: has("RootCredentialsManagement"),
                    root_sessions: has("RootSessions"),
                })
            }
            Err(error) if error.aws_code.as_deref() == Some(NOT_ENABLED) => {
                Ok(CentralizedRootAccess {
                    trusted_access: false,
                    root_credentials_management: false,
                    root_sessions: false,
                })
            }
            Err(error) => Err(error),
        }
    }
}

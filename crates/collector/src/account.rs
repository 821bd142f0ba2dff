//! Collects one member account: assumes the audit role, then reads root state, IAM users and
//! Cognito user pools, each part concurrently and each with its own error.

use crate::authorization::authorization_details;
use crate::call_context::CallContext;
use crate::caller::{Caller, Target};
use crate::cognito::user_pools_in_region;
use crate::error::CollectError;
use crate::guard::ReadOnlyGuard;
use crate::limits::QuotaKey;
use crate::mfa_devices::fill_devices;
use crate::partitions::partition_of_arn;
use crate::regions::{enabled_regions, not_enabled_said, RegionScope};
use crate::root_state::{account_summary, assigned_virtual_devices};
use crate::session::Session;
use crate::users::{credential_report, live_users, GenerationEstimate, ReportSettings};
use aws_credential_types::Credentials;
use mfa_evaluator::{
    AccountSnapshot, CredentialReport, DataError, RegionUserPools, RootSnapshot, VirtualMfaDevice,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The role assumed in every member account. The ExternalId is a secret: it is never logged,
/// stored or shown in an error.
#[derive(Debug, Clone)]
pub struct AuditRole {
    pub name: String,
    pub external_id: Option<SecretString>,
    pub session_name: String,
    /// How long each account's session lasts (AssumeRole's `DurationSeconds`); the
    /// configuration keeps an account's deadline below it.
    pub session_duration: Duration,
}

/// The reads beyond the five controls, each costing calls of its own: the users' MFA devices
/// (`[audit] mfa_devices`: `ListMFADevices` per user with MFA, and each in-scope user pool's
/// second factors) and the identity policies (`[audit] policies`:
/// `GetAccountAuthorizationDetails`, and the organization's SCPs once per sweep). What is not
/// read is `None` in the snapshot, never guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditReads {
    pub mfa_devices: bool,
    pub policies: bool,
}

impl AuditReads {
    /// Every read: the configuration's default.
    pub const ALL: AuditReads = AuditReads {
        mfa_devices: true,
        policies: true,
    };
    /// The five controls alone.
    pub const NONE: AuditReads = AuditReads {
        mfa_devices: false,
        policies: false,
    };
}

/// Collects accounts; cheap to clone and share across workers.
#[derive(Debug, Clone)]
pub struct AccountCollector {
    sdk: aws_config::SdkConfig,
    sts: aws_sdk_sts::Client,
    caller: Caller,
    role: AuditRole,
    /// Where IAM and STS are called.
    home_region: String,
    /// The organization's partition, which the role ARNs are built in.
    partition: String,
    /// Where user pools are searched.
    regions: RegionScope,
    /// How long the credential report may take to be ready, and how old it may be.
    report: ReportSettings,
    /// How long IAM takes to make a report, learned by the sweep's accounts together.
    generation: Arc<GenerationEstimate>,
    /// What is read beyond the five controls.
    reads: AuditReads,
}

impl AccountCollector {
    /// `partition` is the organization's ([`crate::Organization::partition`]).
    pub fn new(
        sdk: &aws_config::SdkConfig,
        caller: Caller,
        role: AuditRole,
        partition: String,
        regions: RegionScope,
        report: ReportSettings,
        reads: AuditReads,
    ) -> AccountCollector {
        AccountCollector {
            sts: aws_sdk_sts::Client::from_conf(
                aws_sdk_sts::config::Builder::from(sdk)
                    .interceptor(ReadOnlyGuard)
                    .build(),
            ),
            home_region: crate::aws::home_region(sdk),
            sdk: sdk.clone(),
            caller,
            role,
            partition,
            regions,
            report,
            generation: Arc::new(GenerationEstimate::new()),
            reads,
        }
    }

    pub fn regions(&self) -> &RegionScope {
        &self.regions
    }

    /// Where IAM and STS are called: the region an error of the whole account is named in.
    pub fn home_region(&self) -> &str {
        &self.home_region
    }

    /// Assumes the audit role and reads everything. `Err` only when the account could not be
    /// entered at all; failures past that point are recorded in the snapshot, per part.
    /// Throttled calls are retried until `deadline`, the account's.
    pub async fn collect(
        &self,
        account_id: &str,
        deadline: Instant,
    ) -> Result<AccountSnapshot, CollectError> {
        let (first, partition) = self.assume_role(account_id, deadline).await?;
        let renew_with = (self.clone(), account_id.to_string());
        let credentials = Session::new(
            first,
            Box::new(move || {
                let (collector, account_id) = renew_with.clone();
                Box::pin(async move {
                    collector
                        .assume_role(&account_id, deadline)
                        .await
                        .map(|(credentials, _)| credentials)
                })
            }),
        );
        let iam_config = aws_sdk_iam::config::Builder::from(&self.sdk)
            .credentials_provider(credentials.clone())
            .identity_cache(session_cache())
            .interceptor(ReadOnlyGuard)
            .build();
        let iam = aws_sdk_iam::Client::from_conf(iam_config);
        let ctx = CallContext::new(account_id, &self.home_region, &self.caller, deadline);
        let pools = self.user_pools(ctx, &partition, credentials.clone());
        let policies = async {
            match self.reads.policies {
                true => Some(authorization_details(&iam, ctx).await),
                false => None,
            }
        };
        let (summary, devices, report, user_pools, authorization) = tokio::join!(
            account_summary(&iam, ctx),
            assigned_virtual_devices(&iam, ctx),
            credential_report(&iam, ctx, self.report, &self.generation),
            pools,
            policies,
        );
        let users = self.users(&iam, ctx, report, &devices).await;
        Ok(AccountSnapshot {
            account_id: account_id.to_string(),
            partition,
            root: RootSnapshot {
                summary: summary.map_err(|e| e.to_data_error()),
                assigned_virtual_devices: devices.map_err(|e| e.to_data_error()),
            },
            users: users.map_err(|e| e.to_data_error()),
            user_pools,
            authorization: authorization.map(|read| read.map_err(|e| e.to_data_error())),
            // The organization's, placed on the account by the sweep (`OrganizationScps`).
            scps_in_force: None,
        })
    }

    /// The users as they are now, each with its MFA devices when `[audit] mfa_devices` asks.
    async fn users(
        &self,
        iam: &aws_sdk_iam::Client,
        ctx: CallContext<'_>,
        report: Result<CredentialReport, CollectError>,
        devices: &Result<Vec<VirtualMfaDevice>, CollectError>,
    ) -> Result<CredentialReport, CollectError> {
        let read_devices = self.reads.mfa_devices;
        let mut report = live_users(iam, ctx, report?, devices, read_devices).await?;
        if read_devices {
            fill_devices(iam, ctx, &mut report.users).await;
        }
        Ok(report)
    }

    /// The session's credentials, and its partition as the session's own ARN gives it: the
    /// partition the account's root and resource ARNs are written in.
    async fn assume_role(
        &self,
        account_id: &str,
        deadline: Instant,
    ) -> Result<(Credentials, String), CollectError> {
        const OPERATION: &str = "sts:AssumeRole";
        let role_arn = format!(
            "arn:{}:iam::{account_id}:role/{}",
            self.partition, self.role.name
        );
        // Within AssumeRole's bounds whatever the configuration says; it checks them too.
        let duration_seconds = self.role.session_duration.as_secs().clamp(900, 43_200) as i32;
        let response = self
            .caller
            .call(
                Target {
                    quota: QuotaKey::Sts,
                    account_id,
                    region: &self.home_region,
                    operation: OPERATION,
                    deadline: Some(deadline),
                },
                || {
                    self.sts
                        .assume_role()
                        .role_arn(&role_arn)
                        .role_session_name(&self.role.session_name)
                        .set_external_id(
                            self.role
                                .external_id
                                .as_ref()
                                .map(|id| id.expose_secret().to_string()),
                        )
                        .duration_seconds(duration_seconds)
                        .send()
                },
            )
            .await?;
        let credentials = response.credentials().ok_or_else(|| {
            CollectError::malformed(
                account_id,
                &self.home_region,
                OPERATION,
                "no credentials in the response",
            )
        })?;
        let session_arn = response
            .assumed_role_user()
            .map(|user| user.arn())
            .ok_or_else(|| {
                CollectError::malformed(
                    account_id,
                    &self.home_region,
                    OPERATION,
                    "no AssumedRoleUser in the response",
                )
            })?;
        let partition = partition_of_arn(session_arn).ok_or_else(|| {
            CollectError::malformed(
                account_id,
                &self.home_region,
                OPERATION,
                format!("the session's AssumedRoleUser.Arn {session_arn:?} names no partition"),
            )
        })?;
        let expiry = std::time::SystemTime::try_from(*credentials.expiration()).ok();
        Ok((
            Credentials::new(
                credentials.access_key_id(),
                credentials.secret_access_key(),
                Some(credentials.session_token().to_string()),
                expiry,
                "mfa-auditor-assume-role",
            ),
            partition.to_string(),
        ))
    }

    /// The user pools of every region searched in the account; `Err` when the account's
    /// enabled regions could not be read (then no region can be said to have been searched).
    async fn user_pools(
        &self,
        ctx: CallContext<'_>,
        partition: &str,
        credentials: Session,
    ) -> Result<Vec<RegionUserPools>, DataError> {
        let regions: Vec<String> = match &self.regions {
            RegionScope::Listed(regions) => regions.iter().map(ToString::to_string).collect(),
            RegionScope::Enabled => {
                let config = aws_sdk_account::config::Builder::from(&self.sdk)
                    .credentials_provider(credentials.clone())
                    .identity_cache(session_cache())
                    .interceptor(ReadOnlyGuard)
                    .build();
                let client = aws_sdk_account::Client::from_conf(config);
                enabled_regions(&client, ctx)
                    .await
                    .map_err(|e| e.to_data_error())?
            }
        };
        // One client for every region: each call names its region (`cognito.rs`).
        let config = aws_sdk_cognitoidentityprovider::config::Builder::from(&self.sdk)
            .credentials_provider(credentials)
            .identity_cache(session_cache())
            .interceptor(ReadOnlyGuard)
            .build();
        let client = aws_sdk_cognitoidentityprovider::Client::from_conf(config);
        let client = &client;
        Ok(
            futures::future::join_all(regions.iter().map(|region| async move {
                let ctx = ctx.in_region(region);
                RegionUserPools {
                    region: region.clone(),
                    pools: user_pools_in_region(client, ctx, partition, self.reads.mfa_devices)
                        .await
                        .map_err(|e| not_enabled_said(&self.regions, e).to_data_error()),
                }
            }))
            .await,
        )
    }
}

/// The SDK's cache of an account's session, with room for the session to be assumed again
/// (through the STS limiter and a place among the requests) when it nears its end.
fn session_cache() -> aws_sdk_iam::config::SharedIdentityCache {
    aws_sdk_iam::config::IdentityCache::lazy()
        .load_timeout(Duration::from_secs(60))
        .build()
}

//! Reads an AWS Organization and each member account's MFA state into plain snapshot types.
//!
//! This is the only crate that names `aws_sdk_*`. It builds the SDK clients in one place
//! ([`aws::AwsSettings`]), classifies AWS errors once ([`ErrorClass`]), and hands the rest of the
//! project plain data: an [`Organization`] for the planner and an
//! [`mfa_evaluator::AccountSnapshot`] per account for the evaluator. It only ever calls read-only
//! operations (plus `sts:AssumeRole` and `iam:GenerateCredentialReport`).

mod account;
mod adaptive;
mod authorization;
mod aws;
mod call_context;
mod caller;
mod cognito;
mod credential_report;
mod credentials;
mod error;
mod guard;
mod ids;
mod lifecycle;
mod limits;
mod mfa_devices;
mod org_reader;
mod organization;
mod paginate;
mod partitions;
mod regions;
mod root_access;
mod root_state;
mod scps;
mod session;
mod users;

pub use account::{AccountCollector, AuditReads, AuditRole};
pub use aws::AwsSettings;
/// The SDK's configuration, as [`AwsSettings::load`] builds it, for the binary to hand back.
pub use aws_config::SdkConfig;
pub use caller::{CallObserver, CallStats, Caller, Target};
pub use credential_report::{parse_credential_report, ReportParseError};
pub use credentials::{check_credentials, NoCredentials};
pub use error::{CollectError, ErrorClass};
pub use guard::{is_allowed, ReadOnlyGuard};
pub use ids::{is_account_id, AccountId, InvalidId, OuId, Region};
pub use lifecycle::{AccountState, Lifecycle, StateField};
pub use limits::{LimitSettings, QuotaKey};
pub use org_reader::OrganizationReader;
pub use organization::{OrgAccount, OrgUnit, Organization};
pub use partitions::{
    partition_of_arn, partition_of_region, region_of_partition, Partition, PARTITIONS,
};
pub use regions::RegionScope;
pub use root_access::RootAccessReader;
pub use scps::{OrganizationScps, ScpsRead};
pub use users::ReportSettings;

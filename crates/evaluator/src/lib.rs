//! Decides the five MFA controls (IAM.9, IAM.6, IAM.5, IAM.19, Cognito.5) from plain snapshots.
//!
//! This crate is pure: it does no I/O, reads no clock and knows nothing of the AWS SDK or SQL.
//! The collector fills [`AccountSnapshot`]s from AWS; [`evaluate`] turns one into a
//! [`ControlResult`] per control, each with per-resource findings and the evidence that decided
//! them. The rules are Security Hub's, to the letter (see `docs/controls.md`).
//!
//! Beside each verdict ride the facts beyond the controls ([`Facts`]: kinds of device, MFA
//! enforced by policy, what is at stake, the priority of a failing finding, a pool's factors),
//! and [`mfa_guardrail_scps`] names an account's SCPs that deny weakening MFA. Policy documents
//! are read here, from the JSON text the collector passes: one that cannot be read is a fact
//! that says why, never a panic. Facts never change a verdict.

mod authorization;
mod compliance;
mod controls;
mod evaluate;
mod exceptions;
mod facts;
mod guardrails;
mod identity_policies;
mod kinds;
mod policy;
mod pool_facts;
#[cfg(test)]
mod remediation_kit;
mod resource_facts;
mod snapshot;
mod stakes;
mod wildcard;
pub mod wire_names;

pub use authorization::{
    AccessKeyUse, AuthorizationDetails, CredentialUse, GroupPolicies, InlinePolicy, ManagedPolicy,
    MfaDevice, SecondFactor, ServiceControlPolicy, UserPolicies,
};
pub use compliance::{Requirement, Standard};
pub use controls::{ControlId, ResourceType, Severity, Status};
pub use evaluate::{evaluate, roll_up, ControlResult, ResourceFinding, ROOT_CREDENTIALS_PRESENT};
pub use exceptions::{
    exception_for, ControlScope, Exception, ExceptionState, FindingPlace, ResourceGlob,
};
pub use facts::{
    AccessKeyStake, Enforcement, EnforcementState, Facts, MfaDeviceFact, MfaKind, Priority, Stakes,
};
pub use guardrails::{mfa_guardrail_scps, scp_bears_on_mfa};
pub use kinds::{mfa_kind, UnknownSerial};
pub use snapshot::{
    AccountSnapshot, AccountSummary, CentralizedRootAccess, CredentialReport, DataError,
    FirstFactor, IamUser, MfaConfiguration, PoolSettings, RegionUserPools, ReportFreshness,
    RootSnapshot, SignInPolicy, UserPool, UserSource, VirtualMfaDevice, ALL_ENABLED_REGIONS,
};

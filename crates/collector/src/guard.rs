//! Read-only by construction: the one place that says which AWS operations this project may
//! call. Every SDK client the collector builds carries [`ReadOnlyGuard`], which fails any other
//! operation before it is serialized, let alone sent.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Whether `service:operation` may be called (service as the SDK names it: `STS`, `IAM`,
/// `Organizations`, `Cognito Identity Provider`).
///
/// - `sts:AssumeRole`
/// - `organizations:List*`, `organizations:Describe*` (the SCPs' `ListPolicies`,
///   `DescribePolicy`, `ListTargetsForPolicy` among them)
/// - `iam:List*`, `iam:Get*` (`GetAccountAuthorizationDetails` among them),
///   `iam:GenerateCredentialReport`
/// - `cognito-idp:List*`, `cognito-idp:Describe*`, `cognito-idp:Get*` (`GetUserPoolMfaConfig`)
/// - `account:ListRegions`
pub fn is_allowed(service: &str, operation: &str) -> bool {
    let read = |prefixes: &[&str]| prefixes.iter().any(|p| operation.starts_with(p));
    match service {
        "STS" => operation == "AssumeRole",
        "Organizations" => read(&["List", "Describe"]),
        "IAM" => read(&["List", "Get"]) || operation == "GenerateCredentialReport",
        "Cognito Identity Provider" => read(&["List", "Describe", "Get"]),
        // Account Management can also enable and disable regions and change contacts: only
        // the one read this auditor needs.
        "Account" => operation == "ListRegions",
        _ => false,
    }
}

/// Refuses every operation [`is_allowed`] does not allow.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOnlyGuard;

impl Intercept for ReadOnlyGuard {
    fn name(&self) -> &'static str {
        "mfa-auditor read-only guard"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<Metadata>() {
            Some(metadata) if is_allowed(metadata.service(), metadata.name()) => Ok(()),
            Some(metadata) => Err(format!(
                "{}:{} is not a read-only operation this auditor may call",
                metadata.service(),
                metadata.name()
            )
            .into()),
            None => Err("an AWS call without operation metadata is refused".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_allowed;

    #[test]
    fn only_read_operations_are_allowed() {
        for (service, operation) in [
            ("STS", "AssumeRole"),
            ("Organizations", "ListAccounts"),
            ("Organizations", "DescribeOrganization"),
            ("Organizations", "ListPolicies"),
            ("Organizations", "DescribePolicy"),
            ("Organizations", "ListTargetsForPolicy"),
            ("IAM", "ListMFADevices"),
            ("IAM", "GetAccountAuthorizationDetails"),
            ("IAM", "GetAccountSummary"),
            ("IAM", "ListVirtualMFADevices"),
            ("IAM", "GenerateCredentialReport"),
            ("IAM", "GetCredentialReport"),
            ("IAM", "ListOrganizationsFeatures"),
            ("Cognito Identity Provider", "ListUserPools"),
            ("Cognito Identity Provider", "GetUserPoolMfaConfig"),
            ("Cognito Identity Provider", "DescribeUserPool"),
            ("Account", "ListRegions"),
        ] {
            assert!(is_allowed(service, operation), "{service}:{operation}");
        }
        for (service, operation) in [
            ("STS", "GetSessionToken"),
            ("STS", "AssumeRoleWithWebIdentity"),
            ("Organizations", "CloseAccount"),
            ("Organizations", "CreateAccount"),
            ("Organizations", "AttachPolicy"),
            ("Organizations", "UpdatePolicy"),
            ("Organizations", "EnablePolicyType"),
            ("IAM", "CreateUser"),
            ("IAM", "DeactivateMFADevice"),
            ("IAM", "UpdateLoginProfile"),
            ("Cognito Identity Provider", "SetUserPoolMfaConfig"),
            ("Cognito Identity Provider", "AdminGetUser2"),
            ("Account", "EnableRegion"),
            ("Account", "DisableRegion"),
            ("Account", "PutAlternateContact"),
            ("Account", "GetRegionOptStatus"),
            ("S3", "ListBuckets"),
        ] {
            assert!(!is_allowed(service, operation), "{service}:{operation}");
        }
    }
}

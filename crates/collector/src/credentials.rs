//! The caller's own AWS credentials, looked for once before the first call. Without this, a
//! machine without credentials met the SDK's chain in every call: each attempt retried as a
//! connection failure, the SDK's internals logged at each, and the last place the chain looks
//! (the EC2 instance metadata service) named as the cause.

use crate::error::said_once;
use aws_config::imds::client::error::ImdsError;
use aws_config::meta::ProviderChainError;
use aws_config::SdkConfig;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::ProvideCredentials;
use std::error::Error as StdError;

/// Where the SDK's default chain looks, in its order (aws-config's `DefaultCredentialsChain`),
/// by the names it gives them, with what a person sets to put credentials there.
const PLACES: [(&str, &str); 5] = [
    (
        "Environment",
        "the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
    ),
    (
        "Profile",
        "the profile (AWS_PROFILE, else `default`) in ~/.aws/config and ~/.aws/credentials \
         (or AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE): keys, SSO, credential_process, \
         role_arn",
    ),
    (
        "WebIdentityToken",
        "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN: EKS service \
         accounts)",
    ),
    (
        "EcsContainer",
        "the container credentials endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or \
         AWS_CONTAINER_CREDENTIALS_FULL_URI: ECS tasks, EKS Pod Identity)",
    ),
    (
        "Ec2InstanceMetadata",
        "the EC2 instance metadata service (an instance role)",
    ),
];

/// Why no call to AWS can be made with the caller's credentials.
#[derive(Debug, thiserror::Error)]
pub enum NoCredentials {
    /// No place the SDK's chain looks holds any: each place, and what it said.
    #[error("no AWS credentials found; looked, in order, in:\n{}", .looked.join("\n"))]
    NotFound { looked: Vec<String> },
    /// A place that holds some could not give them (an SSO session expired, a profile that
    /// does not exist, an unreadable file): what it said.
    #[error("cannot load AWS credentials: {0}")]
    Failed(String),
}

/// `Ok` when the SDK's credential chain gives the caller credentials.
pub async fn check_credentials(sdk: &SdkConfig) -> Result<(), NoCredentials> {
    let Some(provider) = sdk.credentials_provider() else {
        return Err(NoCredentials::NotFound {
            looked: vec!["- nowhere: the SDK was configured without a credentials provider".into()],
        });
    };
    match provider.provide_credentials().await {
        Ok(_) => Ok(()),
        Err(error) => Err(problem(&error)),
    }
}

fn problem(error: &CredentialsError) -> NoCredentials {
    let chain = error
        .source()
        .and_then(|s| s.downcast_ref::<ProviderChainError<CredentialsError>>());
    if let Some(chain) = chain {
        let looked = chain
            .attempts()
            .iter()
            .map(|attempt| place(attempt.name(), &what_it_said(attempt.error())))
            .collect();
        return NoCredentials::NotFound { looked };
    }
    // The instance metadata service is the last place: every other one had nothing, and IMDS
    // failing (refused, forbidden by a proxy, no route) means there is no instance role here.
    if from_instance_metadata(error) {
        let looked = PLACES
            .iter()
            .map(|(name, _)| match *name {
                "Ec2InstanceMetadata" => place(name, &what_it_said(error)),
                _ => place(name, "none"),
            })
            .collect();
        return NoCredentials::NotFound { looked };
    }
    NoCredentials::Failed(what_it_said(error))
}

fn from_instance_metadata(error: &CredentialsError) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(current) = cause {
        if current.downcast_ref::<ImdsError>().is_some() {
            return true;
        }
        cause = current.source();
    }
    false
}

/// What a provider said, without the SDK's words for its kind of failure ("the credential
/// provider was not enabled", "an error occurred while loading credentials") when a cause says
/// more; "none" when nothing does.
fn what_it_said(error: &CredentialsError) -> String {
    match error.source() {
        Some(cause) => said_once(cause),
        None if matches!(error, CredentialsError::CredentialsNotLoaded(_)) => "none".to_string(),
        None => error.to_string(),
    }
}

/// One place as a line: what it is, and what the SDK said of it.
fn place(name: &str, said: &str) -> String {
    let what = PLACES
        .iter()
        .find(|(known, _)| *known == name)
        .map_or(name, |(_, what)| what);
    format!("- {what}: {said}")
}

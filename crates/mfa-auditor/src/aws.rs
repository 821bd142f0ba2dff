//! AWS as the binary reaches it: the SDK's configuration with the caller's credentials found
//! before any call, and where the calls go (the endpoint, and the configuration that chose it)
//! for every error about AWS: the local stack's file, read by default, names an emulator that
//! a real deployment does not have.

use crate::config::AuditConfig;
use anyhow::Result;
use mfa_collector::SdkConfig;

/// The SDK's configuration, once the caller's credentials are found: without any, no call is
/// made (each would fail the same way, retried).
pub(crate) async fn sdk(config: &AuditConfig) -> Result<SdkConfig> {
    let sdk = config.aws.load().await;
    mfa_collector::check_credentials(&sdk).await?;
    Ok(sdk)
}

/// Where AWS calls go, for messages: the endpoint and where it was set, or AWS itself.
pub(crate) fn target(config: &AuditConfig) -> String {
    match &config.aws.endpoint_url {
        Some(endpoint) => format!(
            "the AWS endpoint {endpoint} (aws.endpoint_url from {})",
            config.aws_origin
        ),
        None => format!("AWS ({})", config.aws.region),
    }
}

//! Where the SDK configuration is built: region, endpoint override, timeouts, retries.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

/// How the project talks to AWS. The SDK's standard retry is the one retry layer: exponential
/// backoff with jitter on throttling, 5xx and timeouts, bounded attempts; AccessDenied and
/// validation errors are not retried.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Where Organizations, STS and IAM are called.
    pub region: String,
    /// A local emulator's URL; `None` for real AWS.
    pub endpoint_url: Option<String>,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Timeout of one attempt of one call.
    pub call_timeout: Duration,
}

impl AwsSettings {
    /// Loads the SDK configuration: the standard credential chain (environment, profile, SSO,
    /// instance role, ...) with this project's region, endpoint, timeouts and retries.
    pub async fn load(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(self.max_attempts.max(1))
                    .with_initial_backoff(Duration::from_millis(200))
                    .with_max_backoff(Duration::from_secs(20)),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(self.call_timeout)
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        loader.load().await
    }
}

/// The partition a region belongs to, as it appears in ARNs.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

//! Where the SDK configuration is built: region, endpoint override, timeouts, retries.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use std::time::Duration;

/// How the project talks to AWS. The SDK's own retry is disabled: the project's
/// [`crate::Caller`] is the one retry layer, so that every attempt waits for the rate limiters.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    /// Where Organizations, STS and IAM are called.
    pub region: String,
    /// A local emulator's URL; `None` for real AWS.
    pub endpoint_url: Option<String>,
    /// Timeout of one attempt of one call.
    pub call_timeout: Duration,
}

impl AwsSettings {
    /// Loads the SDK configuration: the standard credential chain (environment, profile, SSO,
    /// instance role, ...) with this project's region, endpoint, timeouts and retries.
    pub async fn load(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(self.call_timeout)
                    .build(),
            );
        if let Some(url) = &self.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        sdk.to_builder()
            .service_config(BlankIsUnset(sdk.clone()))
            .build()
    }
}

/// The SDK's per-service settings from the environment and the profile (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_<SERVICE>`, a profile's `endpoint_url`), with a value that is empty or
/// blank taken as unset. The SDK takes `AWS_ENDPOINT_URL=` as an endpoint URL of "" and panics
/// building a client; an empty variable means "not set" to a shell script and a compose file,
/// and to this project's own configuration layer.
#[derive(Debug)]
struct BlankIsUnset(SdkConfig);

impl LoadServiceConfig for BlankIsUnset {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        self.0
            .service_config()?
            .load_config(key)
            .filter(|value| !value.trim().is_empty())
    }
}

/// The region IAM, STS and Organizations are called in: the configuration's, which
/// [`AwsSettings::load`] always sets (us-east-1 only for a hand-built `SdkConfig` without one).
pub(crate) fn home_region(sdk: &SdkConfig) -> String {
    sdk.region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".to_string())
}

//! What the collector's tests against the emulator share: the SDK configuration pointed at it,
//! a collector for the seeded organization, an account's deadline.

#![allow(clippy::unwrap_used, dead_code)]

use mfa_collector::{
    AccountCollector, AuditReads, AuditRole, AwsSettings, Caller, LimitSettings, RegionScope,
    ReportSettings,
};
use mfa_testkit::Emulator;
use serde_json::Value;
use std::time::Duration;

pub async fn sdk(emulator: &Emulator) -> aws_config::SdkConfig {
    AwsSettings {
        region: "us-east-1".into(),
        endpoint_url: Some(emulator.endpoint.clone()),
        call_timeout: Duration::from_secs(20),
    }
    .load()
    .await
}

/// A collector of the seeded organization (`expected`, the seeder's), reading everything.
pub fn collector(sdk: &aws_config::SdkConfig, expected: &Value) -> AccountCollector {
    collector_reading(sdk, expected, AuditReads::ALL)
}

/// A collector of the seeded organization making the reads `reads` asks for.
pub fn collector_reading(
    sdk: &aws_config::SdkConfig,
    expected: &Value,
    reads: AuditReads,
) -> AccountCollector {
    let regions = expected["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().parse().unwrap())
        .collect();
    AccountCollector::new(
        sdk,
        Caller::new(LimitSettings::unlimited()),
        AuditRole {
            name: expected["audit_role_name"].as_str().unwrap().into(),
            external_id: Some(expected["external_id"].as_str().unwrap().to_string().into()),
            session_name: "collector-test".into(),
            session_duration: Duration::from_secs(900),
        },
        "aws".into(),
        RegionScope::Listed(regions),
        ReportSettings {
            deadline: Duration::from_secs(30),
            max_age: Duration::from_secs(4 * 3600),
        },
        reads,
    )
}

pub fn deadline() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(120)
}

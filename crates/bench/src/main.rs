//! `mfa-bench load`: drives one cheap call through the real SDK at an endpoint as fast as it
//! answers, for a fixed time, and prints the achieved rate as JSON: `iam:GetAccountSummary` in a
//! member account (after assuming a role there, as the sweep does), or `sts:GetCallerIdentity`. The
//! sweep benchmark (`scripts/bench-sweep`) uses it to measure the emulator's capacity in the same
//! run as the sweep, so that the sweep's rate can be given as a ratio of it.
//!
//! Loopback only: it refuses any endpoint that is not on 127.0.0.0/8 or localhost.

use anyhow::{bail, Result};
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use clap::Parser;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(name = "mfa-bench")]
enum Cli {
    /// A plain load of sts:GetCallerIdentity against a loopback endpoint.
    Load {
        #[arg(long)]
        endpoint: String,
        /// How long to load, in seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Assume this role first and call iam:GetAccountSummary in its account, as a sweep's
        /// calls are made; without it, sts:GetCallerIdentity with the caller's credentials.
        #[arg(long)]
        role_arn: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let Cli::Load {
        endpoint,
        seconds,
        concurrency,
        role_arn,
        external_id,
    } = Cli::parse();
    refuse_unless_loopback(&endpoint)?;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .retry_config(RetryConfig::disabled())
        .load()
        .await;
    let sts = aws_sdk_sts::Client::new(&sdk);
    let iam = match &role_arn {
        None => None,
        Some(role_arn) => Some(iam_in_member(&sdk, &sts, role_arn, external_id).await?),
    };
    let started = Instant::now();
    let counts = load(sts, iam, Duration::from_secs(seconds), concurrency).await?;
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "requests": counts.ok,
            "errors": counts.errors,
            "seconds": elapsed,
            "rate": counts.ok as f64 / elapsed,
            "concurrency": concurrency,
            "call": if role_arn.is_some() { "iam:GetAccountSummary" } else { "sts:GetCallerIdentity" },
        })
    );
    Ok(())
}

/// The load is for the emulator on this machine, never for a real endpoint.
fn refuse_unless_loopback(endpoint: &str) -> Result<()> {
    let host = endpoint
        .trim_start_matches("http://")
        .split([':', '/'])
        .next()
        .unwrap_or_default();
    if !(host == "localhost" || host.starts_with("127.")) {
        bail!("refusing to load {endpoint}: loopback only");
    }
    Ok(())
}

/// An IAM client in the role's account, as a sweep's calls are made.
async fn iam_in_member(
    sdk: &aws_config::SdkConfig,
    sts: &aws_sdk_sts::Client,
    role_arn: &str,
    external_id: Option<String>,
) -> Result<aws_sdk_iam::Client> {
    let assumed = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name("mfa-bench")
        .set_external_id(external_id)
        .send()
        .await?;
    let credentials = assumed
        .credentials()
        .ok_or_else(|| anyhow::anyhow!("AssumeRole returned no credentials"))?;
    let provider = aws_credential_types::Credentials::new(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        Some(credentials.session_token().to_string()),
        None,
        "mfa-bench",
    );
    let config = aws_sdk_iam::config::Builder::from(sdk)
        .credentials_provider(provider)
        .build();
    Ok(aws_sdk_iam::Client::from_conf(config))
}

/// Answered and failed calls.
struct Counts {
    ok: u64,
    errors: u64,
}

/// `concurrency` workers, each calling back to back until `duration` is over.
async fn load(
    sts: aws_sdk_sts::Client,
    iam: Option<aws_sdk_iam::Client>,
    duration: Duration,
    concurrency: usize,
) -> Result<Counts> {
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (sts, iam, ok, errors) = (sts.clone(), iam.clone(), ok.clone(), errors.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let succeeded = match &iam {
                        Some(iam) => iam.get_account_summary().send().await.is_ok(),
                        None => sts.get_caller_identity().send().await.is_ok(),
                    };
                    if succeeded {
                        ok.fetch_add(1, Ordering::Relaxed);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await?;
    }
    Ok(Counts {
        ok: ok.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
    })
}

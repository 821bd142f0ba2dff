//! Rate limits and the one retry layer.
//!
//! Every AWS call goes through [`Caller::call`]: it waits for the `governor` limiters of the
//! quota the call counts against (keyed where AWS keys that quota), sends, and retries throttling,
//! 5xx and timeouts with exponential backoff and full jitter, up to a bounded number of attempts.
//! Every attempt, retries included, waits for the limiters, so a configured rate is never exceeded
//! by retries. The SDK's own retry is disabled (see `aws.rs`): never two layers.

use crate::error::{CollectError, ErrorClass};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use governor::clock::DefaultClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock, NoOpMiddleware>;
type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, NoOpMiddleware>;

/// Requests per second for each quota; `None` means unlimited.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitSettings {
    /// Organizations: one quota for the whole organization.
    pub organizations_per_second: Option<NonZeroU32>,
    /// STS: per calling account (the auditor's own).
    pub sts_per_second: Option<NonZeroU32>,
    /// IAM: per target account.
    pub iam_per_second_per_account: Option<NonZeroU32>,
    /// Cognito: per target account and region.
    pub cognito_per_second_per_account_region: Option<NonZeroU32>,
    /// Everything together, whatever the service.
    pub global_per_second: Option<NonZeroU32>,
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles per attempt, with full jitter.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl LimitSettings {
    /// No limits, a few quick retries: for tests.
    pub fn unlimited() -> LimitSettings {
        LimitSettings {
            organizations_per_second: None,
            sts_per_second: None,
            iam_per_second_per_account: None,
            cognito_per_second_per_account_region: None,
            global_per_second: None,
            max_attempts: 4,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(1),
        }
    }
}

/// The quota a call counts against.
#[derive(Debug, Clone, Copy)]
pub enum QuotaKey<'a> {
    Organizations,
    Sts,
    Iam { account: &'a str },
    Cognito { account: &'a str, region: &'a str },
}

/// What the calls did, for the sweep's summary: attempts (retries included), retries, throttles.
#[derive(Debug, Default)]
pub struct CallStats {
    pub attempts: AtomicU64,
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
}

/// Told about every attempt, retries included (metrics). Must be cheap: it runs on every call.
pub trait CallObserver: Send + Sync {
    /// `failure`: `None` when the attempt succeeded. `retrying`: another attempt follows.
    fn attempt(&self, operation: &'static str, failure: Option<ErrorClass>, retrying: bool);
}

/// Shared by every worker; cheap to clone.
#[derive(Clone)]
pub struct Caller {
    settings: LimitSettings,
    organizations: Option<Arc<Direct>>,
    sts: Option<Arc<Direct>>,
    iam: Option<Arc<Keyed<String>>>,
    cognito: Option<Arc<Keyed<(String, String)>>>,
    global: Option<Arc<Direct>>,
    stats: Arc<CallStats>,
    observer: Option<Arc<dyn CallObserver>>,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn quota(per_second: NonZeroU32) -> Quota {
    // A burst of one second's worth: the rate holds over any second, not just on average.
    Quota::per_second(per_second).allow_burst(per_second)
}

impl Caller {
    pub fn new(settings: LimitSettings) -> Caller {
        let direct =
            |rate: Option<NonZeroU32>| rate.map(|r| Arc::new(RateLimiter::direct(quota(r))));
        Caller {
            organizations: direct(settings.organizations_per_second),
            sts: direct(settings.sts_per_second),
            iam: settings
                .iam_per_second_per_account
                .map(|r| Arc::new(RateLimiter::keyed(quota(r)))),
            cognito: settings
                .cognito_per_second_per_account_region
                .map(|r| Arc::new(RateLimiter::keyed(quota(r)))),
            // The global cap is a ceiling: a small burst keeps any one second close to it.
            global: settings.global_per_second.map(|r| {
                let burst = NonZeroU32::new((r.get() / 10).max(1)).unwrap_or(NonZeroU32::MIN);
                Arc::new(RateLimiter::direct(Quota::per_second(r).allow_burst(burst)))
            }),
            settings,
            stats: Arc::new(CallStats::default()),
            observer: None,
        }
    }

    /// The same caller, telling `observer` about every attempt.
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Caller {
        self.observer = Some(observer);
        self
    }

    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    async fn acquire(&self, key: QuotaKey<'_>) {
        match key {
            QuotaKey::Organizations => {
                if let Some(limiter) = &self.organizations {
                    limiter.until_ready().await;
                }
            }
            QuotaKey::Sts => {
                if let Some(limiter) = &self.sts {
                    limiter.until_ready().await;
                }
            }
            QuotaKey::Iam { account } => {
                if let Some(limiter) = &self.iam {
                    limiter.until_key_ready(&account.to_string()).await;
                }
            }
            QuotaKey::Cognito { account, region } => {
                if let Some(limiter) = &self.cognito {
                    limiter
                        .until_key_ready(&(account.to_string(), region.to_string()))
                        .await;
                }
            }
        }
        // The global cap last: a slot taken here is used at once.
        if let Some(limiter) = &self.global {
            limiter.until_ready().await;
        }
    }

    /// Sends `send()` under the quota of `key`, retrying what a later attempt may cure.
    pub async fn call<T, E, R, F, Fut>(
        &self,
        key: QuotaKey<'_>,
        account_id: &str,
        region: &str,
        operation: &'static str,
        mut send: F,
    ) -> Result<T, CollectError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        let mut attempt = 1;
        loop {
            self.acquire(key).await;
            self.stats.attempts.fetch_add(1, Ordering::Relaxed);
            let error = match send().await {
                Ok(value) => {
                    if let Some(observer) = &self.observer {
                        observer.attempt(operation, None, false);
                    }
                    return Ok(value);
                }
                Err(error) => CollectError::from_sdk(account_id, region, operation, error),
            };
            if error.class == ErrorClass::Throttled {
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
            }
            let retrying = error.class.is_retryable() && attempt < self.settings.max_attempts;
            if let Some(observer) = &self.observer {
                observer.attempt(operation, Some(error.class), retrying);
            }
            if !retrying {
                return Err(error.after_attempts(attempt));
            }
            tracing::debug!(account_id, region, operation, attempt, code = ?error.aws_code,
                            "retrying after {}", error.class);
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(self.backoff(attempt)).await;
            attempt += 1;
        }
    }

    /// Exponential backoff with full jitter: uniform in [0, min(max, initial * 2^(attempt-1))].
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .settings
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(self.settings.max_backoff);
        ceiling.mul_f64(fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let caller = Caller::new(LimitSettings {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            ..LimitSettings::unlimited()
        });
        for attempt in 1..10 {
            let ceiling =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_millis(800));
            for _ in 0..50 {
                assert!(caller.backoff(attempt) <= ceiling, "attempt {attempt}");
            }
        }
    }
}

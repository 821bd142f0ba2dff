//! The AWS retry layer: every AWS call goes through [`Caller::call`]. (The database writes and
//! the webhooks retry on their own, outside AWS: `mfa-sweep`'s recorder, `mfa-notify`'s send.)
//!
//! Each attempt waits for the rate limiters (`limits.rs`), then for a place among the requests
//! in flight (`LimitSettings::requests_in_flight`, the configuration's `limits.concurrency`),
//! which it holds only while the request is out: waiting, backing off or polling holds none.
//! Throttling costs time, never a verdict: it is retried, with capped backoff and the key's pace
//! slowed, until the call's deadline (the account's). Other failures worth another try (5xx,
//! timeouts, connection failures) are retried up to `max_attempts`. Anything else fails at
//! once. The SDK's own retry is disabled (see `aws.rs`): never two layers for one AWS call.
//!
//! Calls wait their turn, first come, first served, except those in [`FIRST_IN_LINE`], which
//! go before every call already waiting, for the shared limiters and for a place in flight.

use crate::error::{CollectError, ErrorClass};
use crate::limits::{LimitSettings, Limiters, Precedence, QuotaKey};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// What a call is and how long it may take: named in its errors, limited by its quota.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub quota: QuotaKey<'a>,
    pub account_id: &'a str,
    pub region: &'a str,
    /// `service:Operation`, e.g. `iam:GetCredentialReport`.
    pub operation: &'static str,
    /// When throttling stops being retried: the account's deadline. `None`: the settings'
    /// `throttle_patience` from the first attempt.
    pub deadline: Option<Instant>,
}

/// The calls that start or end a wait of their account's: its session, and IAM's generation of
/// its credential report (seconds on AWS, up to minutes). Sent before the calls already queued,
/// every account's report is asked for as soon as it is entered, and its generation overlaps
/// other accounts' calls instead of starting behind them: a report asked for behind a queue
/// adds its whole generation time to the end of the sweep (docs/benchmarks.md, latency). They
/// are at most a handful per account, so they cannot starve the calls they pass.
pub(crate) const FIRST_IN_LINE: [&str; 3] = [
    "sts:AssumeRole",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
];

fn precedence(operation: &str) -> Precedence {
    match FIRST_IN_LINE.contains(&operation) {
        true => Precedence::First,
        false => Precedence::InTurn,
    }
}

/// The places for requests in flight (`limits.concurrency`). Tokio's semaphore hands places
/// out in order; calls in turn reach it one at a time through `queue`, so a call that goes
/// first waits behind one call at most.
struct Places {
    places: Semaphore,
    queue: Mutex<()>,
}

impl Places {
    fn new(places: usize) -> Places {
        Places {
            places: Semaphore::new(places.max(1)),
            queue: Mutex::new(()),
        }
    }

    /// A place, held until the permit drops. The semaphore is never closed, so acquiring
    /// cannot fail; were it to, the call goes unbounded (`None`).
    async fn take(&self, precedence: Precedence) -> Option<SemaphorePermit<'_>> {
        match precedence {
            Precedence::First => self.places.acquire().await.ok(),
            Precedence::InTurn => {
                let _turn = self.queue.lock().await;
                self.places.acquire().await.ok()
            }
        }
    }
}

/// One call's failed attempts so far, each kind backing off on its own count.
#[derive(Default)]
struct Failed {
    throttles: u32,
    /// Retryable failures other than throttling.
    others: u32,
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
    settings: Arc<LimitSettings>,
    limiters: Arc<Limiters>,
    stats: Arc<CallStats>,
    observer: Option<Arc<dyn CallObserver>>,
    in_flight: Option<Arc<Places>>,
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Caller {
    pub fn new(settings: LimitSettings) -> Caller {
        let settings = Arc::new(settings);
        Caller {
            limiters: Arc::new(Limiters::new(settings.clone())),
            in_flight: settings
                .requests_in_flight
                .map(|places| Arc::new(Places::new(places))),
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

    /// Sends `send()` under the quota of `target`, retrying what a later attempt may cure.
    pub async fn call<T, E, F, Fut>(
        &self,
        target: Target<'_>,
        mut send: F,
    ) -> Result<T, CollectError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let give_up_at = target
            .deadline
            .unwrap_or_else(|| Instant::now() + self.settings.throttle_patience);
        let mut attempt = 0u32;
        let mut failed = Failed::default();
        let mut throttled: Option<CollectError> = None;
        let precedence = precedence(target.operation);
        loop {
            // A retry after a throttle goes no later than the deadline, pace included.
            let deadline = throttled.is_some().then_some(give_up_at);
            if !self
                .limiters
                .acquire(target.quota, deadline, precedence)
                .await
            {
                if let Some(error) = throttled {
                    return Err(error.after_attempts(attempt));
                }
            }
            attempt += 1;
            let error = match self.send_once(&target, precedence, &mut send).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let wait = self.retry_wait(&target, &error, &mut failed, give_up_at);
            self.observe(target.operation, Some(error.class), wait.is_some());
            let Some(wait) = wait else {
                return Err(error.after_attempts(attempt));
            };
            tracing::debug!(
                account_id = target.account_id,
                region = target.region,
                operation = target.operation,
                attempt,
                code = error.aws_code.as_deref(),
                "retrying after {}",
                error.class
            );
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            throttled = (error.class == ErrorClass::Throttled).then_some(error);
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt, holding a place among the requests in flight only while it is out.
    async fn send_once<T, E, F, Fut>(
        &self,
        target: &Target<'_>,
        precedence: Precedence,
        send: &mut F,
    ) -> Result<T, CollectError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        self.stats.attempts.fetch_add(1, Ordering::Relaxed);
        // Released before any wait of the caller.
        let place = match &self.in_flight {
            Some(places) => places.take(precedence).await,
            None => None,
        };
        let answer = send().await;
        drop(place);
        match answer {
            Ok(value) => {
                self.limiters.succeeded(target.quota);
                self.observe(target.operation, None, false);
                Ok(value)
            }
            Err(error) => Err(CollectError::from_sdk(
                target.account_id,
                target.region,
                target.operation,
                error,
            )),
        }
    }

    /// How long to wait before trying again after `error`; `None`: give up. Throttling is
    /// retried (its quota slowed) while the wait ends before `give_up_at`; other retryable
    /// failures up to `max_attempts`; anything else never.
    fn retry_wait(
        &self,
        target: &Target<'_>,
        error: &CollectError,
        failed: &mut Failed,
        give_up_at: Instant,
    ) -> Option<Duration> {
        match error.class {
            ErrorClass::Throttled => {
                failed.throttles += 1;
                self.stats.throttled.fetch_add(1, Ordering::Relaxed);
                let rate = self.limiters.throttled(target.quota);
                tracing::debug!(
                    account_id = target.account_id,
                    operation = target.operation,
                    rate_per_s = rate,
                    "throttled: this quota is slowed down"
                );
                let wait = self.backoff(failed.throttles);
                (Instant::now() + wait < give_up_at).then_some(wait)
            }
            class if class.is_retryable() => {
                failed.others += 1;
                (failed.others < self.settings.max_attempts).then(|| self.backoff(failed.others))
            }
            _ => None,
        }
    }

    fn observe(&self, operation: &'static str, failure: Option<ErrorClass>, retrying: bool) {
        if let Some(observer) = &self.observer {
            observer.attempt(operation, failure, retrying);
        }
    }

    /// Exponential backoff, capped, with jitter in its upper half: never zero, so a retry never
    /// follows its failure at once, and spread, so workers throttled together do not return
    /// together.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .settings
            .initial_backoff
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16))
            .min(self.settings.max_backoff);
        ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

#[cfg(test)]
mod tests;

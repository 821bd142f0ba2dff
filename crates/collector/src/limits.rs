//! Rate limits: a `governor` limiter per quota, keyed where AWS keys that quota, plus the
//! adaptive pace of keys AWS is throttling (`adaptive.rs`).
//!
//! Every attempt of every call, retries included, waits here first ([`Limiters::acquire`]), so
//! a configured rate is never exceeded by retries.
//!
//! The limiters shared by every account (Organizations, STS, the global cap) are waited for in
//! line ([`InLine`]): `governor`'s own wait sleeps and checks again, so with thousands of calls
//! waiting a call could lose the race for a slot for minutes while later ones won, and its
//! account pass its deadline (docs/benchmarks.md, 2026-12-05: 8 of 999 accounts with every
//! region at 50/s). In line, a call waits for the calls ahead of it over the rate, no longer.

use crate::adaptive::AdaptiveRates;
use governor::clock::DefaultClock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock, NoOpMiddleware>;
type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, NoOpMiddleware>;

/// Requests per second for each quota (`None` means unlimited), and how calls are retried.
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
    /// Attempts per call, the first included, for failures other than throttling (5xx,
    /// timeouts, connection failures). Throttling is retried until the call's deadline.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubles per attempt up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a throttled call keeps retrying when no account deadline bounds it (the
    /// organization's own calls).
    pub throttle_patience: Duration,
    /// Requests sent and not yet answered, all services together: what `limits.concurrency`
    /// bounds. A call waiting for a limiter, a backoff or a credential report holds no place.
    /// `None`: no bound.
    pub requests_in_flight: Option<usize>,
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
            throttle_patience: Duration::from_secs(60),
            requests_in_flight: None,
        }
    }
}

/// The quota a call counts against.
#[derive(Debug, Clone, Copy)]
pub enum QuotaKey<'a> {
    Organizations,
    Sts,
    Iam {
        account: &'a str,
    },
    Cognito {
        account: &'a str,
        region: &'a str,
    },
    /// Account Management (`account:ListRegions`), per target account: one call per account
    /// and sweep, so no rate of its own is configured.
    AccountManagement {
        account: &'a str,
    },
}

/// A [`QuotaKey`] that can be kept in a map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum OwnedQuotaKey {
    Organizations,
    Sts,
    Iam { account: String },
    Cognito { account: String, region: String },
    AccountManagement { account: String },
}

impl From<QuotaKey<'_>> for OwnedQuotaKey {
    fn from(key: QuotaKey<'_>) -> Self {
        match key {
            QuotaKey::Organizations => OwnedQuotaKey::Organizations,
            QuotaKey::Sts => OwnedQuotaKey::Sts,
            QuotaKey::Iam { account } => OwnedQuotaKey::Iam {
                account: account.to_string(),
            },
            QuotaKey::Cognito { account, region } => OwnedQuotaKey::Cognito {
                account: account.to_string(),
                region: region.to_string(),
            },
            QuotaKey::AccountManagement { account } => OwnedQuotaKey::AccountManagement {
                account: account.to_string(),
            },
        }
    }
}

fn quota(per_second: NonZeroU32) -> Quota {
    // A burst of one second's worth: the rate holds over any second, not just on average.
    Quota::per_second(per_second).allow_burst(per_second)
}

/// A limiter shared by every account, waited for first come, first served: one call at a time
/// waits on the limiter, the others in a fair (FIFO) queue behind it. Calls that go first
/// ([`Precedence::First`]) have a queue of their own, whose head races only the other's: they
/// pass the calls in turn without racing each other, as `governor`'s own wait would have them.
#[derive(Debug)]
struct InLine {
    limiter: Direct,
    in_turn: tokio::sync::Mutex<()>,
    first: tokio::sync::Mutex<()>,
}

impl InLine {
    fn new(quota: Quota) -> InLine {
        InLine {
            limiter: RateLimiter::direct(quota),
            in_turn: tokio::sync::Mutex::new(()),
            first: tokio::sync::Mutex::new(()),
        }
    }

    async fn until_ready(&self, precedence: Precedence) {
        let queue = match precedence {
            Precedence::First => &self.first,
            Precedence::InTurn => &self.in_turn,
        };
        // Held while this call waits on the limiter: the next one in its queue waits its turn.
        let _turn = queue.lock().await;
        self.limiter.until_ready().await;
    }
}

/// Whether a call waits its turn behind the calls already waiting, or goes before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Precedence {
    InTurn,
    /// A call that starts or ends a long wait of its account's (`caller.rs`, `FIRST_IN_LINE`).
    First,
}

/// The limiters of every quota; shared by every worker.
#[derive(Debug)]
pub(crate) struct Limiters {
    organizations: Option<InLine>,
    sts: Option<InLine>,
    iam: Option<Keyed<String>>,
    cognito: Option<Keyed<(String, String)>>,
    global: Option<InLine>,
    adaptive: AdaptiveRates,
    settings: Arc<LimitSettings>,
}

impl Limiters {
    pub(crate) fn new(settings: Arc<LimitSettings>) -> Limiters {
        let direct = |rate: Option<NonZeroU32>| rate.map(|r| InLine::new(quota(r)));
        Limiters {
            organizations: direct(settings.organizations_per_second),
            sts: direct(settings.sts_per_second),
            iam: settings
                .iam_per_second_per_account
                .map(|r| RateLimiter::keyed(quota(r))),
            cognito: settings
                .cognito_per_second_per_account_region
                .map(|r| RateLimiter::keyed(quota(r))),
            // The global cap is a ceiling: a small burst keeps any one second close to it.
            global: settings.global_per_second.map(|r| {
                let burst = NonZeroU32::new((r.get() / 10).max(1)).unwrap_or(NonZeroU32::MIN);
                InLine::new(Quota::per_second(r).allow_burst(burst))
            }),
            adaptive: AdaptiveRates::default(),
            settings,
        }
    }

    /// Waits until a call under `key` may be sent: its adaptive pace if AWS throttled it, its
    /// quota, then the global cap. Returns `false`, at once, when the pace would only let the
    /// call go after `deadline`.
    pub(crate) async fn acquire(
        &self,
        key: QuotaKey<'_>,
        deadline: Option<Instant>,
        precedence: Precedence,
    ) -> bool {
        let paced = self.adaptive.delay(&key.into());
        if !paced.is_zero() {
            if deadline.is_some_and(|deadline| Instant::now() + paced >= deadline) {
                return false;
            }
            tokio::time::sleep(paced).await;
        }
        match key {
            QuotaKey::Organizations => {
                if let Some(limiter) = &self.organizations {
                    limiter.until_ready(precedence).await;
                }
            }
            QuotaKey::Sts => {
                if let Some(limiter) = &self.sts {
                    limiter.until_ready(precedence).await;
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
            // One call per account and sweep: nothing to pace but AWS's throttling and the
            // global cap.
            QuotaKey::AccountManagement { .. } => {}
        }
        // The global cap last: a slot taken here is used at once.
        if let Some(limiter) = &self.global {
            limiter.until_ready(precedence).await;
        }
        true
    }

    /// AWS throttled a call under `key`: slow the key down. Returns its new rate.
    pub(crate) fn throttled(&self, key: QuotaKey<'_>) -> f64 {
        let configured = match key {
            QuotaKey::Organizations => self.settings.organizations_per_second,
            QuotaKey::Sts => self.settings.sts_per_second,
            QuotaKey::Iam { .. } => self.settings.iam_per_second_per_account,
            QuotaKey::Cognito { .. } => self.settings.cognito_per_second_per_account_region,
            QuotaKey::AccountManagement { .. } => None,
        };
        self.adaptive
            .throttled(&key.into(), configured.map(|r| f64::from(r.get())))
    }

    /// A call under `key` succeeded: a throttled key speeds up again.
    pub(crate) fn succeeded(&self, key: QuotaKey<'_>) {
        self.adaptive.succeeded(&key.into());
    }

    /// Whether the IAM quota of `account` would let a call through right now (tests).
    #[cfg(test)]
    pub(crate) fn iam_has_room(&self, account: &str) -> bool {
        self.iam
            .as_ref()
            .is_none_or(|limiter| limiter.check_key(&account.to_string()).is_ok())
    }
}

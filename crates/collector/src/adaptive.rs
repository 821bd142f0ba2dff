//! The adaptive rate: a quota key that AWS throttles is slowed down, and sped up again as its
//! calls succeed, as the AWS SDKs' adaptive retry mode does.
//!
//! The configured limits (`limits.rs`) are what the auditor believes AWS allows; a throttle says
//! that, right now, AWS allows less (a shared quota, another tool calling the same account). A
//! key that was throttled gets a pace of its own: its rate halves on each throttle and grows by
//! a tenth on each success, and once it is back at the configured rate the pace is dropped. Keys
//! never throttled cost one map lookup.

use crate::limits::OwnedQuotaKey;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The slowest a key is paced: one call every four seconds.
const MIN_RATE: f64 = 0.25;
/// What a throttle does to the rate, and what a success does.
const DECREASE: f64 = 0.5;
const INCREASE: f64 = 1.1;
/// Where a key without a configured limit starts when first throttled, in calls per second.
const ASSUMED_RATE: f64 = 20.0;

#[derive(Debug)]
struct Pace {
    /// Calls per second now allowed.
    rate: f64,
    /// The rate at which the pace is dropped again: the configured one, if any.
    ceiling: f64,
    /// When the next call may be sent.
    next: Instant,
}

/// The paces of the keys being throttled.
#[derive(Debug, Default)]
pub(crate) struct AdaptiveRates {
    paces: Mutex<HashMap<OwnedQuotaKey, Pace>>,
}

impl AdaptiveRates {
    /// How long a call under `key` must wait before it is sent (zero for a key not throttled),
    /// and books its slot.
    pub(crate) fn delay(&self, key: &OwnedQuotaKey) -> Duration {
        let Ok(mut paces) = self.paces.lock() else {
            return Duration::ZERO;
        };
        let Some(pace) = paces.get_mut(key) else {
            return Duration::ZERO;
        };
        let now = Instant::now();
        let at = pace.next.max(now);
        pace.next = at + Duration::from_secs_f64(1.0 / pace.rate);
        at - now
    }

    /// AWS throttled a call under `key`, whose configured rate is `configured` (`None`: no
    /// limit). Returns the new rate, for the log.
    pub(crate) fn throttled(&self, key: &OwnedQuotaKey, configured: Option<f64>) -> f64 {
        let Ok(mut paces) = self.paces.lock() else {
            return MIN_RATE;
        };
        let ceiling = configured.unwrap_or(ASSUMED_RATE * 4.0);
        let pace = paces.entry(key.clone()).or_insert_with(|| Pace {
            rate: configured.unwrap_or(ASSUMED_RATE),
            ceiling,
            next: Instant::now(),
        });
        pace.rate = (pace.rate * DECREASE).max(MIN_RATE);
        pace.rate
    }

    /// A call under `key` succeeded: its pace, if any, speeds up, and ends at the ceiling.
    pub(crate) fn succeeded(&self, key: &OwnedQuotaKey) {
        let Ok(mut paces) = self.paces.lock() else {
            return;
        };
        if let Some(pace) = paces.get_mut(key) {
            pace.rate *= INCREASE;
            if pace.rate >= pace.ceiling {
                paces.remove(key);
            }
        }
    }

    /// The rate a key is paced at, if it is.
    #[cfg(test)]
    pub(crate) fn rate(&self, key: &OwnedQuotaKey) -> Option<f64> {
        self.paces.lock().ok()?.get(key).map(|pace| pace.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> OwnedQuotaKey {
        OwnedQuotaKey::Iam {
            account: "111122223333".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_key_is_paced_and_others_are_not() {
        let rates = AdaptiveRates::default();
        assert_eq!(rates.delay(&key()), Duration::ZERO, "never throttled");
        assert_eq!(rates.throttled(&key(), Some(10.0)), 5.0);
        // Five calls a second: each booked 200 ms after the one before.
        assert_eq!(rates.delay(&key()), Duration::ZERO);
        assert_eq!(rates.delay(&key()), Duration::from_millis(200));
        assert_eq!(rates.delay(&key()), Duration::from_millis(400));
        let other = OwnedQuotaKey::Iam {
            account: "999999999999".into(),
        };
        assert_eq!(rates.delay(&other), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn throttles_halve_the_rate_down_to_a_floor_and_successes_restore_it() {
        let rates = AdaptiveRates::default();
        for _ in 0..20 {
            rates.throttled(&key(), Some(10.0));
        }
        assert_eq!(rates.rate(&key()), Some(MIN_RATE));
        let mut successes = 0;
        while rates.rate(&key()).is_some() {
            rates.succeeded(&key());
            successes += 1;
            assert!(
                successes < 100,
                "the pace ends once back at the configured rate"
            );
        }
        // From a quarter call a second to ten: log(40) / log(1.1) successes.
        assert_eq!(successes, 39);
    }

    #[tokio::test(start_paused = true)]
    async fn an_unlimited_key_starts_from_an_assumed_rate() {
        let rates = AdaptiveRates::default();
        assert_eq!(rates.throttled(&key(), None), ASSUMED_RATE * DECREASE);
    }
}

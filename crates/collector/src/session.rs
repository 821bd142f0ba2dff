//! A member account's session: the credentials `sts:AssumeRole` gave, assumed again when they
//! near their end, so an account that waits long (for IAM's credential report, for a place among
//! the requests in flight) is never failed with `ExpiredToken`. It shows nothing of itself: the
//! SDK prints its credential provider when it logs at trace level, and `Credentials`' own
//! `Debug` shows the access key id.

use crate::error::CollectError;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials};
use aws_credential_types::Credentials;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::Mutex;

/// How to assume the role again.
pub(crate) type Renew =
    Box<dyn Fn() -> BoxFuture<'static, Result<Credentials, CollectError>> + Send + Sync>;

/// The longest a session is kept once it nears its end (five minutes before it, or half its
/// life for a short one).
const RENEWAL_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Clone)]
pub(crate) struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    current: Mutex<Credentials>,
    /// How long the first credentials were valid for: a short session renews at half its life.
    lifetime: Duration,
    renew: Renew,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(redacted)")
    }
}

impl Session {
    pub(crate) fn new(first: Credentials, renew: Renew) -> Session {
        let lifetime = first
            .expiry()
            .and_then(|expiry| expiry.duration_since(SystemTime::now()).ok())
            .unwrap_or(RENEWAL_MARGIN * 2);
        Session {
            inner: Arc::new(Inner {
                current: Mutex::new(first),
                lifetime,
                renew,
            }),
        }
    }

    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut current = self.inner.current.lock().await;
        if near_end(&current, self.inner.lifetime, SystemTime::now()) {
            let fresh = (self.inner.renew)()
                .await
                .map_err(CredentialsError::provider_error)?;
            tracing::debug!("the account's session neared its end and was assumed again");
            *current = fresh;
        }
        Ok(current.clone())
    }
}

/// Whether credentials valid for `lifetime` should be renewed at `now`.
fn near_end(credentials: &Credentials, lifetime: Duration, now: SystemTime) -> bool {
    let margin = RENEWAL_MARGIN.min(lifetime / 2);
    match credentials.expiry() {
        None => false,
        Some(expiry) => expiry
            .duration_since(now)
            .map_or(true, |left| left < margin),
    }
}

impl ProvideCredentials for Session {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expiring_in(now: SystemTime, seconds: u64) -> Credentials {
        Credentials::new(
            "id",
            "secret",
            None,
            Some(now + Duration::from_secs(seconds)),
            "test",
        )
    }

    #[test]
    fn a_session_is_renewed_five_minutes_before_its_end_or_at_half_a_short_life() {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        assert!(!near_end(&expiring_in(now, 301), hour, now));
        assert!(near_end(&expiring_in(now, 299), hour, now));
        let short = Duration::from_secs(20);
        assert!(!near_end(&expiring_in(now, 11), short, now));
        assert!(near_end(&expiring_in(now, 9), short, now));
        // Already expired.
        assert!(near_end(&expiring_in(now - hour, 0), hour, now));
    }
}

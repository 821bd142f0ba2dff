//! Posting a notification: retried with backoff on 5xx, 429, timeouts and connection errors,
//! within a bounded total time. The URL is a secret (a Slack webhook URL is its own
//! credential): errors name the webhook, never its URL.

use backon::{BackoffBuilder, ExponentialBuilder, Retryable};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use strum::{Display, EnumIter, EnumString, IntoStaticStr};
use tokio::time::Instant;

/// What a webhook's body is; its string is the configuration file's `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[derive(Display, EnumString, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum WebhookFormat {
    Json,
    Slack,
}

/// One `[[notify.webhook]]`.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// For logs and metrics: `name`, or `webhook N` in the file's order.
    pub name: String,
    pub url: SecretString,
    pub format: WebhookFormat,
    pub route: crate::Route,
}

#[derive(Debug, Clone, Copy)]
pub struct SendSettings {
    /// Each attempt's bound, connection included.
    pub attempt_timeout: Duration,
    /// All attempts and waits together.
    pub total: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("webhook {webhook:?} refused the notification: HTTP {status} (not retried)")]
    Refused { webhook: String, status: u16 },
    #[error("webhook {webhook:?} did not take the notification in {seconds} s ({attempts} attempts; last: {last})")]
    GaveUp {
        webhook: String,
        seconds: u64,
        attempts: u32,
        last: String,
    },
    #[error("webhook {webhook:?}: cannot build the HTTP client: {reason}")]
    Client { webhook: String, reason: String },
}

/// The waits between tries of a notification: 500 ms, doubling, at most 10 s apart.
/// [`SendSettings::total`] bounds them all.
const WEBHOOK_RETRY: ExponentialBuilder = ExponentialBuilder::new()
    .with_min_delay(Duration::from_millis(500))
    .with_max_delay(Duration::from_secs(10))
    .without_max_times();

/// Why one try did not deliver.
enum Failure {
    /// An answer retrying will not change (4xx other than 429).
    Refused(u16),
    /// Worth another try: 5xx, 429, a timeout, a connection error. Says what happened.
    Retryable(String),
}

/// Posts `body` to the webhook; `Ok(attempts)` once it answers 2xx.
pub async fn post(
    webhook: &Webhook,
    body: &serde_json::Value,
    settings: SendSettings,
) -> Result<u32, NotifyError> {
    let client = reqwest::Client::builder()
        .timeout(settings.attempt_timeout)
        .connect_timeout(settings.attempt_timeout)
        // A redirect would carry the body somewhere the configuration does not say.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| NotifyError::Client {
            webhook: webhook.name.clone(),
            reason: e.without_url().to_string(),
        })?;
    let deadline = Instant::now() + settings.total;
    // No try starts after a wait that would end at or past the deadline.
    let waits = WEBHOOK_RETRY
        .build()
        .take_while(move |wait| Instant::now() + *wait < deadline);
    let mut attempts = 0;
    let delivered = (|| {
        attempts += 1;
        try_once(&client, webhook, body, deadline, attempts)
    })
    .retry(waits)
    .sleep(tokio::time::sleep)
    .when(|failure| matches!(failure, Failure::Retryable(_)))
    .await;
    match delivered {
        Ok(()) => Ok(attempts),
        Err(Failure::Refused(status)) => Err(NotifyError::Refused {
            webhook: webhook.name.clone(),
            status,
        }),
        Err(Failure::Retryable(last)) => Err(NotifyError::GaveUp {
            webhook: webhook.name.clone(),
            seconds: settings.total.as_secs(),
            attempts,
            last,
        }),
    }
}

/// One post, bounded by what is left of the total time.
async fn try_once(
    client: &reqwest::Client,
    webhook: &Webhook,
    body: &serde_json::Value,
    deadline: Instant,
    attempts: u32,
) -> Result<(), Failure> {
    let attempt = client.post(webhook.url.expose_secret()).json(body).send();
    let remaining = deadline.saturating_duration_since(Instant::now());
    let last = match tokio::time::timeout(remaining, attempt).await {
        Ok(Ok(response)) if response.status().is_success() => return Ok(()),
        Ok(Ok(response)) => {
            let status = response.status();
            if !(status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS) {
                return Err(Failure::Refused(status.as_u16()));
            }
            format!("HTTP {}", status.as_u16())
        }
        Ok(Err(error)) => describe(&error),
        Err(_) => "no answer before the total time ran out".to_string(),
    };
    tracing::debug!(webhook = %webhook.name, attempts, last = %last, "notification not taken yet");
    Err(Failure::Retryable(last))
}

/// What went wrong, without the URL reqwest would put in its message.
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    // The causes below reqwest's own error (hyper, io) name no URL.
    match std::error::Error::source(error) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_string(),
    }
}

/// Whether a configured URL can be posted to: an absolute `http` or `https` URL with a host.
/// The reason never quotes the URL.
pub fn check_url(url: &str) -> Result<(), &'static str> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "is not a URL")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("is not an http or https URL");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn webhook_formats_are_the_configuration_files() {
        mfa_evaluator::wire_names::assert_wire_names::<super::WebhookFormat>(&["json", "slack"]);
    }
}

//! `[notify]` and its `[[notify.webhook]]` entries, checked. A webhook URL is a secret (a Slack
//! webhook URL is its own credential): no message repeats it. It may be given as `url`,
//! `url_env` or `url_file`, like every secret.

use super::checker::Checker;
use super::raw::{RawNotify, RawWebhook};
use super::secrets::{self, SecretForms};
use super::{ConfigError, NotifySettings};
use mfa_collector::OuId;
use mfa_notify::{Route, SendSettings, Topic, Webhook, WebhookFormat};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{HashMap, HashSet};
use strum::IntoEnumIterator;

pub(super) fn notify_settings(
    check: &Checker,
    raw: RawNotify,
    environment: &HashMap<String, String>,
) -> Result<NotifySettings, ConfigError> {
    let send = send_settings(check, &raw)?;
    let mut names = HashSet::new();
    let mut webhooks = Vec::with_capacity(raw.webhook.len());
    for (index, webhook) in raw.webhook.into_iter().enumerate() {
        let key = WebhookKey(index + 1);
        let name = match webhook.name.trim() {
            "" => format!("webhook {}", key.0),
            name => name.to_string(),
        };
        if !names.insert(name.clone()) {
            return Err(check.error(&key.of("name"), format!("{name:?} names two webhooks")));
        }
        let url = webhook_url(check, &key, &webhook, environment)?;
        let format = webhook_format(check, &key, &webhook.format)?;
        let topics = webhook_topics(check, &key, &webhook.on)?;
        let ous: Vec<OuId> = check.distinct(&key.of("ous"), &webhook.ous)?;
        webhooks.push(Webhook {
            name,
            url,
            format,
            route: Route {
                topics,
                ous: ous.iter().map(ToString::to_string).collect(),
            },
        });
    }
    Ok(NotifySettings { webhooks, send })
}

/// How long one attempt may take, and all of them together.
fn send_settings(check: &Checker, raw: &RawNotify) -> Result<SendSettings, ConfigError> {
    let attempt_timeout = check.seconds("notify.timeout_seconds", raw.timeout_seconds, 1)?;
    let total = check.seconds("notify.total_seconds", raw.total_seconds, 1)?;
    if total < attempt_timeout {
        return Err(check.error(
            "notify.total_seconds",
            "is shorter than notify.timeout_seconds: no attempt could finish",
        ));
    }
    Ok(SendSettings {
        attempt_timeout,
        total,
    })
}

/// The keys of the n-th `[[notify.webhook]]` (from 1), as messages name them.
struct WebhookKey(usize);

impl WebhookKey {
    fn of(&self, field: &str) -> String {
        format!("notify.webhook[{}].{field}", self.0)
    }
}

/// The webhook's URL, from whichever of `url`, `url_env` and `url_file` gives it.
fn webhook_url(
    check: &Checker,
    key: &WebhookKey,
    webhook: &RawWebhook,
    environment: &HashMap<String, String>,
) -> Result<SecretString, ConfigError> {
    let url = secrets::resolve(
        check,
        SecretForms {
            key: key.of("url"),
            value: &webhook.url,
            env: &webhook.url_env,
            file: &webhook.url_file,
        },
        environment,
    )?
    .ok_or_else(|| {
        check.error(
            &key.of("url"),
            "is not set: give the webhook's URL as `url`, `url_env` or `url_file`",
        )
    })?;
    let url_text = url.value.expose_secret().trim().to_string();
    mfa_notify::check_url(&url_text).map_err(|problem| {
        url.error(
            check,
            &format!("{problem} (the URL is a secret and is not repeated here)"),
        )
    })?;
    Ok(SecretString::from(url_text))
}

fn webhook_format(
    check: &Checker,
    key: &WebhookKey,
    format: &str,
) -> Result<WebhookFormat, ConfigError> {
    format.parse().map_err(|_| {
        let known: Vec<String> = WebhookFormat::iter()
            .map(|f| format!("{:?}", f.to_string()))
            .collect();
        check.error(
            &key.of("format"),
            format!("{format:?} is not {}", known.join(" or ")),
        )
    })
}

/// `on`: what the webhook is told, each topic once, at least one.
fn webhook_topics(
    check: &Checker,
    key: &WebhookKey,
    on: &[String],
) -> Result<Vec<Topic>, ConfigError> {
    let mut topics = Vec::new();
    for topic in on {
        let parsed = topic.parse::<Topic>().map_err(|_| {
            check.error(
                &key.of("on"),
                format!(
                    "{topic:?} is not one of {}",
                    Topic::ALL.map(Topic::as_str).join(", ")
                ),
            )
        })?;
        if topics.contains(&parsed) {
            return Err(check.error(&key.of("on"), format!("lists {topic:?} twice")));
        }
        topics.push(parsed);
    }
    if topics.is_empty() {
        return Err(check.error(
            &key.of("on"),
            "is empty: the webhook would never be told anything",
        ));
    }
    Ok(topics)
}

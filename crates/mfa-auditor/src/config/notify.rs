//! `[notify]` and its `[[notify.webhook]]` entries, checked. A webhook URL is a secret (a Slack
//! webhook URL is its own credential): no message repeats it. It may be given as `url`,
//! `url_env` or `url_file`, like every secret.

use super::checker::Checker;
use super::raw::RawNotify;
use super::secrets::{self, SecretForms};
use super::{ConfigError, NotifySettings};
use mfa_collector::OuId;
use mfa_notify::{Route, SendSettings, Topic, Webhook, WebhookFormat};
use secrecy::{ExposeSecret, SecretString};
use std::collections::{HashMap, HashSet};

pub(super) fn notify_settings(
    check: &Checker,
    raw: RawNotify,
    environment: &HashMap<String, String>,
) -> Result<NotifySettings, ConfigError> {
    let attempt_timeout = check.seconds("notify.timeout_seconds", raw.timeout_seconds, 1)?;
    let total = check.seconds("notify.total_seconds", raw.total_seconds, 1)?;
    if total < attempt_timeout {
        return Err(check.error(
            "notify.total_seconds",
            "is shorter than notify.timeout_seconds: no attempt could finish",
        ));
    }
    let mut names = HashSet::new();
    let mut webhooks = Vec::with_capacity(raw.webhook.len());
    for (index, webhook) in raw.webhook.into_iter().enumerate() {
        let key = |field: &str| format!("notify.webhook[{}].{field}", index + 1);
        let name = match webhook.name.trim() {
            "" => format!("webhook {}", index + 1),
            name => name.to_string(),
        };
        if !names.insert(name.clone()) {
            return Err(check.error(&key("name"), format!("{name:?} names two webhooks")));
        }
        let url = secrets::resolve(
            check,
            SecretForms {
                key: key("url"),
                value: &webhook.url,
                env: &webhook.url_env,
                file: &webhook.url_file,
            },
            environment,
        )?
        .ok_or_else(|| {
            check.error(
                &key("url"),
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
        let format = match webhook.format.as_str() {
            "json" => WebhookFormat::Json,
            "slack" => WebhookFormat::Slack,
            other => {
                return Err(check.error(
                    &key("format"),
                    format!("{other:?} is not \"json\" or \"slack\""),
                ))
            }
        };
        let mut topics = Vec::new();
        for topic in &webhook.on {
            let parsed = topic.parse::<Topic>().map_err(|_| {
                check.error(
                    &key("on"),
                    format!(
                        "{topic:?} is not one of {}",
                        Topic::ALL.map(Topic::as_str).join(", ")
                    ),
                )
            })?;
            if topics.contains(&parsed) {
                return Err(check.error(&key("on"), format!("lists {topic:?} twice")));
            }
            topics.push(parsed);
        }
        if topics.is_empty() {
            return Err(check.error(
                &key("on"),
                "is empty: the webhook would never be told anything",
            ));
        }
        let ous: Vec<OuId> = check.distinct(&key("ous"), &webhook.ous)?;
        webhooks.push(Webhook {
            name,
            url: SecretString::from(url_text),
            format,
            route: Route {
                topics,
                ous: ous.iter().map(ToString::to_string).collect(),
            },
        });
    }
    Ok(NotifySettings {
        webhooks,
        send: SendSettings {
            attempt_timeout,
            total,
        },
    })
}

//! After a sweep: what changed, to every configured webhook. A notification that fails is
//! logged (by the webhook's name, never its URL) and counted; it never changes the sweep's
//! outcome or exit status.

use crate::config::AuditConfig;
use crate::metrics::Metrics;
use futures::future::join_all;
use mfa_notify::{Digest, News, WebhookFormat};
use mfa_store::{Store, SweepSelector};
use std::collections::HashMap;
use std::sync::Arc;

/// Each account's OU ids, from the sweep's plan: what `ous` routes on.
pub type OusOf = HashMap<String, Vec<String>>;

pub async fn after_sweep(
    config: &AuditConfig,
    store: &Store,
    sweep_id: &str,
    ous_of: &OusOf,
    metrics: Option<&Arc<Metrics>>,
) {
    if config.notify.webhooks.is_empty() {
        return;
    }
    let read = async {
        let report = store
            .load_report(&SweepSelector::Id(sweep_id.to_string()))
            .await?;
        let news = store.sweep_news(sweep_id).await?;
        Ok::<_, mfa_store::StoreError>((report, news))
    };
    let (report, news) = match read.await {
        Ok(read) => read,
        Err(error) => {
            tracing::error!(
                sweep_id,
                "no notification sent: cannot read what changed: {error}"
            );
            for webhook in &config.notify.webhooks {
                if let Some(metrics) = metrics {
                    metrics.notification(&webhook.name, false);
                }
            }
            return;
        }
    };
    let news = News {
        report: &report,
        newly_errored: &news.newly_errored,
        exceptions_changed: &news.exceptions_changed,
        ous_of,
        became_critical: &news.became_critical,
    };
    let sends = config.notify.webhooks.iter().map(|webhook| {
        let digest = Digest::build(&news, &webhook.route);
        let report = &report;
        async move {
            if digest.is_empty() {
                tracing::debug!(webhook = %webhook.name, "nothing changed for this webhook; no notification");
                return;
            }
            let body = match webhook.format {
                WebhookFormat::Json => mfa_notify::render_json(report, &digest),
                WebhookFormat::Slack => mfa_notify::render_slack(report, &digest),
            };
            let sent = match mfa_notify::post(webhook, &body, config.notify.send).await {
                Ok(attempts) => {
                    tracing::info!(webhook = %webhook.name, attempts,
                        new_failures = digest.new_failures(), resolved = digest.resolved(),
                        critical = digest.critical.len(),
                        account_errors = digest.account_errors.len(),
                        exceptions = digest.exceptions.len(), "notification sent");
                    true
                }
                Err(error) => {
                    tracing::warn!("notification not sent (the sweep is not affected): {error}");
                    false
                }
            };
            if let Some(metrics) = metrics {
                metrics.notification(&webhook.name, sent);
            }
        }
    });
    join_all(sends).await;
}

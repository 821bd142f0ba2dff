//! Notifications: after each sweep, what changed since each account's previous assessment (new
//! failures, resolved ones, accounts that now error, exceptions that start to expire or have
//! expired, identities that became critical), posted to each configured webhook as JSON or as a Slack message.
//!
//! `digest.rs` decides what a webhook hears (pure: from the stored report and what the store
//! says changed); `json.rs` and `slack.rs` write it; `send.rs` posts it with bounded retries.
//! A webhook URL is a secret: it never appears in an error or a log line.

mod critical;
mod digest;
mod json;
mod send;
mod slack;

pub use critical::CriticalIdentity;
pub use digest::{AccountError, Change, ChangeKind, Digest, ExceptionNews, News, Route, Topic};
pub use json::{render_json, JSON_SCHEMA_VERSION};
pub use send::{check_url, post, NotifyError, SendSettings, Webhook, WebhookFormat};
pub use slack::{render_slack, SLACK_MAX_LINES};

//! The connection to the configured database, for every command that needs one.

use crate::config;
use anyhow::{Context, Result};
use mfa_store::Store;
use secrecy::ExposeSecret;

/// A pool of connections to `database.url`; every error says where the URL came from.
pub(crate) async fn connect(config: &config::AuditConfig) -> Result<Store> {
    let Some(url) = &config.database.url else {
        anyhow::bail!(
            "{}: key `database.url` is not set: give it in the file (as `url`, `url_env` or \
             `url_file`) or with DATABASE_URL",
            config.database.origin
        );
    };
    // Which configuration chose this database: the local stack's file, given by default, names
    // a server that is not there on a real deployment.
    Store::connect(
        url.expose_secret(),
        config.database.max_connections,
        config.database.connect_timeout,
    )
    .await
    .with_context(|| format!("database.url from {}", config.database.origin))
}

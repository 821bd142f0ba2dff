//! Connecting (with the TLS the URL and the environment ask for), migrating, and the control
//! catalogue the views join.

use crate::tls_settings::{self, TlsEnvironment};
use crate::{query_error, tls_refusal, Store, StoreError, MIGRATOR};
use mfa_evaluator::ControlId;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// `host:port/database` of a database URL, without user or password, for error messages.
pub fn describe_url(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(options) => format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        ),
        Err(_) => "(unparsable URL)".to_string(),
    }
}

impl Store {
    /// Connects, failing fast (within `connect_timeout`) when the server is unreachable, with
    /// the TLS settings of the URL and of this process's `PGSSLMODE` and `PGSSLROOTCERT`.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let environment = TlsEnvironment::of_process();
        Store::connect_with(url, &environment, max_connections, connect_timeout).await
    }

    /// Connects with the TLS settings of the URL and of `environment` (libpq's variables, which
    /// sqlx reads from the process too): settings sqlx would ignore or misread are errors, and a
    /// refused server certificate is explained (see `tls_settings.rs`, `tls_refusal.rs`).
    pub async fn connect_with(
        url: &str,
        environment: &TlsEnvironment,
        max_connections: u32,
        connect_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(StoreError::BadUrl)?;
        let settings = tls_settings::check(url, environment)?;
        let options = options.ssl_mode(settings.mode);
        first_contact(&options, connect_timeout).await?;
        let connected = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(connect_timeout)
            .connect_with(options.clone())
            .await;
        match connected {
            Ok(pool) => Ok(Store { pool }),
            Err(source) => {
                let (host, port) = (options.get_host(), options.get_port());
                let target = describe_url(url);
                match tls_refusal::explain(&source, &settings, host, port, connect_timeout).await {
                    Some(problem) => Err(StoreError::Tls { target, problem }),
                    None => Err(StoreError::Connect { target, source }),
                }
            }
        }
    }

    pub fn from_pool(pool: PgPool) -> Store {
        Store { pool }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Applies pending migrations and refreshes the control catalogue.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        self.upsert_controls().await
    }

    async fn upsert_controls(&self) -> Result<(), StoreError> {
        let ids: Vec<&str> = ControlId::ALL.iter().map(|c| c.as_str()).collect();
        let titles: Vec<&str> = ControlId::ALL.iter().map(|c| c.title()).collect();
        let severities: Vec<&str> = ControlId::ALL
            .iter()
            .map(|c| c.severity().as_str())
            .collect();
        let remediations: Vec<&str> = ControlId::ALL.iter().map(|c| c.remediation()).collect();
        let rules: Vec<&str> = ControlId::ALL.iter().map(|c| c.config_rule()).collect();
        sqlx::query(
            "INSERT INTO controls (control_id, title, severity, remediation, config_rule)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
             ON CONFLICT (control_id) DO UPDATE SET title = EXCLUDED.title,
                 severity = EXCLUDED.severity, remediation = EXCLUDED.remediation,
                 config_rule = EXCLUDED.config_rule",
        )
        .bind(&ids)
        .bind(&titles)
        .bind(&severities)
        .bind(&remediations)
        .bind(&rules)
        .execute(&self.pool)
        .await
        .map_err(query_error("upsert of the control catalogue"))?;
        Ok(())
    }
}

/// One connection, tried before the pool is built, for what the pool cannot say: the pool takes
/// a refused connection for a server starting up and retries it until `connect_timeout`, then
/// says only "pool timed out". Refused, or no answer in time, is said here, naming the address;
/// anything else (a server that answers) is left to the pool, as before.
async fn first_contact(options: &PgConnectOptions, timeout: Duration) -> Result<(), StoreError> {
    let address = format!("{}:{}", options.get_host(), options.get_port());
    let database = options
        .get_database()
        .unwrap_or("(default database)")
        .to_string();
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Ok(connection)) => {
            // Closing is a courtesy to the server; the pool opens its own connections.
            let _ = connection.close().await;
            Ok(())
        }
        Ok(Err(sqlx::Error::Io(error)))
            if error.kind() == std::io::ErrorKind::ConnectionRefused =>
        {
            Err(StoreError::Refused { address, database })
        }
        Ok(Err(_)) => Ok(()),
        Err(_) => Err(StoreError::NoAnswer {
            address,
            database,
            seconds: timeout.as_secs(),
        }),
    }
}

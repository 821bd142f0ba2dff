//! TLS to PostgreSQL as deployed, against a cluster of the test's own whose certificate comes
//! from a certificate authority of the test's own, as an Amazon RDS database's does (no root
//! built into mfa-auditor trusts it): `sslmode=verify-full` with that authority named in
//! `sslrootcert` connects over TLS; without it, or with another, the error says that the
//! certificate is not trusted, who issued it and what it was checked against.

#![allow(clippy::unwrap_used)]

use mfa_store::{Store, StoreError, TlsEnvironment};
use mfa_testkit::{PostgresCluster, TestCa};
use std::time::Duration;

const PASSWORD: &str = "s3cret-pw";

/// `url` as a deployment writes it: with a password (which no message may repeat) and these
/// parameters.
fn with(url: &str, parameters: &str) -> String {
    let url = url.replace("postgres@", &format!("postgres:{PASSWORD}@"));
    format!("{url}?{parameters}")
}

async fn connect(url: &str) -> Result<Store, StoreError> {
    Store::connect_with(url, &TlsEnvironment::default(), 1, Duration::from_secs(10)).await
}

/// The connection's error, checked to keep the password to itself.
async fn refusal(url: &str) -> String {
    let error = match connect(url).await {
        Ok(_) => panic!("connected with {url}"),
        Err(error) => error,
    };
    let text = error.to_string();
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(matches!(error, StoreError::Tls { .. }), "{error:?}");
    println!("{text}");
    text
}

#[tokio::test]
async fn verify_full_trusts_the_authority_named_in_sslrootcert_and_no_other() {
    let ca = TestCa::new("mfa-auditor test CA");
    let cluster = PostgresCluster::start_tls(&ca, &["localhost"]);
    let url = cluster.url_at("localhost");
    let ca_file = ca.certificate.display().to_string();

    let store = connect(&with(
        &url,
        &format!("sslmode=verify-full&sslrootcert={ca_file}"),
    ))
    .await
    .unwrap_or_else(|e| panic!("verify-full with the cluster's CA: {e}"));
    let over_tls: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(over_tls, "the connection is encrypted");

    // Without its authority: not trusted, by whom it was issued, and what to do.
    let text = refusal(&with(&url, "sslmode=verify-full")).await;
    for expected in [
        "cannot connect to PostgreSQL at localhost:",
        "the server's certificate is not trusted",
        &format!("issued by \"CN={},O=mfa-auditor tests\"", ca.common_name),
        "built into mfa-auditor",
        "no sslrootcert was given",
        "sslrootcert=/path/to/ca.pem",
        "PGSSLROOTCERT",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }

    // With another authority: the same, and the file it was checked against.
    let other = TestCa::new("another CA");
    let other_file = other.certificate.display().to_string();
    let text = refusal(&with(
        &url,
        &format!("sslmode=verify-full&sslrootcert={other_file}"),
    ))
    .await;
    for expected in [
        "the server's certificate is not trusted",
        &format!("CN={}", ca.common_name),
        &format!("neither the certificate of {other_file} (sslrootcert in the database URL)"),
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(!text.contains(&other.common_name), "{text}");

    // As libpq does, `require` verifies the authority when one is named (sqlx alone would not).
    let text = refusal(&with(
        &url,
        &format!("sslmode=require&sslrootcert={other_file}"),
    ))
    .await;
    assert!(
        text.contains("the server's certificate is not trusted"),
        "{text}"
    );
    connect(&with(
        &url,
        &format!("sslmode=require&sslrootcert={ca_file}"),
    ))
    .await
    .unwrap_or_else(|e| panic!("require with the cluster's CA: {e}"));
}

#[tokio::test]
async fn verify_full_refuses_a_certificate_that_does_not_name_the_host() {
    let ca = TestCa::new("mfa-auditor test CA");
    let cluster = PostgresCluster::start_tls(&ca, &["localhost"]);
    let ca_file = ca.certificate.display().to_string();
    // The same server by its address: the certificate names localhost only.
    let url = with(
        &cluster.url(),
        &format!("sslmode=verify-full&sslrootcert={ca_file}"),
    );
    let text = refusal(&url).await;
    for expected in [
        "the server's certificate does not name the host 127.0.0.1",
        "localhost",
        "connect by a name the certificate carries",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    // verify-ca should check the authority only; sqlx 0.8 with rustls 0.23 checks the name too,
    // and the message says so rather than blaming verify-full.
    let text = refusal(&with(
        &cluster.url(),
        &format!("sslmode=verify-ca&sslrootcert={ca_file}"),
    ))
    .await;
    assert!(
        text.contains("the PostgreSQL driver checks the name under verify-ca too"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_without_tls_is_said_to_refuse_it() {
    let ca = TestCa::new("mfa-auditor test CA");
    let cluster = PostgresCluster::start();
    let url = with(
        &cluster.url_at("localhost"),
        &format!(
            "sslmode=verify-full&sslrootcert={}",
            ca.certificate.display()
        ),
    );
    let text = refusal(&url).await;
    assert!(
        text.contains(
            "the server does not accept TLS connections, and sslmode=verify-full requires them"
        ),
        "{text}"
    );
}

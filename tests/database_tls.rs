//! The binary against a PostgreSQL cluster whose certificate comes from a certificate authority
//! of the test's own (as an Amazon RDS database's does), TLS set the libpq way, by `PGSSLMODE`
//! and `PGSSLROOTCERT`, as README's "Configuration" shows: verified with the authority, refused
//! without it with one line that says who issued the certificate, and an `sslmode` the driver
//! would have taken for `prefer` refused before connecting.

#![allow(clippy::unwrap_used)]

use mfa_testkit::{repo_root, PostgresCluster, TestCa};
use std::process::{Command, Output};

fn migrate(database_url: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-auditor"));
    command
        .current_dir(repo_root())
        .args(["--config", "config/default.toml", "migrate"])
        .env("DATABASE_URL", database_url)
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .env_remove("MFA_AUDITOR_CONFIG");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn pgsslmode_verify_full_with_pgsslrootcert_connects_and_without_it_names_the_issuer() {
    let ca = TestCa::new("mfa-auditor test CA");
    let cluster = PostgresCluster::start_tls(&ca, &["localhost"]);
    let url = cluster.url_at("localhost");
    let ca_file = ca.certificate.display().to_string();

    let verified = migrate(
        &url,
        &[("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", &ca_file)],
    );
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        text(&verified.stderr)
    );
    assert_eq!(text(&verified.stdout), "migrations applied\n");

    let refused = migrate(&url, &[("PGSSLMODE", "verify-full")]);
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    let expected = format!(
        "error: database.url from DATABASE_URL: cannot connect to PostgreSQL at \
         localhost:{}/mfa_auditor: the server's \
         certificate is not trusted: it was issued by \"CN={},O=mfa-auditor tests\"; ",
        cluster.port, ca.common_name
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert_eq!(
        stderr.matches("not trusted").count(),
        1,
        "said once: {stderr}"
    );
}

#[test]
fn an_sslmode_the_driver_would_take_for_prefer_is_refused_before_connecting() {
    // Nothing listens there: the error comes before any connection.
    let refused = migrate(
        "postgres://postgres@127.0.0.1:1/mfa_auditor",
        &[("PGSSLMODE", "verify_full")],
    );
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: database.url from DATABASE_URL: PGSSLMODE: `verify_full` is not an sslmode: \
             give one of"
        ),
        "{stderr}"
    );
}

//! The TLS settings a connection will use, from the URL and libpq's variables (passed in, never
//! read from this process), and the settings refused before connecting.

#![allow(clippy::unwrap_used)]

use super::*;
use mfa_testkit::TestCa;

const URL: &str = "postgres://auditor:s3cret-pw@db.example.com:5432/mfa_auditor";

fn env(sslmode: Option<&str>, sslrootcert: Option<&str>) -> TlsEnvironment {
    TlsEnvironment {
        sslmode: sslmode.map(OsString::from),
        sslrootcert: sslrootcert.map(OsString::from),
    }
}

fn mode_of(url: &str, environment: &TlsEnvironment) -> &'static str {
    check(url, environment).unwrap().mode_name()
}

/// The error, checked never to show the URL's password.
fn refused(url: &str, environment: &TlsEnvironment) -> String {
    let text = check(url, environment).unwrap_err().to_string();
    assert!(!text.contains("s3cret-pw"), "{text}");
    text
}

#[test]
fn the_mode_is_the_urls_then_pgsslmode_then_prefer() {
    let none = TlsEnvironment::default();
    assert_eq!(mode_of(URL, &none), "prefer");
    assert_eq!(mode_of(URL, &env(Some("verify-full"), None)), "verify-full");
    // As sqlx reads it: case does not matter.
    assert_eq!(mode_of(URL, &env(Some("VERIFY-FULL"), None)), "verify-full");
    let url = format!("{URL}?sslmode=verify-ca");
    assert_eq!(mode_of(&url, &env(Some("disable"), None)), "verify-ca");
    let url = format!("{URL}?ssl-mode=verify-full");
    assert_eq!(mode_of(&url, &none), "verify-full");
}

#[test]
fn an_unknown_pgsslmode_is_an_error_not_prefer() {
    // sqlx alone would take it for `prefer`: TLS unverified, or no TLS at all.
    let text = refused(URL, &env(Some("verify_full"), None));
    assert!(
        text.starts_with("PGSSLMODE: `verify_full` is not an sslmode"),
        "{text}"
    );
    assert!(text.contains("verify-ca or verify-full"), "{text}");
}

#[test]
fn a_url_parameter_the_driver_would_ignore_is_an_error() {
    let text = refused(
        &format!("{URL}?ssl_mode=verify-full"),
        &TlsEnvironment::default(),
    );
    assert!(
        text.starts_with("database URL parameter `ssl_mode`: not a parameter"),
        "{text}"
    );
    assert!(text.contains("sslmode, ssl-mode, sslrootcert"), "{text}");
    let text = refused(
        &format!("{URL}?sslmode=verify-full&sslrootcrt=/ca.pem"),
        &env(None, None),
    );
    assert!(text.contains("`sslrootcrt`"), "{text}");
    // A key that does not read as a name (a password pasted there) is not repeated.
    let text = refused(
        &format!("{URL}?sslmode=disable&p4ss%2Fw0rd!"),
        &env(None, None),
    );
    assert!(
        text.starts_with("a database URL parameter: not a parameter"),
        "{text}"
    );
    assert!(!text.contains("p4ss"), "{text}");
    // What sqlx reads is accepted, `options[...]` included.
    let url = format!(
        "{URL}?sslmode=disable&application_name=mfa&options[statement_timeout]=5s&\
         statement-cache-capacity=10"
    );
    assert_eq!(mode_of(&url, &TlsEnvironment::default()), "disable");
}

#[test]
fn a_root_certificate_file_that_cannot_serve_is_named() {
    let dir = std::env::temp_dir().join(format!("mfa-store-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.pem");
    let url = format!(
        "{URL}?sslmode=verify-full&sslrootcert={}",
        missing.display()
    );
    let text = refused(&url, &TlsEnvironment::default());
    assert!(
        text.starts_with(&format!(
            "{} (sslrootcert in the database URL): cannot read the file",
            missing.display()
        )),
        "{text}"
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let text = refused(
        &format!("{URL}?sslmode=verify-full"),
        &env(None, Some(&empty.display().to_string())),
    );
    assert!(
        text.starts_with(&format!(
            "{} (PGSSLROOTCERT): holds no PEM certificate",
            empty.display()
        )),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_root_certificate_means_the_server_is_verified_as_libpq_does() {
    let ca = TestCa::new("settings test CA");
    let file = ca.certificate.display().to_string();
    let with_root = |mode: &str| format!("{URL}?sslmode={mode}&sslrootcert={file}");
    // sqlx would accept any certificate under prefer and require.
    assert_eq!(mode_of(&with_root("prefer"), &env(None, None)), "verify-ca");
    assert_eq!(
        mode_of(&with_root("require"), &env(None, None)),
        "verify-ca"
    );
    assert_eq!(
        mode_of(&with_root("verify-full"), &env(None, None)),
        "verify-full"
    );
    assert_eq!(mode_of(&with_root("disable"), &env(None, None)), "disable");
    // PGSSLROOTCERT as well, a file or the PEM text itself; the URL's file first.
    assert_eq!(mode_of(URL, &env(None, Some(&file))), "verify-ca");
    let pem = std::fs::read_to_string(&ca.certificate).unwrap();
    let settings = check(URL, &env(Some("require"), Some(&pem))).unwrap();
    assert_eq!(settings.mode_name(), "verify-ca");
    let roots = settings.roots.unwrap();
    assert_eq!(
        roots.describe(),
        "the certificate given inline in PGSSLROOTCERT"
    );
    let settings = check(&with_root("verify-full"), &env(None, Some("/nonexistent"))).unwrap();
    assert_eq!(
        settings.roots.unwrap().describe(),
        format!("the certificate of {file} (sslrootcert in the database URL)")
    );
}

//! How the connection to PostgreSQL is secured, checked before connecting: what the database URL
//! and libpq's variables (`PGSSLMODE`, `PGSSLROOTCERT`, which sqlx reads too) ask for.
//!
//! sqlx is lenient where a deployment must not be: it ignores a URL parameter it does not know
//! (`ssl_mode=verify-full` would connect without verifying anything), takes an unknown
//! `PGSSLMODE` for `prefer`, never verifies under `require` even with a root certificate (libpq
//! verifies the authority then), and reports a root certificate file it cannot read without
//! naming it. Each of these is an error here, naming the parameter, variable or file, or (for
//! `require`) the verification libpq would make.

use crate::StoreError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use sqlx::postgres::PgSslMode;
use std::ffi::OsString;
use std::path::PathBuf;
use std::str::FromStr;

/// The URL parameters sqlx 0.8 reads (sqlx-postgres, `options/parse.rs`), besides `options[..]`.
const KNOWN_PARAMETERS: &[&str] = &[
    "sslmode",
    "ssl-mode",
    "sslrootcert",
    "ssl-root-cert",
    "ssl-ca",
    "sslcert",
    "ssl-cert",
    "sslkey",
    "ssl-key",
    "statement-cache-capacity",
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "application_name",
    "options",
];

const ROOT_CERT_PARAMETERS: &[&str] = &["sslrootcert", "ssl-root-cert", "ssl-ca"];

const MODES: &str = "disable, allow, prefer, require, verify-ca or verify-full";

/// libpq's variables of TLS, as the process has them: sqlx reads them when the URL does not say.
#[derive(Debug, Default, Clone)]
pub struct TlsEnvironment {
    pub sslmode: Option<OsString>,
    pub sslrootcert: Option<OsString>,
}

impl TlsEnvironment {
    /// `PGSSLMODE` and `PGSSLROOTCERT` of this process: the values sqlx will read.
    pub fn of_process() -> TlsEnvironment {
        TlsEnvironment {
            sslmode: std::env::var_os("PGSSLMODE"),
            sslrootcert: std::env::var_os("PGSSLROOTCERT"),
        }
    }
}

/// The certificate authorities given with `sslrootcert` (or `PGSSLROOTCERT`), read and checked.
#[derive(Debug, Clone)]
pub(crate) struct RootCertificates {
    /// Where they were named: "sslrootcert in the database URL" or "PGSSLROOTCERT".
    pub origin: &'static str,
    /// The file, or `None` for a certificate given inline in `PGSSLROOTCERT`.
    pub path: Option<PathBuf>,
    pub certificates: Vec<CertificateDer<'static>>,
}

impl RootCertificates {
    /// "the 2 certificates of /etc/ssl/rds.pem (sslrootcert in the database URL)".
    pub fn describe(&self) -> String {
        let count = match self.certificates.len() {
            1 => "the certificate".to_string(),
            n => format!("the {n} certificates"),
        };
        match &self.path {
            Some(path) => format!("{count} of {} ({})", path.display(), self.origin),
            None => format!("{count} given inline in {}", self.origin),
        }
    }
}

/// What a connection will check of the server, once the URL and the environment are read.
#[derive(Debug, Clone)]
pub(crate) struct TlsSettings {
    pub mode: PgSslMode,
    pub roots: Option<RootCertificates>,
}

impl TlsSettings {
    pub fn mode_name(&self) -> &'static str {
        mode_name(self.mode)
    }
}

fn mode_name(mode: PgSslMode) -> &'static str {
    match mode {
        PgSslMode::Disable => "disable",
        PgSslMode::Allow => "allow",
        PgSslMode::Prefer => "prefer",
        PgSslMode::Require => "require",
        PgSslMode::VerifyCa => "verify-ca",
        PgSslMode::VerifyFull => "verify-full",
    }
}

fn setting(setting: impl Into<String>, problem: impl Into<String>) -> StoreError {
    StoreError::Setting {
        setting: setting.into(),
        problem: problem.into(),
    }
}

/// Checks the URL's parameters and libpq's variables; the TLS a connection will use. The URL
/// has already been parsed by sqlx (so it is a valid URL with a valid `sslmode`, if any).
pub(crate) fn check(url: &str, environment: &TlsEnvironment) -> Result<TlsSettings, StoreError> {
    let parsed = url::Url::parse(url).map_err(|e| setting("database URL", e.to_string()))?;
    let mut url_mode = None;
    let mut url_root = None;
    for (key, value) in parsed.query_pairs() {
        let known = KNOWN_PARAMETERS.contains(&key.as_ref())
            || (key.starts_with("options[") && key.ends_with(']'));
        if !known {
            return Err(unknown_parameter(&key));
        }
        if key == "sslmode" || key == "ssl-mode" {
            url_mode = Some(value.to_string());
        } else if ROOT_CERT_PARAMETERS.contains(&key.as_ref()) {
            url_root = Some(value.to_string());
        }
    }
    let mode = match (url_mode, &environment.sslmode) {
        (Some(mode), _) => parse_mode(&mode, "database URL parameter `sslmode`")?,
        (None, Some(variable)) => {
            let text = variable.to_str().ok_or_else(|| {
                setting("PGSSLMODE", format!("not valid UTF-8; give one of {MODES}"))
            })?;
            parse_mode(text, "PGSSLMODE")?
        }
        (None, None) => PgSslMode::Prefer,
    };
    let roots = match (url_root, &environment.sslrootcert) {
        (Some(path), _) => Some(read_roots(
            Some(PathBuf::from(path)),
            None,
            "sslrootcert in the database URL",
        )?),
        (None, Some(variable)) => Some(roots_of_variable(variable)?),
        (None, None) => None,
    };
    Ok(TlsSettings {
        mode: with_roots(mode, roots.is_some()),
        roots,
    })
}

/// A URL parameter sqlx would ignore. The key is shown only if it reads as a parameter's name:
/// a password pasted into the query string by mistake must not reach a log.
fn unknown_parameter(key: &str) -> StoreError {
    let reads_as_a_name = key.len() <= 40
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-[].".contains(c));
    let shown = if reads_as_a_name {
        format!("database URL parameter `{key}`")
    } else {
        "a database URL parameter".to_string()
    };
    setting(
        shown,
        format!(
            "not a parameter mfa-auditor knows, and the PostgreSQL driver would ignore it (a \
             misspelt sslmode would connect without verifying the server); known parameters: {}",
            KNOWN_PARAMETERS.join(", ")
        ),
    )
}

fn parse_mode(text: &str, origin: &str) -> Result<PgSslMode, StoreError> {
    PgSslMode::from_str(text).map_err(|_| {
        setting(
            origin,
            format!("`{text}` is not an sslmode: give one of {MODES} (verify-full for a server across a network)"),
        )
    })
}

/// As libpq does: a root certificate given means the server's certificate is verified against
/// it whenever TLS is used. sqlx would accept any certificate under `prefer` and `require`.
fn with_roots(mode: PgSslMode, roots_given: bool) -> PgSslMode {
    match mode {
        PgSslMode::Prefer | PgSslMode::Require if roots_given => PgSslMode::VerifyCa,
        mode => mode,
    }
}

/// `PGSSLROOTCERT` names a file, or (as sqlx reads it) holds the PEM text itself.
fn roots_of_variable(variable: &OsString) -> Result<RootCertificates, StoreError> {
    match variable.to_str() {
        Some(text) if text.trim().starts_with("-----BEGIN") && text.trim().ends_with("-----") => {
            read_roots(None, Some(text.as_bytes().to_vec()), "PGSSLROOTCERT")
        }
        Some(text) => read_roots(Some(PathBuf::from(text)), None, "PGSSLROOTCERT"),
        None => Err(setting(
            "PGSSLROOTCERT",
            "not valid UTF-8: the PostgreSQL driver cannot read it",
        )),
    }
}

/// Reads the certificate authorities of a file (or inline text): at least one, each a
/// certificate rustls accepts as a root.
fn read_roots(
    path: Option<PathBuf>,
    inline: Option<Vec<u8>>,
    origin: &'static str,
) -> Result<RootCertificates, StoreError> {
    let name = match &path {
        Some(path) => format!("{} ({origin})", path.display()),
        None => origin.to_string(),
    };
    let pem = match (&path, inline) {
        (_, Some(pem)) => pem,
        (Some(path), None) => std::fs::read(path)
            .map_err(|e| setting(name.clone(), format!("cannot read the file: {e}")))?,
        (None, None) => Vec::new(),
    };
    let mut certificates = Vec::new();
    for (index, certificate) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let certificate = certificate.map_err(|e| {
            setting(
                name.clone(),
                format!("certificate {} is not valid PEM: {e}", index + 1),
            )
        })?;
        let mut store = rustls::RootCertStore::empty();
        store.add(certificate.clone()).map_err(|e| {
            setting(
                name.clone(),
                format!(
                    "certificate {} is not a certificate authority rustls accepts: {e}",
                    index + 1
                ),
            )
        })?;
        certificates.push(certificate);
    }
    if certificates.is_empty() {
        return Err(setting(
            name,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----): name the file of the \
             certificate authority that issued the server's certificate",
        ));
    }
    Ok(RootCertificates {
        origin,
        path,
        certificates,
    })
}

#[cfg(test)]
mod tests;

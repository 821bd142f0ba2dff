//! HTTP Basic authentication for `GET /report`: the page lists every identity without MFA, so
//! only whoever holds the configured user and password reads it. What a request sends is
//! compared as SHA-256 digests, in constant time: the time taken tells neither how much of the
//! user or password matched nor how long the password is. A refusal never carries what was
//! sent.

use crate::config::ReportAccess;
use axum::http::HeaderValue;
use base64::Engine;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// What `401` answers carry: the browser asks for a user and password, in UTF-8 (RFC 7617).
pub const CHALLENGE: &str = "Basic realm=\"mfa-auditor report\", charset=\"UTF-8\"";

/// Why a request was refused: the `reason` label of `mfa_auditor_report_unauthorized_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header.
    Missing,
    /// One that is not `Basic` with base64 of `user:password`.
    Malformed,
    /// A user and password that are not the configured ones.
    Wrong,
}

impl Refusal {
    pub const ALL: [Refusal; 3] = [Refusal::Missing, Refusal::Malformed, Refusal::Wrong];

    pub fn label(self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Malformed => "malformed",
            Refusal::Wrong => "wrong",
        }
    }
}

/// The credentials `/report` accepts, kept as digests only.
pub struct BasicAuth {
    user: [u8; 32],
    password: [u8; 32],
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A digest of a password is enough to test guesses against offline.
        f.write_str("BasicAuth([redacted])")
    }
}

impl BasicAuth {
    pub fn new(access: &ReportAccess) -> BasicAuth {
        BasicAuth {
            user: digest(access.user.as_bytes()),
            password: digest(access.password.expose_secret().as_bytes()),
        }
    }

    /// Whether the request's `Authorization` header holds the configured user and password.
    pub fn check(&self, authorization: Option<&HeaderValue>) -> Result<(), Refusal> {
        let header = authorization.ok_or(Refusal::Missing)?;
        let (user, password) = basic_credentials(header.as_bytes()).ok_or(Refusal::Malformed)?;
        // Both compared whatever the first says: no early exit to time.
        let same = digest(&user).ct_eq(&self.user) & digest(&password).ct_eq(&self.password);
        if bool::from(same) {
            Ok(())
        } else {
            Err(Refusal::Wrong)
        }
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// `Basic <base64 of user:password>` as the user and password (split at the first colon, as
/// RFC 7617 says: a user-id holds none). The scheme is case-insensitive.
fn basic_credentials(header: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let text = std::str::from_utf8(header).ok()?.trim();
    let (scheme, encoded) = text.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let colon = decoded.iter().position(|&b| b == b':')?;
    Some((decoded[..colon].to_vec(), decoded[colon + 1..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    const PASSWORD: &str = "correct horse: battery staple";

    fn auth() -> BasicAuth {
        BasicAuth::new(&ReportAccess {
            user: "auditor".to_string(),
            password: SecretString::from(PASSWORD.to_string()),
        })
    }

    fn header(scheme: &str, credentials: &str) -> HeaderValue {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        HeaderValue::from_str(&format!("{scheme} {encoded}")).expect("a header value")
    }

    #[test]
    fn only_the_configured_user_and_password_pass() {
        let auth = auth();
        let right = format!("auditor:{PASSWORD}");
        assert_eq!(auth.check(Some(&header("Basic", &right))), Ok(()));
        assert_eq!(auth.check(Some(&header("basic", &right))), Ok(()));
        for wrong in [
            format!("auditor:{PASSWORD}x"),
            format!("auditor:{}", &PASSWORD[..PASSWORD.len() - 1]),
            format!("Auditor:{PASSWORD}"),
            format!("auditorx:{PASSWORD}"),
            "auditor:".to_string(),
            format!(":{PASSWORD}"),
            // The password's own colon stays in the password.
            "auditor:correct horse".to_string(),
        ] {
            assert_eq!(
                auth.check(Some(&header("Basic", &wrong))),
                Err(Refusal::Wrong),
                "{wrong}"
            );
        }
    }

    #[test]
    fn what_is_not_basic_credentials_is_malformed_and_nothing_is_missing() {
        let auth = auth();
        assert_eq!(auth.check(None), Err(Refusal::Missing));
        let right = format!("auditor:{PASSWORD}");
        for malformed in [
            header("Bearer", &right),
            header("Basic", "no colon at all"),
            HeaderValue::from_static("Basic not-base64!"),
            HeaderValue::from_static("Basic"),
            HeaderValue::from_static(""),
        ] {
            assert_eq!(
                auth.check(Some(&malformed)),
                Err(Refusal::Malformed),
                "{malformed:?}"
            );
        }
    }

    #[test]
    fn the_credentials_never_print() {
        let printed = format!("{:?}", auth());
        assert_eq!(printed, "BasicAuth([redacted])");
    }
}

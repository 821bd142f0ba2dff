//! A server certificate the connection refused, explained: who issued it and what it was checked
//! against, so that the reader knows which certificate authority to name with `sslrootcert`.
//!
//! rustls says only `UnknownIssuer`. To say who the issuer is, the certificate chain the server
//! presents is read again over a second handshake that records it and then gives up: nothing is
//! sent over it, and it is made only after the first one failed.

use crate::tls_settings::TlsSettings;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use sqlx::postgres::PgSslMode;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use x509_cert::der::Decode;

/// The PostgreSQL `SSLRequest` message: length 8, then the code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Where to find the certificate authority of an Amazon RDS or Aurora database.
const RDS_HINT: &str = "for Amazon RDS and Aurora, the bundle of the database's region, \
     https://truststore.pki.rds.amazonaws.com/REGION/REGION-bundle.pem, or of every region, \
     https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem";

/// What a refused connection was refused for, in words, when TLS is why; `None` otherwise.
pub(crate) async fn explain(
    error: &sqlx::Error,
    settings: &TlsSettings,
    host: &str,
    port: u16,
    timeout: Duration,
) -> Option<String> {
    if let sqlx::Error::Tls(inner) = error {
        // sqlx's own words when the server answers the SSLRequest with "N".
        if inner.to_string().contains("server does not support TLS") {
            return Some(format!(
                "the server does not accept TLS connections, and sslmode={} requires them",
                settings.mode_name()
            ));
        }
    }
    let refusal = rustls_error(error)?;
    Some(match refusal {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            let owned = host.to_string();
            let chain = tokio::task::spawn_blocking(move || presented_chain(&owned, port, timeout))
                .await
                .unwrap_or_else(|e| Err(format!("the reading stopped: {e}")));
            untrusted(settings, host, chain)
        }
        rustls::Error::InvalidCertificate(
            problem @ (CertificateError::NotValidForName
            | CertificateError::NotValidForNameContext { .. }),
        ) => format!(
            "the server's certificate does not name the host {host}: {problem}; connect by a name \
             the certificate carries (for Amazon RDS, the instance's endpoint, not an address or \
             an alias of it){}",
            if matches!(settings.mode, PgSslMode::VerifyCa) {
                // sqlx 0.8 lets verify-ca skip rustls's `NotValidForName` only, and rustls 0.23
                // reports `NotValidForNameContext`: the name is checked under verify-ca too.
                " (the PostgreSQL driver checks the name under verify-ca too)"
            } else {
                ""
            }
        ),
        rustls::Error::InvalidCertificate(problem) => {
            format!("the server's certificate was refused: {problem}")
        }
        other => format!("the TLS handshake with the server failed: {other}"),
    })
}

/// The rustls error under a failed connection, if TLS is what failed.
fn rustls_error(error: &sqlx::Error) -> Option<&rustls::Error> {
    match error {
        sqlx::Error::Io(io) => io.get_ref()?.downcast_ref::<rustls::Error>(),
        sqlx::Error::Tls(inner) => inner.downcast_ref::<rustls::Error>(),
        _ => None,
    }
}

/// The message for a certificate no trusted authority issued: by whom it was issued, and
/// against what it was checked.
fn untrusted(
    settings: &TlsSettings,
    host: &str,
    chain: Result<Vec<CertificateDer<'static>>, String>,
) -> String {
    let issuer = match chain.and_then(|chain| issuers(&chain)) {
        Ok((issuer, None)) => format!("it was issued by \"{issuer}\""),
        Ok((issuer, Some(root))) => {
            format!("it was issued by \"{issuer}\", whose chain ends at \"{root}\"")
        }
        Err(problem) => format!("its issuer could not be read ({problem})"),
    };
    let trusted = match &settings.roots {
        Some(roots) => format!(
            "neither {} nor the certificate authorities built into mfa-auditor (Mozilla's, as \
             sqlx bundles them) include it: name the file of the authority that issued it \
             instead",
            roots.describe()
        ),
        None => "the certificate authorities built into mfa-auditor (Mozilla's, as sqlx bundles \
                 them) do not include it, and no sslrootcert was given: name the file of the \
                 authority that issued it with sslrootcert=/path/to/ca.pem in the database URL, \
                 or PGSSLROOTCERT"
            .to_string(),
    };
    let mut message = format!("the server's certificate is not trusted: {issuer}; {trusted}");
    if issuer.contains("Amazon RDS") || host.contains(".rds.amazonaws.com") {
        message.push_str(&format!(" ({RDS_HINT})"));
    }
    message
}

/// The issuer of the server's certificate and, for a longer chain, the issuer at its top.
fn issuers(chain: &[CertificateDer<'static>]) -> Result<(String, Option<String>), String> {
    let issuer_of = |der: &CertificateDer<'static>| {
        x509_cert::Certificate::from_der(der.as_ref())
            .map(|c| c.tbs_certificate.issuer.to_string())
            .map_err(|e| format!("a certificate the server sent is not valid DER: {e}"))
    };
    let leaf = chain
        .first()
        .ok_or_else(|| "the server sent no certificate".to_string())?;
    let top = match chain.last() {
        Some(last) if chain.len() > 1 => Some(issuer_of(last)?),
        _ => None,
    };
    Ok((issuer_of(leaf)?, top))
}

/// The certificates the server presents, read over a handshake that stops once it has them.
fn presented_chain(
    host: &str,
    port: u16,
    timeout: Duration,
) -> Result<Vec<CertificateDer<'static>>, String> {
    let address = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .find_map(|address| TcpStream::connect_timeout(&address, timeout).ok());
    let mut stream = address.ok_or_else(|| format!("cannot reach {host}:{port} again"))?;
    let io = |e: std::io::Error| format!("reading the certificate: {e}");
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    stream.write_all(&SSL_REQUEST).map_err(io)?;
    let mut answer = [0u8];
    stream.read_exact(&mut answer).map_err(io)?;
    if answer[0] != b'S' {
        return Err("the server no longer offers TLS".to_string());
    }
    let recorder = Arc::new(Recorder {
        provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        chain: Mutex::new(Vec::new()),
    });
    let config = rustls::ClientConfig::builder_with_provider(recorder.provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(recorder.clone())
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let mut connection =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    while connection.is_handshaking() {
        // Ends in the recorder's refusal, once it has the chain.
        if connection.complete_io(&mut stream).is_err() {
            break;
        }
    }
    let chain = std::mem::take(&mut *recorder.chain.lock().map_err(|e| e.to_string())?);
    Ok(chain)
}

/// A verifier that keeps the chain it is shown and refuses it: the handshake ends there.
#[derive(Debug)]
struct Recorder {
    provider: Arc<CryptoProvider>,
    chain: Mutex<Vec<CertificateDer<'static>>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut chain) = self.chain.lock() {
            chain.push(end_entity.clone().into_owned());
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        Err(rustls::Error::General("certificate chain recorded".into()))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

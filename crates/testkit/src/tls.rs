//! Certificate authorities of a test's own, made with `openssl` (on the machine as PostgreSQL's
//! own TLS needs it): a CA, and server certificates it issues for the names a test chooses, so
//! that a PostgreSQL cluster can present a certificate no built-in root trusts, as Amazon RDS's
//! does.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A certificate authority in a directory of its own, removed when dropped.
#[derive(Debug)]
pub struct TestCa {
    dir: PathBuf,
    /// The CA's certificate (PEM): what `sslrootcert` names.
    pub certificate: PathBuf,
    key: PathBuf,
    /// The CA's common name, which a message about it should show.
    pub common_name: String,
}

/// A server certificate and its key (PEM), issued by a [`TestCa`].
#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (apt-get install openssl): {e}"));
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The options of an EC P-256 key: quick to make, and every TLS stack accepts it.
const EC_KEY: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

impl TestCa {
    /// A new CA named `common_name` (made unique per process, so that two tests' CAs differ).
    pub fn new(common_name: &str) -> TestCa {
        let dir = std::env::temp_dir().join(crate::unique("mfa-auditor-ca"));
        std::fs::create_dir_all(&dir).unwrap();
        let common_name = format!("{common_name} {}", std::process::id());
        let subject = format!("/O=mfa-auditor tests/CN={common_name}");
        let mut args = vec!["req", "-x509", "-nodes", "-days", "2"];
        args.extend(EC_KEY);
        args.extend([
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            &subject,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        openssl(&dir, &args);
        TestCa {
            certificate: dir.join("ca.crt"),
            key: dir.join("ca.key"),
            dir,
            common_name,
        }
    }

    /// A server certificate for these DNS names (its subject alternative names), issued by this
    /// CA, written under `dir` as `server.crt` and `server.key`.
    pub fn issue(&self, dns_names: &[&str], dir: &Path) -> ServerCertificate {
        let names: Vec<String> = dns_names.iter().map(|n| format!("DNS:{n}")).collect();
        let extensions = format!(
            "subjectAltName={}\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
            names.join(",")
        );
        let extfile = self.dir.join(crate::unique("server.ext"));
        std::fs::write(&extfile, extensions).unwrap();
        let (certificate, key) = (dir.join("server.crt"), dir.join("server.key"));
        let csr = self.dir.join(crate::unique("server.csr"));
        let subject = format!("/CN={}", dns_names.first().copied().unwrap_or("server"));
        let mut args = vec!["req", "-new", "-nodes"];
        args.extend(EC_KEY);
        let (key_text, csr_text) = (key.display().to_string(), csr.display().to_string());
        args.extend(["-keyout", &key_text, "-out", &csr_text, "-subj", &subject]);
        openssl(&self.dir, &args);
        let (ca, ca_key) = (
            self.certificate.display().to_string(),
            self.key.display().to_string(),
        );
        let (certificate_text, extfile_text) = (
            certificate.display().to_string(),
            extfile.display().to_string(),
        );
        openssl(
            &self.dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr_text,
                "-CA",
                &ca,
                "-CAkey",
                &ca_key,
                "-CAcreateserial",
                "-days",
                "2",
                "-out",
                &certificate_text,
                "-extfile",
                &extfile_text,
            ],
        );
        ServerCertificate { certificate, key }
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! Test support, used only by tests: starts the project's AWS emulator (`tests/emulator`) on a
//! free loopback port, seeds the demo organization into it, and creates scratch databases;
//! `postgres.rs` runs a PostgreSQL cluster of a test's own (with TLS from a certificate authority
//! of `tls.rs`, if asked).
//!
//! Every test gets its own emulator process and its own database, so tests share nothing. The
//! services are started by `scripts/test`; a test run without them fails with a message that
//! says so, rather than passing vacuously.

#![allow(clippy::unwrap_used)] // test support: a failure here is a failed test, said loudly

mod postgres;
mod tls;
pub use postgres::PostgresCluster;
pub use tls::{ServerCertificate, TestCa};
mod validators;
pub use validators::validator;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

/// The repository's root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The Python with the emulator's requirements (scripts set `MFA_AUDITOR_PYTHON`).
pub fn python() -> String {
    std::env::var("MFA_AUDITOR_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The emulator accepts any credentials; these keep the SDK's default chain away from real ones.
pub fn use_emulator_credentials() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Same values from every test, set once before any SDK client exists.
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::remove_var("AWS_PROFILE");
        std::env::remove_var("AWS_SESSION_TOKEN");
    });
}

/// One emulator process, stopped when dropped.
#[derive(Debug)]
pub struct Emulator {
    child: Child,
    pub endpoint: String,
    port: u16,
    log: PathBuf,
}

impl Emulator {
    pub fn start() -> Emulator {
        use_emulator_credentials();
        let dir = std::env::temp_dir();
        let port_file = dir.join(unique("mfa_emulator_port"));
        let log = dir.join(unique("mfa_emulator_log"));
        let child = Command::new(python())
            .arg(repo_root().join("tests/emulator/mfa_emulator.py"))
            .args(["--port", "0", "--port-file"])
            .arg(&port_file)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the emulator with {}: {e}; run scripts/test",
                    python()
                )
            });
        let mut emulator = Emulator {
            child,
            endpoint: String::new(),
            port: 0,
            log,
        };
        let started = Instant::now();
        loop {
            if let Ok(text) = std::fs::read_to_string(&port_file) {
                if let Ok(port) = text.trim().parse::<u16>() {
                    emulator.port = port;
                    break;
                }
            }
            if let Ok(Some(status)) = emulator.child.try_wait() {
                panic!(
                    "the emulator exited ({status}); is moto installed? run scripts/test\n{}",
                    std::fs::read_to_string(&emulator.log).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the emulator did not start in 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_file(&port_file);
        emulator.endpoint = format!("http://127.0.0.1:{}", emulator.port);
        emulator
    }

    /// Seeds the demo organization; returns the seeder's expected results.
    pub fn seed(&self) -> Value {
        self.seed_scaled(0)
    }

    /// Seeds the demo organization grown to `accounts` accounts.
    pub fn seed_scaled(&self, accounts: usize) -> Value {
        self.seed_with(&["--scale", &accounts.to_string()])
    }

    /// Seeds the demo organization with the audit roles requiring this ExternalId.
    pub fn seed_with_external_id(&self, external_id: &str) -> Value {
        self.seed_with(&["--external-id", external_id])
    }

    fn seed_with(&self, args: &[&str]) -> Value {
        let expected = std::env::temp_dir().join(unique("mfa_expected"));
        let output = Command::new(python())
            .arg(repo_root().join("tests/emulator/seed.py"))
            .args(["--endpoint", &self.endpoint])
            .args(args)
            .arg("--expected")
            .arg(&expected)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "seeding failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let value = serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
        let _ = std::fs::remove_file(&expected);
        value
    }

    /// Replaces the emulator's fault set (see `tests/emulator/mfa_emulator.py`).
    pub fn set_faults(&self, faults: Value) {
        self.http("POST", "/_mfa_ext/faults", &faults.to_string());
    }

    /// Changes IAM users in one account (see `tests/emulator/change_users.py`), e.g.
    /// `[{"delete_user": "ci"}, {"create_user": "new", "kind": "console_none"}]`.
    pub fn change_users(&self, account_id: &str, changes: Value) {
        let output = Command::new(python())
            .arg(repo_root().join("tests/emulator/change_users.py"))
            .args(["--endpoint", &self.endpoint, "--account", account_id])
            .args(["--changes", &changes.to_string()])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "changing users failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Centralized root access as `iam:ListOrganizationsFeatures` answers it: trusted access for
    /// IAM, and the enabled features (`RootCredentialsManagement`, `RootSessions`).
    pub fn set_organization_features(&self, trusted_access: bool, features: &[&str]) {
        let body = serde_json::json!({"trusted_access": trusted_access, "features": features});
        self.http("POST", "/_mfa_ext/organization-features", &body.to_string());
    }

    /// Sets an account's root-user state: `{"password_present", "access_keys_present",
    /// "virtual_mfa", "hardware_mfa"}`.
    pub fn set_root_state(&self, account_id: &str, mut state: Value) {
        state["account_id"] = account_id.into();
        self.http("POST", "/_mfa_ext/root", &state.to_string());
    }

    /// The emulator's request log: service, operation, account, region, status per request.
    pub fn requests(&self) -> Vec<Value> {
        let body = self.http("GET", "/_mfa_ext/requests", "");
        serde_json::from_str(&body).unwrap()
    }

    /// Every access key id, secret key and session token the emulator's AssumeRole issued.
    pub fn issued_credentials(&self) -> Vec<String> {
        serde_json::from_str(&self.http("GET", "/_mfa_ext/issued-credentials", "")).unwrap()
    }

    pub fn clear_requests(&self) {
        self.http("POST", "/_mfa_ext/requests/clear", "");
    }

    fn http(&self, method: &str, path: &str, body: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        assert!(head.contains(" 200 "), "{method} {path}: {head}");
        body.to_string()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `DATABASE_URL` of a server where tests may create databases (scripts/test starts one).
pub fn admin_database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!("DATABASE_URL is not set: run the suite with scripts/test, which starts PostgreSQL")
    })
}

/// Creates an empty, uniquely named database on the test server; returns its URL.
pub async fn fresh_database() -> String {
    use sqlx::Connection;
    let admin = admin_database_url();
    let name = unique("mfa_test");
    let mut connection = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Runs `sql` (every column cast to text) on the database at `url`: rows of cells, `None` for
/// NULL. For tests that look at the tables directly.
pub async fn query_text(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    use sqlx::{Connection, Row};
    let mut connection = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(sql).fetch_all(&mut connection).await.unwrap();
    rows.iter()
        .map(|row| {
            (0..row.columns().len())
                .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                .collect()
        })
        .collect()
}

/// A TCP relay on loopback in front of a server, which a test takes down and brings back. Seen
/// from the client, `down` is the server stopping (open connections reset, new ones refused
/// at once) and `up` is it starting again, without disturbing other tests that share the
/// server.
#[derive(Debug)]
pub struct TcpRelay {
    pub port: u16,
    state: std::sync::Arc<RelayState>,
}

#[derive(Debug)]
struct RelayState {
    up: std::sync::atomic::AtomicBool,
    open: std::sync::Mutex<Vec<TcpStream>>,
}

impl TcpRelay {
    /// Relays a free loopback port to `target` (`host:port`).
    pub fn start(target: &str) -> TcpRelay {
        use std::sync::atomic::AtomicBool;
        use std::sync::{Arc, Mutex};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(RelayState {
            up: AtomicBool::new(true),
            open: Mutex::new(Vec::new()),
        });
        let relay_state = state.clone();
        let target = target.to_string();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !relay_state.up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(std::net::Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let mut open = relay_state.open.lock().unwrap();
                open.push(client.try_clone().unwrap());
                open.push(server.try_clone().unwrap());
                drop(open);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                        let _ = from.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        TcpRelay { port, state }
    }

    /// Resets every open connection and refuses new ones until [`TcpRelay::up`].
    pub fn down(&self) {
        self.state.up.store(false, Ordering::SeqCst);
        for stream in self.state.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    pub fn up(&self) {
        self.state.up.store(true, Ordering::SeqCst);
    }

    /// `url` (a `postgres://` URL) with its host and port replaced by this relay's.
    pub fn url_for(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority
            .rsplit_once('@')
            .map(|(user, _)| format!("{user}@"))
            .unwrap_or_default();
        format!("{scheme}://{user}127.0.0.1:{}/{path}", self.port)
    }

    /// `host:port` of a `postgres://` URL, for [`TcpRelay::start`].
    pub fn target_of(url: &str) -> String {
        let rest = url.split_once("://").unwrap().1;
        let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host_port.contains(':') {
            host_port.to_string()
        } else {
            format!("{host_port}:5432")
        }
    }
}

impl Drop for TcpRelay {
    fn drop(&mut self) {
        self.down();
    }
}

//! The project's AWS emulator (`tests/emulator`): one process per test on a free loopback port,
//! seeded with the demo organization, stopped when dropped.

use crate::{python, repo_root, unique};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

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

//! Test support, used only by tests: the project's AWS emulator (`emulator.rs`), scratch
//! databases on the test server (`databases.rs`), a TCP relay that plays a database restart
//! (`relay.rs`), a PostgreSQL cluster of a test's own (`postgres.rs`, with TLS from a
//! certificate authority of `tls.rs`, if asked) and where the command-line validators are (`validators.rs`: hadolint,
//! kubernetes-validate, promtool).
//! This file holds what they share: where the repository and its Python are, unique names.
//!
//! Every test gets its own emulator process and its own database, so tests share nothing. The
//! services are started by `scripts/test`; a test run without them fails with a message that
//! says so, rather than passing vacuously.

#![allow(clippy::unwrap_used)] // test support: a failure here is a failed test, said loudly

mod databases;
mod emulator;
mod postgres;
mod relay;
mod tls;
mod validators;

pub use databases::{admin_database_url, fresh_database, query_text};
pub use emulator::{use_emulator_credentials, Emulator};
pub use postgres::PostgresCluster;
pub use relay::TcpRelay;
pub use tls::{ServerCertificate, TestCa};
pub use validators::validator;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

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

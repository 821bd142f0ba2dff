//! The README's first command, `scripts/demo`, as a person runs it (its own PostgreSQL, not the
//! suite's): without `--keep` it stops what it started and says that it removed its database;
//! with `--keep` it leaves PostgreSQL and the emulator running for a security lead to query, and
//! prints the `psql` URL, the `mfa-auditor` command line for them and how to stop them, which
//! `scripts/demo --stop` does.

#![allow(clippy::unwrap_used)]

use mfa_testkit::{query_text, repo_root, TcpRelay};
use std::process::{Command, Output};

fn demo(args: &[&str]) -> Output {
    Command::new(repo_root().join("scripts/demo"))
        .current_dir(repo_root())
        .args(args)
        // The demo's own cluster, as on a fresh machine, not the suite's server.
        .env_remove("DATABASE_URL")
        .env_remove("MFA_AUDITOR_CONFIG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whatever the test's outcome, a demo it kept is stopped.
struct StopOnDrop;

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        let _ = demo(&["--stop"]);
    }
}

/// The line after `heading` in the demo's closing words, trimmed.
fn line_after<'a>(stdout: &'a str, heading: &str) -> &'a str {
    let mut lines = stdout.lines();
    lines
        .find(|line| line.starts_with(heading))
        .unwrap_or_else(|| panic!("{heading:?} in {stdout}"));
    lines.next().unwrap().trim()
}

#[tokio::test]
async fn the_demo_removes_its_database_unless_kept_and_kept_it_can_be_queried_then_stopped() {
    let kept_state = repo_root().join(".scratch/demo-kept.sh");
    let _stop = StopOnDrop;

    let plain = demo(&[]);
    let stderr = text(&plain.stderr);
    assert_eq!(plain.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("stopped PostgreSQL and the emulator, and removed the demo's database"),
        "{stderr}"
    );
    assert!(!text(&plain.stdout).contains("psql"));
    assert!(!kept_state.exists());

    let kept = demo(&["--keep"]);
    let (stdout, stderr) = (text(&kept.stdout), text(&kept.stderr));
    assert_eq!(kept.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("removed the demo's database"), "{stderr}");
    let psql = line_after(&stdout, "The history, in SQL");
    let url = psql
        .strip_prefix("psql '")
        .and_then(|u| u.strip_suffix('\''))
        .unwrap_or_else(|| panic!("a psql command: {psql}"));
    // A security lead's question, on the demo's history.
    let failing = query_text(
        url,
        "SELECT count(*)::text FROM current_findings WHERE status = 'FAILED'",
    )
    .await;
    let failing: u32 = failing[0][0].as_deref().unwrap().parse().unwrap();
    assert!(failing > 0, "the demo's failures are there to query");
    // The command line it prints runs mfa-auditor against them, from anywhere.
    let command = line_after(&stdout, "mfa-auditor against it");
    let report = Command::new("sh")
        .args(["-c", command])
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    assert!(text(&report.stdout).starts_with("MFA audit, sweep "));
    assert_eq!(
        line_after(&stdout, "To stop PostgreSQL and the emulator"),
        "scripts/demo --stop"
    );

    let stopped = demo(&["--stop"]);
    let stderr = text(&stopped.stderr);
    assert_eq!(stopped.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped the emulator"), "{stderr}");
    assert!(
        stderr.contains("stopped PostgreSQL and removed the demo's database"),
        "{stderr}"
    );
    assert!(!kept_state.exists());
    assert!(
        std::net::TcpStream::connect(TcpRelay::target_of(url)).is_err(),
        "PostgreSQL is stopped"
    );
}

//! One sweep at a time, across processes: a second sweep refuses or waits, as configured; a
//! sweep killed with SIGKILL leaves no half-written account and is marked interrupted at the
//! next start.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Utc};
use common::{account_named, audited_in, kill, setup, spawn_sweep, text, until_report, Auditor};
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Organizations unlimited: the sweeps start writing at once, so the timing of the test is
/// about the slow account alone.
fn quick_start(auditor: &mut Auditor) {
    auditor.env = vec![(
        "MFA_AUDITOR__LIMITS__ORGANIZATIONS_PER_SECOND".into(),
        "0".into(),
    )];
}

/// Waits until the sweep started in the background has recorded its start.
async fn until_a_sweep_is_recorded(auditor: &Auditor) {
    common::until_report(auditor, |_| true).await;
}

fn timestamp(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not an RFC 3339 timestamp: {value}"))
}

fn sweep_in_report(report: &Value) -> (String, String) {
    (
        report["sweep"]["id"].as_str().unwrap().to_string(),
        report["sweep"]["status"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_second_sweep_refuses_or_waits() {
    let (emulator, expected, mut auditor) = setup().await;
    quick_start(&mut auditor);
    // One slow account keeps the first sweep running for several seconds.
    let slow = account_named(&expected, "staging");
    emulator.set_faults(json!({"delay_account": slow, "delay_seconds": 2}));
    let first = auditor
        .command(&["-q", "sweep"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until_a_sweep_is_recorded(&auditor).await;

    let refused = auditor.run(&["sweep"]);
    assert_eq!(refused.status.code(), Some(1));
    let message = text(&refused.stderr);
    assert!(
        message.contains("another sweep is running (sweep "),
        "{message}"
    );

    let waited = auditor.run_with(
        &["-q", "sweep"],
        &[("MFA_AUDITOR__SCHEDULE__IF_SWEEP_RUNNING", "wait")],
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(2), "{}", text(&first.stderr));
    assert_eq!(
        waited.status.code(),
        Some(2),
        "the waiting sweep ran once the first was done"
    );

    // Two sweeps, one after the other.
    let latest = auditor.json_report();
    let first_id = text(&first.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    let earlier = auditor.run(&["report", "--format", "json", "--sweep", &first_id]);
    let earlier: Value = serde_json::from_slice(&earlier.stdout).unwrap();
    assert_ne!(sweep_in_report(&latest).0, first_id);
    assert!(
        timestamp(&latest["sweep"]["started_at"]) >= timestamp(&earlier["sweep"]["finished_at"]),
        "the second started after the first finished"
    );
}

#[tokio::test]
async fn waiting_for_another_sweep_is_bounded_and_ends_on_sigterm() {
    let (emulator, expected, mut auditor) = setup().await;
    quick_start(&mut auditor);
    let slow = account_named(&expected, "staging");
    emulator.set_faults(json!({"delay_account": slow, "delay_seconds": 3}));
    let (_, first) = spawn_sweep(&auditor, &["-q", "sweep"], &[]);
    until_a_sweep_is_recorded(&auditor).await;

    let wait = [
        ("MFA_AUDITOR__SCHEDULE__IF_SWEEP_RUNNING", "wait"),
        ("MFA_AUDITOR__SCHEDULE__LOCK_WAIT_SECONDS", "2"),
    ];
    let gave_up = auditor.run_with(&["sweep"], &wait);
    let message = text(&gave_up.stderr);
    assert_eq!(gave_up.status.code(), Some(1), "{message}");
    assert!(
        message.contains("still running (sweep ") && message.contains("after waiting 2 s"),
        "{message}"
    );

    let (pid, waiting) = spawn_sweep(
        &auditor,
        &["sweep"],
        &[("MFA_AUDITOR__SCHEDULE__IF_SWEEP_RUNNING", "wait")],
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let signalled = Instant::now();
    kill("-TERM", &pid);
    let waited = waiting.await.unwrap();
    let out = text(&waited.stdout);
    assert_eq!(
        waited.status.code(),
        Some(130),
        "{out}{}",
        text(&waited.stderr)
    );
    assert!(
        out.contains("Stopped while waiting for another sweep"),
        "{out}"
    );
    println!(
        "the waiting sweep ended {:.1} s after SIGTERM",
        signalled.elapsed().as_secs_f64()
    );
    first.await.unwrap();
}

#[tokio::test]
async fn a_killed_sweep_leaves_whole_accounts_and_is_marked_interrupted() {
    let (emulator, expected, mut auditor) = setup().await;
    quick_start(&mut auditor);
    let slow = account_named(&expected, "staging");
    emulator.set_faults(json!({"delay_account": slow, "delay_seconds": 3}));
    let mut running = auditor
        .command(&["-q", "sweep"], &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once accounts are recorded and while the slow one is still in flight.
    until_report(&auditor, |r| audited_in(r) > 0).await;
    running.kill().unwrap(); // SIGKILL
    running.wait().unwrap();

    let killed = auditor.json_report();
    let (killed_id, status) = sweep_in_report(&killed);
    assert_eq!(status, "running", "nothing could mark it: it was killed");
    let recorded = audited_in(&killed);
    assert!(
        recorded > 0,
        "the kill came after some accounts were recorded"
    );
    assert!(
        killed["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["account_id"] != slow.as_str()),
        "the slow account was still in flight"
    );
    for account in killed["accounts"].as_array().unwrap() {
        if account["outcome"] == "assessed" {
            assert_eq!(
                account["controls"].as_array().unwrap().len(),
                5,
                "{account}"
            );
        }
    }

    emulator.set_faults(json!({}));
    let next = auditor.run(&["-q", "sweep"]);
    assert_eq!(next.status.code(), Some(2), "{}", text(&next.stderr));
    let after = auditor.run(&["report", "--format", "json", "--sweep", &killed_id]);
    let after: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(after["sweep"]["status"], "interrupted");
}

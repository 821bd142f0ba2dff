//! A sweep stopped by SIGTERM finishes the accounts in flight, is recorded `interrupted` with
//! what it did, and `sweep --resume` audits only the rest: every account exactly once across
//! the two runs, and the report of the one sweep is complete.

#![allow(clippy::unwrap_used)]

mod common;

use common::{
    account_named, audited_in, check_account_call_budget, compare_with_expected, kill, setup,
    spawn_sweep, text, until_report,
};
use serde_json::Value;
use std::time::Duration;

#[tokio::test]
async fn sigterm_mid_sweep_then_resume_audits_every_account_exactly_once() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();
    // 20 calls a second for the whole sweep: about 10 s for the organization, time enough to
    // stop it part way.
    let slow = [
        ("MFA_AUDITOR__LIMITS__GLOBAL_PER_SECOND", "20"),
        ("MFA_AUDITOR__LIMITS__CONCURRENCY", "2"),
        // Two accounts audited at once: the stop finds most of them not begun.
        ("MFA_AUDITOR__LIMITS__ACCOUNTS_IN_FLIGHT", "2"),
    ];
    let (pid, finished) = spawn_sweep(&auditor, &["sweep"], &slow);
    // Stop it once it has audited an account.
    let report = until_report(&auditor, |r| audited_in(r) > 0).await;
    let audited_before_stop = audited_in(&report);
    kill("-TERM", &pid);
    let output = finished.await.unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("stop requested"), "{stderr}");
    assert!(
        stdout.contains("Finish it with: mfa-auditor sweep --resume"),
        "{stdout}"
    );

    let interrupted = auditor.json_report();
    assert_eq!(interrupted["sweep"]["status"], "interrupted");
    assert!(!interrupted["sweep"]["finished_at"].is_null());
    let audited_first = audited_in(&interrupted);
    let to_audit = expected["accounts"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["outcome"] != "skipped")
        .count();
    assert!(
        audited_first >= audited_before_stop && audited_first < to_audit,
        "stopped part way: {audited_first} of {to_audit} audited"
    );
    // The accounts in flight at the stop were finished, not cut: each recorded account whole.
    for account in interrupted["accounts"].as_array().unwrap() {
        if account["outcome"] == "assessed" {
            assert_eq!(
                account["controls"].as_array().unwrap().len(),
                5,
                "{account}"
            );
        }
    }
    println!("stopped after {audited_first} of {to_audit} accounts");

    let resumed = auditor.run(&["sweep", "--resume"]);
    let out = text(&resumed.stdout);
    assert_eq!(
        resumed.status.code(),
        Some(2),
        "{out}\n{}",
        text(&resumed.stderr)
    );
    assert!(out.contains("Resumed: "), "{out}");

    let report = auditor.json_report();
    assert_eq!(
        report["sweep"]["id"], interrupted["sweep"]["id"],
        "the same sweep"
    );
    assert_eq!(report["sweep"]["status"], "partial");
    assert_eq!(
        report["sweep"]["started_at"],
        interrupted["sweep"]["started_at"]
    );
    compare_with_expected(&report, &expected);
    // Across the two runs, each account got the calls of exactly one audit.
    check_account_call_budget(&emulator.requests(), &expected);

    let again = auditor.run(&["sweep", "--resume"]);
    assert_eq!(again.status.code(), Some(1));
    let message = text(&again.stderr);
    assert!(message.contains("nothing to resume"), "{message}");
    assert!(message.contains("is partial"), "{message}");
}

#[tokio::test]
async fn an_account_still_in_flight_when_the_grace_period_ends_is_left_for_resume() {
    let (emulator, expected, auditor) = setup().await;
    // One account in scope, and every one of its calls takes 3 s: about half a minute.
    let slow = account_named(&expected, "staging");
    emulator.set_faults(serde_json::json!({"delay_account": slow, "delay_seconds": 3}));
    let only_slow = format!("[\"{slow}\"]");
    let env = [
        (
            "MFA_AUDITOR__ORGANIZATION__INCLUDE_ACCOUNTS",
            only_slow.as_str(),
        ),
        ("MFA_AUDITOR__SCHEDULE__STOP_GRACE_SECONDS", "1"),
    ];
    let (pid, finished) = spawn_sweep(&auditor, &["sweep"], &env);
    // The sweep has recorded its start (and the out-of-scope accounts): the audit is under way.
    until_report(&auditor, |_| true).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let stop_sent = std::time::Instant::now();
    kill("-TERM", &pid);
    let output = finished.await.unwrap();
    println!(
        "stopped {:.1} s after SIGTERM with a 1 s grace period",
        stop_sent.elapsed().as_secs_f64()
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(130),
        "{stdout}\n{}",
        text(&output.stderr)
    );
    assert!(
        stdout.contains("Interrupted; accounts not audited: 1."),
        "{stdout}"
    );
    assert!(text(&output.stderr).contains("grace period over"));
    let interrupted = auditor.json_report();
    assert_eq!(interrupted["sweep"]["status"], "interrupted");
    assert_eq!(
        audited_in(&interrupted),
        0,
        "the abandoned account is not recorded"
    );

    emulator.set_faults(serde_json::json!({}));
    let resumed = auditor.run_with(&["sweep", "--resume"], &env[..1]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    let report = auditor.json_report();
    assert_eq!(report["sweep"]["id"], interrupted["sweep"]["id"]);
    assert_eq!(report["sweep"]["status"], "completed");
    let accounts = report["accounts"].as_array().unwrap();
    assert_eq!(
        accounts.len(),
        expected["accounts"].as_object().unwrap().len()
    );
    let audited: Vec<&Value> = accounts
        .iter()
        .filter(|a| a["outcome"] != "skipped")
        .collect();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["account_id"], slow.as_str());
    assert_eq!(audited[0]["outcome"], "assessed");
}

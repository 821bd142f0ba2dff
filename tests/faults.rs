//! Fault injection: the real binary and SDK over real HTTP, against the project's emulator with
//! faults switched on. Each test compares the sweep with the fault-free expectations of the
//! seeded organization, changed only where the fault must show.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, assessed_accounts, compare_with_expected, setup, text};
use serde_json::{json, Value};
use std::time::Instant;

/// Quick retries: the tests are about what is retried, not how long the waits are.
fn quick_retries() -> Vec<(String, String)> {
    [
        ("MFA_AUDITOR__LIMITS__INITIAL_BACKOFF_MS", "20"),
        ("MFA_AUDITOR__LIMITS__MAX_BACKOFF_MS", "200"),
        ("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS", "8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// `[audit] mfa_devices = false`: no `ListMFADevices` per MFA user, for tests whose deadlines
/// are set for the five controls' calls.
fn without_device_reads() -> (String, String) {
    ("MFA_AUDITOR__AUDIT__MFA_DEVICES".into(), "false".into())
}

fn statuses(requests: &[Value], code: u64) -> usize {
    requests.iter().filter(|r| r["status"] == code).count()
}

#[tokio::test]
async fn a_throttling_storm_changes_nothing_but_the_number_of_calls() {
    let (emulator, expected, mut auditor) = setup().await;
    auditor.env = quick_retries();
    // One attempt for other failures: throttling alone is retried, whatever this says.
    auditor
        .env
        .push(("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS".into(), "1".into()));
    // The five controls' calls only: big-iam's device reads (one per MFA user, 130 of them)
    // throttled every third would keep it past its deadline at the storm's pace.
    auditor.env.push(without_device_reads());
    emulator.clear_requests();
    emulator.set_faults(json!({"throttle_services": ["iam", "cognito-idp"], "throttle_every": 3}));

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    emulator.set_faults(json!({}));
    compare_with_expected(&auditor.json_report(), &expected);

    let requests = emulator.requests();
    let throttled = statuses(&requests, 400);
    let iam_and_cognito = requests
        .iter()
        .filter(|r| r["service"] == "iam" || r["service"] == "cognito-idp")
        .count();
    assert!(
        throttled * 4 >= iam_and_cognito,
        "about a third of {iam_and_cognito} IAM and Cognito calls were throttled, got {throttled}"
    );
}

/// AWS meters each account's IAM and Cognito calls with a token bucket: a sweep that asks for
/// more than it allows is throttled, slows down, and still decides every verdict.
#[tokio::test]
async fn a_rate_limited_aws_slows_the_sweep_and_decides_every_verdict() {
    let (emulator, expected, mut auditor) = setup().await;
    auditor.env = quick_retries();
    auditor.env.extend([
        ("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS".into(), "1".into()),
        // The auditor believes AWS allows far more than it does.
        (
            "MFA_AUDITOR__LIMITS__IAM_PER_SECOND_PER_ACCOUNT".into(),
            "50".into(),
        ),
        (
            "MFA_AUDITOR__LIMITS__COGNITO_PER_SECOND_PER_ACCOUNT_REGION".into(),
            "50".into(),
        ),
    ]);
    emulator.clear_requests();
    emulator.set_faults(json!({"rate_limits": {
        "iam": {"per_second": 2, "burst": 2},
        "cognito-idp": {"per_second": 2, "burst": 1},
    }}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    emulator.set_faults(json!({}));
    compare_with_expected(&auditor.json_report(), &expected);
    let throttled = statuses(&emulator.requests(), 400);
    assert!(throttled > 0, "the buckets did throttle");
    println!("{throttled} calls throttled; {}", text(&sweep.stdout));
}

#[tokio::test]
async fn access_denied_on_assume_role_errors_only_those_accounts() {
    let (emulator, mut expected, auditor) = setup().await;
    let denied = [
        account_named(&expected, "prod-web"),
        account_named(&expected, "sandbox-bob"),
    ];
    emulator.set_faults(json!({"deny_assume_role": denied}));

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    for account_id in &denied {
        let account = &mut expected["accounts"][account_id.as_str()];
        account["outcome"] = "error".into();
        account["error"] = json!({"operation": "sts:AssumeRole", "code": "AccessDenied"});
    }
    compare_with_expected(&auditor.json_report(), &expected);
    // The report says what to check, which AWS's message does not.
    let readable = text(&auditor.run(&["report"]).stdout);
    for account_id in &denied {
        let line = readable
            .lines()
            .find(|l| l.contains(account_id.as_str()) && l.contains("account not assessed"))
            .unwrap_or_else(|| panic!("{account_id} in the errors: {readable}"));
        assert!(line.ends_with("or expects another ExternalId)"), "{line}");
    }
}

#[tokio::test]
async fn a_cognito_failure_in_one_region_errors_only_that_control() {
    let (emulator, mut expected, mut auditor) = setup().await;
    auditor.env = quick_retries();
    // prod-web has pools in us-east-1 and eu-west-1; payments-core in all three regions.
    let denied = account_named(&expected, "prod-web");
    let failing = account_named(&expected, "payments-core");
    emulator.set_faults(json!({"cognito_faults": [
        {"account": denied, "region": "eu-west-1", "error": "AccessDeniedException"},
        {"account": failing, "region": "ap-southeast-2", "error": "500"},
    ]}));

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    expected["accounts"][denied.as_str()]["controls"]["Cognito.5"] = json!({"status": "ERROR", "error_region": "eu-west-1", "error_code": "AccessDeniedException"});
    expected["accounts"][failing.as_str()]["controls"]["Cognito.5"] = json!({"status": "ERROR", "error_region": "ap-southeast-2", "error_code": "InternalErrorException"});
    // Everything else, these accounts' IAM controls included, as without the fault.
    compare_with_expected(&auditor.json_report(), &expected);
}

#[tokio::test]
async fn a_hung_account_times_out_alone() {
    let (emulator, mut expected, mut auditor) = setup().await;
    auditor.env = vec![
        (
            "MFA_AUDITOR__LIMITS__CALL_TIMEOUT_SECONDS".into(),
            "1".into(),
        ),
        ("MFA_AUDITOR__LIMITS__MAX_ATTEMPTS".into(), "2".into()),
        (
            "MFA_AUDITOR__LIMITS__INITIAL_BACKOFF_MS".into(),
            "20".into(),
        ),
        (
            "MFA_AUDITOR__LIMITS__ACCOUNT_DEADLINE_SECONDS".into(),
            "4".into(),
        ),
        // big-iam's device reads (one per MFA user, 130 at IAM's 10 a second) take longer
        // than this test's 4-second deadline.
        without_device_reads(),
    ];
    let started = Instant::now();
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let fault_free = started.elapsed();

    let hung = account_named(&expected, "staging");
    emulator.set_faults(json!({"delay_account": hung, "delay_seconds": 3}));
    let started = Instant::now();
    let sweep = auditor.run(&["sweep"]);
    let with_fault = started.elapsed();
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    emulator.set_faults(json!({}));

    let report = auditor.json_report();
    let account = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == hung.as_str())
        .unwrap();
    assert_eq!(account["outcome"], "error", "{account}");
    assert_eq!(account["error"]["code"], "Timeout", "{account}");
    expected["accounts"][hung.as_str()]["outcome"] = "error".into();
    expected["accounts"][hung.as_str()]["error"] = account["error"].clone();
    compare_with_expected(&report, &expected);
    // Reported, not asserted: timing belongs to benchmarks.
    eprintln!(
        "fault-free sweep {:.1} s; with one hung account {:.1} s (account deadline 4 s)",
        fault_free.as_secs_f64(),
        with_fault.as_secs_f64()
    );
}

#[tokio::test]
async fn a_credential_report_in_progress_is_polled_until_ready() {
    let (emulator, expected, auditor) = setup().await;
    emulator.clear_requests();
    emulator.set_faults(json!({"report_in_progress_polls": 3}));

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    compare_with_expected(&auditor.json_report(), &expected);

    let requests = emulator.requests();
    for account_id in assessed_accounts(&expected) {
        let polls = requests
            .iter()
            .filter(|r| {
                r["account"] == account_id.as_str() && r["operation"] == "GetCredentialReport"
            })
            .count();
        assert_eq!(
            polls, 4,
            "{account_id}: three answers in progress, then the report"
        );
    }
}

//! The retry loop, on tokio's paused clock: waits are virtual, so the tests say exactly how many
//! attempts were made and when, without sleeping.

// The answers are the SDK's own error type, large as it is: what `Caller::call` takes.
#![allow(clippy::result_large_err)]

use super::*;
use aws_sdk_iam::operation::get_account_summary::GetAccountSummaryError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use std::sync::atomic::AtomicU32;

const ACCOUNT: &str = "111122223333";

fn target(deadline: Option<Instant>) -> Target<'static> {
    Target {
        quota: QuotaKey::Iam { account: ACCOUNT },
        account_id: ACCOUNT,
        region: "us-east-1",
        operation: "iam:GetAccountSummary",
        deadline,
    }
}

type Answer = Result<(), SdkError<GetAccountSummaryError, HttpResponse>>;

fn failure(code: &str, status: u16) -> Answer {
    let error = GetAccountSummaryError::generic(ErrorMetadata::builder().code(code).build());
    let raw = HttpResponse::new(
        status.try_into().expect("a valid status"),
        SdkBody::from(""),
    );
    Err(SdkError::service_error(error, raw))
}

/// The error names the call it came from, with the AWS code and the class it was given, and
/// says how many attempts it took when there were several.
fn assert_error(error: &CollectError, class: ErrorClass, code: &str, attempts: u32) {
    assert_eq!(error.class, class, "{error}");
    assert_eq!(error.aws_code.as_deref(), Some(code), "{error}");
    assert_eq!(
        (
            error.account_id.as_str(),
            error.region.as_str(),
            error.operation
        ),
        (ACCOUNT, "us-east-1", "iam:GetAccountSummary"),
        "{error}"
    );
    let counted = format!("(after {attempts} attempts)");
    assert_eq!(error.message.ends_with(&counted), attempts > 1, "{error}");
}

/// Calls `caller` once, answering with `answer(n)` for the n-th attempt (from 1); returns the
/// result and the number of attempts.
async fn call_with(
    caller: &Caller,
    target: Target<'_>,
    answer: impl Fn(u32) -> Answer,
) -> (Result<(), CollectError>, u32) {
    let attempts = AtomicU32::new(0);
    let result = caller
        .call(target, || {
            let n = attempts.fetch_add(1, Ordering::SeqCst) + 1;
            let answer = answer(n);
            async move { answer }
        })
        .await;
    (result, attempts.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn an_error_a_retry_cannot_cure_fails_at_once() {
    let caller = Caller::new(LimitSettings::unlimited());
    let (result, attempts) =
        call_with(&caller, target(None), |_| failure("AccessDenied", 403)).await;
    assert_eq!(attempts, 1);
    assert_error(
        &result.expect_err("denied"),
        ErrorClass::AccessDenied,
        "AccessDenied",
        1,
    );
}

#[tokio::test(start_paused = true)]
async fn transient_failures_stop_after_max_attempts() {
    let caller = Caller::new(LimitSettings::unlimited());
    let (result, attempts) = call_with(&caller, target(None), |_| {
        failure("ServiceUnavailable", 503)
    })
    .await;
    assert_eq!(attempts, LimitSettings::unlimited().max_attempts);
    assert_error(
        &result.expect_err("always unavailable"),
        ErrorClass::Transient,
        "ServiceUnavailable",
        attempts,
    );
}

#[tokio::test(start_paused = true)]
async fn throttling_is_retried_past_max_attempts_until_it_passes() {
    let caller = Caller::new(LimitSettings::unlimited());
    let deadline = Instant::now() + Duration::from_secs(3600);
    let (result, attempts) = call_with(&caller, target(Some(deadline)), |n| {
        if n <= 30 {
            failure("Throttling", 400)
        } else {
            Ok(())
        }
    })
    .await;
    result.expect("throttling costs time, never the verdict");
    assert_eq!(attempts, 31);
    assert_eq!(caller.stats().throttled.load(Ordering::SeqCst), 30);
}

#[tokio::test(start_paused = true)]
async fn throttling_gives_up_at_the_deadline() {
    let caller = Caller::new(LimitSettings::unlimited());
    let started = Instant::now();
    let deadline = started + Duration::from_secs(10);
    let (result, attempts) = call_with(&caller, target(Some(deadline)), |_| {
        failure("Throttling", 400)
    })
    .await;
    assert_error(
        &result.expect_err("never passes"),
        ErrorClass::Throttled,
        "Throttling",
        attempts,
    );
    assert!(Instant::now() <= deadline, "no wait goes past the deadline");
    assert!(
        attempts > LimitSettings::unlimited().max_attempts,
        "{attempts} attempts: throttling is not bound by max_attempts"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_deadline_throttling_is_retried_for_the_patience() {
    let settings = LimitSettings {
        throttle_patience: Duration::from_secs(5),
        ..LimitSettings::unlimited()
    };
    let caller = Caller::new(settings);
    let started = Instant::now();
    let (result, attempts) = call_with(&caller, target(None), |_| failure("Throttling", 400)).await;
    assert!(attempts > 1, "{attempts} attempts");
    assert_error(
        &result.expect_err("never passes"),
        ErrorClass::Throttled,
        "Throttling",
        attempts,
    );
    let waited = Instant::now() - started;
    assert!(waited <= Duration::from_secs(5), "{waited:?}");
    assert!(
        waited >= Duration::from_secs(3),
        "{waited:?}: it kept trying"
    );
}

#[tokio::test(start_paused = true)]
async fn every_attempt_waits_for_its_quota() {
    // Five calls a second for this account's IAM, and a burst of five: five attempts use the
    // whole burst, which a limiter consulted once per call would not.
    let settings = LimitSettings {
        iam_per_second_per_account: std::num::NonZeroU32::new(5),
        ..LimitSettings::unlimited()
    };
    let caller = Caller::new(settings);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (result, attempts) = call_with(&caller, target(Some(deadline)), |n| {
        if n < 5 {
            failure("Throttling", 400)
        } else {
            Ok(())
        }
    })
    .await;
    result.expect("passes on the fifth attempt");
    assert_eq!(attempts, 5);
    assert!(
        !caller.limiters.iam_has_room(ACCOUNT),
        "five attempts, five cells"
    );
    assert!(
        caller.limiters.iam_has_room("999999999999"),
        "other accounts untouched"
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_quota_is_slowed_for_the_calls_that_follow() {
    let settings = LimitSettings {
        iam_per_second_per_account: std::num::NonZeroU32::new(100),
        ..LimitSettings::unlimited()
    };
    let caller = Caller::new(settings);
    let deadline = Instant::now() + Duration::from_secs(60);
    // Three throttles: 100 -> 50 -> 25 -> 12.5 calls a second.
    let (result, _) = call_with(&caller, target(Some(deadline)), |n| {
        if n <= 3 {
            failure("Throttling", 400)
        } else {
            Ok(())
        }
    })
    .await;
    result.expect("passes");
    let started = Instant::now();
    for _ in 0..10 {
        call_with(&caller, target(Some(deadline)), |_| Ok(()))
            .await
            .0
            .expect("passes");
    }
    // Paced at 12.5 a second and rising by a tenth per success: well over half a second for
    // ten calls, where the configured 100 a second would take none (the burst).
    let took = Instant::now() - started;
    assert!(took >= Duration::from_millis(400), "{took:?}");
}

#[test]
fn backoff_grows_is_capped_and_is_never_zero() {
    let caller = Caller::new(LimitSettings {
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(800),
        ..LimitSettings::unlimited()
    });
    for retry in 1..40 {
        let ceiling = Duration::from_millis(100)
            .saturating_mul(1 << (retry - 1).min(16))
            .min(Duration::from_millis(800));
        for _ in 0..50 {
            let wait = caller.backoff(retry);
            assert!(wait <= ceiling, "retry {retry}: {wait:?}");
            assert!(
                wait >= ceiling / 2,
                "retry {retry}: {wait:?} is never near zero"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn requests_in_flight_are_bounded_and_waiting_holds_no_place() {
    use std::sync::atomic::AtomicUsize;
    let caller = Caller::new(LimitSettings {
        requests_in_flight: Some(2),
        // Backoffs of 2 to 4 s: held places would leave the bound idle for that long.
        initial_backoff: Duration::from_secs(4),
        max_backoff: Duration::from_secs(4),
        ..LimitSettings::unlimited()
    });
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let deadline = Instant::now() + Duration::from_secs(60);
    let calls = (0..6).map(|_| {
        let (caller, now, most) = (caller.clone(), now.clone(), most.clone());
        async move {
            // A 5xx once (a backoff, which must hold no place), then answered after 1 s.
            let mut attempts = 0;
            caller
                .call(target(Some(deadline)), || {
                    attempts += 1;
                    let first = attempts == 1;
                    let (now, most) = (now.clone(), most.clone());
                    async move {
                        let out = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(out, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        if first {
                            failure("InternalFailure", 500)
                        } else {
                            Ok(())
                        }
                    }
                })
                .await
        }
    });
    let started = Instant::now();
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "never more than two requests out"
    );
    // Twelve one-second requests, two at a time: six seconds, plus at most one backoff at the
    // end, because a backing-off call gives its place to another. Holding places through the
    // backoffs would take at least three rounds of 1 + 2 + 1 s.
    let took = Instant::now() - started;
    assert!(took < Duration::from_millis(11_500), "{took:?}");
}

/// Sends `calls` in the order given, each started (and waiting) before the next, through
/// `caller`; each answer takes `answer_in`. Returns the order in which they were sent.
async fn sending_order(
    caller: &Caller,
    calls: &[(&'static str, &'static str)],
    answer_in: Duration,
) -> Vec<&'static str> {
    let sent = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for &(name, operation) in calls {
        let (caller, sent) = (caller.clone(), sent.clone());
        tasks.spawn(async move {
            let target = Target {
                operation,
                ..target(None)
            };
            caller
                .call(target, || {
                    sent.lock().expect("not poisoned").push(name);
                    async move {
                        tokio::time::sleep(answer_in).await;
                        Answer::Ok(())
                    }
                })
                .await
        });
        // Let it start and take its place in the queue before the next one comes.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("no panic").expect("answered");
    }
    let order = sent.lock().expect("not poisoned").clone();
    order
}

// Real time: `governor` keeps its own clock, not tokio's. Calls in turn and the calls that go
// first (a queue of their own) each pass in the order they came.
#[tokio::test]
async fn calls_waiting_for_the_global_cap_pass_in_the_order_they_came() {
    let names = [
        "c00", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09", "c10", "c11", "c12",
        "c13", "c14", "c15", "c16", "c17", "c18", "c19",
    ];
    for operation in ["iam:GetAccountSummary", "sts:AssumeRole"] {
        let caller = Caller::new(LimitSettings {
            global_per_second: std::num::NonZeroU32::new(40),
            ..LimitSettings::unlimited()
        });
        let calls: Vec<_> = names.iter().map(|n| (*n, operation)).collect();
        let order = sending_order(&caller, &calls, Duration::ZERO).await;
        assert_eq!(order, names, "{operation}: first come, first served");
    }
}

#[tokio::test(start_paused = true)]
async fn a_credential_report_call_goes_before_the_calls_waiting_for_a_place() {
    let caller = Caller::new(LimitSettings {
        requests_in_flight: Some(1),
        ..LimitSettings::unlimited()
    });
    let calls = [
        ("summary", "iam:GetAccountSummary"),
        ("devices", "iam:ListVirtualMFADevices"),
        ("pools", "cognito-idp:ListUserPools"),
        ("generate", "iam:GenerateCredentialReport"),
        ("policies", "iam:GetAccountAuthorizationDetails"),
    ];
    let order = sending_order(&caller, &calls, Duration::from_secs(1)).await;
    // `summary` holds the one place and `devices` waits at the head of the semaphore's own
    // line; the report's generation passes `pools`, which came before it.
    assert_eq!(
        order,
        ["summary", "devices", "generate", "pools", "policies"]
    );
}

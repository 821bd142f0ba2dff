//! The pool and the writer, with a fake auditor and a fake database, on tokio's paused clock:
//! what is recorded, spooled or left for `--resume`, and when the sweep ends.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::fakes::{account_id, plan_of, scratch_dir, Behaviour, FakeAudit, FakeSink, NoProgress};
use crate::spool::SpoolRecord;
use std::sync::atomic::Ordering;
use tokio::time::Instant as VirtualInstant;
use tokio_util::sync::CancellationToken;

fn settings(accounts_in_flight: usize, grace: Duration, retry_for: Duration) -> SweepSettings {
    SweepSettings {
        accounts_in_flight,
        exceptions: Vec::new(),
        grace_period: grace,
        record: RecordSettings {
            retry_for,
            spool_dir: scratch_dir("pool"),
        },
        centralized_root_access: Ok(mfa_evaluator::CentralizedRootAccess {
            trusted_access: true,
            root_credentials_management: true,
            root_sessions: false,
        }),
    }
}

/// Runs a sweep of `accounts` accounts, asking it to stop after `stop_after` (if given).
async fn sweep(
    audit: FakeAudit,
    sink: FakeSink,
    accounts: usize,
    settings: SweepSettings,
    stop_after: Option<Duration>,
) -> (Result<SweepSummary, SweepError>, Duration) {
    let stop = CancellationToken::new();
    if let Some(after) = stop_after {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            stop.cancel();
        });
    }
    let started = VirtualInstant::now();
    let runner = SweepRunner::new(audit, settings);
    let result = runner
        .run(plan_of(accounts), SweepStart::New, sink, &NoProgress, &stop)
        .await;
    (result, VirtualInstant::now() - started)
}

fn spooled_accounts(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|line| match serde_json::from_str(line).unwrap() {
            SpoolRecord::Account { account, .. } => Some(account.account_id),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn the_pool_keeps_at_most_accounts_in_flight_audits_at_once() {
    let audit = FakeAudit::taking(Duration::from_millis(100));
    let log = audit.log.clone();
    let sink = FakeSink::default();
    let settings = settings(3, Duration::from_secs(1), Duration::from_secs(1));
    let (result, took) = sweep(audit, sink.clone(), 10, settings, None).await;
    let summary = result.unwrap();
    assert_eq!(summary.status, SweepStatus::Completed);
    assert_eq!(summary.assessed, 10);
    assert_eq!(log.most_in_flight.load(Ordering::SeqCst), 3);
    assert_eq!(sink.state().recorded.len(), 10);
    assert_eq!(sink.state().finished, Some(SweepStatus::Completed));
    // Four rounds of 100 ms: 3 + 3 + 3 + 1.
    assert_eq!(took, Duration::from_millis(400));
}

#[tokio::test(start_paused = true)]
async fn a_stop_lets_the_accounts_in_flight_finish_and_records_them() {
    let audit = FakeAudit::taking(Duration::from_secs(1));
    let sink = FakeSink::default();
    let settings = settings(2, Duration::from_secs(5), Duration::from_secs(1));
    let (result, _) = sweep(
        audit,
        sink.clone(),
        10,
        settings,
        Some(Duration::from_millis(1500)),
    )
    .await;
    let summary = result.unwrap();
    // Two finished at 1 s; two were in flight at the stop and finished within the grace.
    assert_eq!(summary.assessed, 4);
    assert_eq!(summary.unfinished, 6);
    assert_eq!(summary.status, SweepStatus::Interrupted);
    assert_eq!(sink.state().recorded.len(), 4);
    assert_eq!(sink.state().finished, Some(SweepStatus::Interrupted));
}

#[tokio::test(start_paused = true)]
async fn the_grace_period_holds_while_the_database_writes_retry() {
    // The database is away and writes would retry for a minute; one account hangs.
    let audit = FakeAudit::taking(Duration::from_millis(100)).with(&account_id(5), Behaviour::Hang);
    let sink = FakeSink::default();
    let settings = settings(5, Duration::from_secs(2), Duration::from_secs(60));
    // Away from just after the sweep's start.
    let sink_for_outage = sink.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(60)).await;
        sink_for_outage.state().unreachable_forever = true;
    });
    let spool_dir = settings.record.spool_dir.clone();
    let (result, took) = sweep(audit, sink, 5, settings, Some(Duration::from_secs(1))).await;
    let summary = result.unwrap();
    // Stopped at 1 s, grace 2 s: the sweep ends then, not when the write retries would.
    assert!(took <= Duration::from_secs(4), "the sweep took {took:?}");
    assert_eq!(
        summary.unfinished, 1,
        "the hung account is left for --resume"
    );
    assert_eq!(summary.spooled, 4, "every finished account is kept");
    let spool = summary.spool_file.expect("a spool file");
    assert!(spool.starts_with(&spool_dir));
    let mut spooled = spooled_accounts(&spool);
    spooled.sort();
    assert_eq!(spooled, (1..=4).map(account_id).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn accounts_finished_when_the_grace_period_ends_are_recorded_not_dropped() {
    // Writes are slow (two seconds each): the pool must not wait on them, and the audits that
    // finished meanwhile must all be written, however late.
    let audit = FakeAudit::taking(Duration::from_millis(100)).with(&account_id(4), Behaviour::Hang);
    let sink = FakeSink::default();
    sink.state().write_time = Duration::from_secs(2);
    let settings = settings(4, Duration::from_secs(1), Duration::from_secs(30));
    let (result, _) = sweep(
        audit,
        sink.clone(),
        4,
        settings,
        Some(Duration::from_millis(200)),
    )
    .await;
    let summary = result.unwrap();
    assert_eq!(summary.unfinished, 1);
    assert_eq!(summary.spooled, 0);
    let mut recorded = sink.state().recorded.clone();
    recorded.sort();
    assert_eq!(recorded, (1..=3).map(account_id).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn audits_finished_when_the_pool_halts_are_kept() {
    // The lock is lost at the very first write (a skipped account's): the pool halts before it
    // has joined the audits, which finish at once. They are kept (in the spool), not counted as
    // left for --resume.
    let audit = FakeAudit::taking(Duration::ZERO);
    let sink = FakeSink::default();
    sink.state().lock_lost_after = Some(0);
    let mut plan = plan_of(4);
    plan.accounts[0].decision = Decision::Skip {
        reason: mfa_report::SkipReason::Excluded,
        rule: "test".into(),
    };
    let runner = SweepRunner::new(
        audit,
        settings(3, Duration::from_secs(1), Duration::from_secs(1)),
    );
    let result = runner
        .run(
            plan,
            SweepStart::New,
            sink,
            &NoProgress,
            &CancellationToken::new(),
        )
        .await;
    let Err(SweepError::LockLost { spool, .. }) = result else {
        panic!("the sweep stops with LockLost: {result:?}");
    };
    let mut spooled = spooled_accounts(&spool.expect("a spool file"));
    spooled.sort();
    assert_eq!(spooled, (1..=4).map(account_id).collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn a_panicking_audit_is_that_accounts_error() {
    let audit = FakeAudit::taking(Duration::from_millis(10)).with(&account_id(2), Behaviour::Panic);
    let sink = FakeSink::default();
    let settings = settings(2, Duration::from_secs(1), Duration::from_secs(1));
    let (result, _) = sweep(audit, sink.clone(), 3, settings, None).await;
    let summary = result.unwrap();
    assert_eq!((summary.assessed, summary.errored), (2, 1));
    assert_eq!(summary.status, SweepStatus::Partial);
    assert_eq!(sink.state().recorded.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_lost_lock_stops_the_pool_at_once_and_spools_what_finished() {
    let audit = FakeAudit::taking(Duration::from_secs(1));
    let log = audit.log.clone();
    let sink = FakeSink::default();
    sink.state().lock_lost_after = Some(3);
    let settings = settings(2, Duration::from_secs(5), Duration::from_secs(1));
    let (result, took) = sweep(audit, sink.clone(), 20, settings, None).await;
    let Err(SweepError::LockLost { spool, .. }) = result else {
        panic!("the sweep stops with LockLost: {result:?}");
    };
    assert_eq!(
        sink.state().recorded.len(),
        3,
        "nothing written after the loss"
    );
    assert_eq!(
        sink.state().finished,
        None,
        "the other sweep owns the end now"
    );
    // The fourth account finished after the loss: kept in the spool, never dropped.
    let spooled = spooled_accounts(&spool.expect("a spool file"));
    assert_eq!(spooled, vec![account_id(4)]);
    let started = log.started.lock().unwrap().len();
    assert!(
        started <= 6,
        "the pool stopped at once: {started} of 20 started"
    );
    assert!(took <= Duration::from_secs(3), "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_database_back_within_the_retry_window_loses_nothing() {
    let audit = FakeAudit::taking(Duration::from_millis(100));
    let sink = FakeSink::default();
    // The sweep's start is written first: only its accounts meet the three-second outage.
    let outage = sink.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        outage.state().unreachable_until = Some(VirtualInstant::now() + Duration::from_secs(3));
    });
    let settings = settings(2, Duration::from_secs(1), Duration::from_secs(10));
    let (result, _) = sweep(audit, sink.clone(), 6, settings, None).await;
    let summary = result.unwrap();
    assert_eq!(summary.spooled, 0);
    assert_eq!(sink.state().recorded.len(), 6);
    assert_eq!(sink.state().finished, Some(SweepStatus::Completed));
}

#[tokio::test(start_paused = true)]
async fn a_database_away_past_the_retry_window_spools_the_rest_and_the_end() {
    let audit = FakeAudit::taking(Duration::from_millis(100));
    let sink = FakeSink::default();
    let outage = sink.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        outage.state().unreachable_forever = true;
    });
    let settings = settings(2, Duration::from_secs(1), Duration::from_secs(2));
    let (result, _) = sweep(audit, sink.clone(), 5, settings, None).await;
    let summary = result.unwrap();
    assert_eq!(summary.spooled, 5);
    let spool = std::fs::read_to_string(summary.spool_file.unwrap()).unwrap();
    let records: Vec<SpoolRecord> = spool
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(matches!(records.first(), Some(SpoolRecord::Sweep { .. })));
    assert!(matches!(
        records.last(),
        Some(SpoolRecord::Finished {
            status: SweepStatus::Completed,
            ..
        })
    ));
}

fn sweep_exception(id: &str) -> SweepException {
    SweepException {
        exception: mfa_report::ExceptionRef {
            id: id.into(),
            owner: "owner".into(),
            reason: "reason".into(),
            expires: chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            ticket: None,
        },
        state: mfa_evaluator::ExceptionState::Active,
    }
}

#[tokio::test(start_paused = true)]
async fn a_resumed_sweep_records_the_exceptions_it_applies_that_it_did_not_read_before() {
    let sink = FakeSink::default();
    let mut settings = settings(2, Duration::from_secs(1), Duration::from_secs(1));
    settings.exceptions = vec![sweep_exception("old"), sweep_exception("new")];
    let mut interrupted = mfa_report::fixtures::sweep_info(
        "00000000-0000-4000-8000-000000000001",
        chrono::Utc::now(),
    );
    interrupted.exceptions = vec![sweep_exception("old")];
    let resumable = mfa_store::ResumableSweep {
        sweep: interrupted,
        done: HashMap::new(),
    };
    let runner = SweepRunner::new(FakeAudit::taking(Duration::from_millis(10)), settings);
    runner
        .run(
            plan_of(2),
            SweepStart::Resume(Box::new(resumable)),
            sink.clone(),
            &NoProgress,
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        sink.state().begun_exceptions,
        vec![vec!["old".to_string(), "new".to_string()]],
        "the new exception is recorded with the sweep, the old one kept"
    );
}

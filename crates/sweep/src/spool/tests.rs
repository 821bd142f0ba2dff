//! Importing spool files through a fake database: idempotent, a torn last line, records moved
//! aside, a database that is away.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::fakes::{account_id, assessed, scratch_dir, FakeSink};
use mfa_evaluator::ControlId;

fn sweep_info() -> SweepInfo {
    SweepInfo {
        id: "00000000-0000-4000-8000-000000000001".into(),
        started_at: Utc::now(),
        finished_at: None,
        status: SweepStatus::Running,
        organization_id: Some("o-test".into()),
        management_account_id: Some(account_id(1)),
        regions: vec!["us-east-1".into()],
        controls: ControlId::ALL.to_vec(),
        exceptions: Vec::new(),
        centralized_root_access: None,
        centralized_root_access_error: None,
        home_region: None,
    }
}

/// A spool file of a sweep with `accounts` accounts and its end, as the recorder writes it.
fn spool_file(name: &str, accounts: usize) -> PathBuf {
    let dir = scratch_dir(name);
    let info = sweep_info();
    let mut file = SpoolFile::create(&dir, &info.id).unwrap();
    file.append(&SpoolRecord::Sweep {
        sweep: info.clone(),
    })
    .unwrap();
    for i in 1..=accounts {
        file.append(&SpoolRecord::Account {
            sweep_id: info.id.clone(),
            account: assessed(&account_id(i)),
        })
        .unwrap();
    }
    file.append(&SpoolRecord::Finished {
        sweep_id: info.id.clone(),
        finished_at: Utc::now(),
        status: SweepStatus::Partial,
    })
    .unwrap();
    file.path
}

#[tokio::test]
async fn an_import_loads_everything_once_and_again_writes_nothing() {
    let path = spool_file("twice", 3);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut sink = FakeSink::default();
    let first = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(first.accounts_written, 3);
    assert_eq!(first.sweeps_finished, 1);
    assert_eq!(first.rejected, 0);
    let again = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(again.accounts_written, 0);
    assert_eq!(again.accounts_already_present, 3);
    assert_eq!(again.sweeps_finished, 0, "an end already there is kept");
    assert_eq!(sink.state().recorded.len(), 3);
}

#[tokio::test]
async fn a_torn_last_line_loses_only_that_line() {
    let path = spool_file("torn", 3);
    // The power went while the end was written: half a line, no newline.
    let text = std::fs::read_to_string(&path).unwrap();
    let last = text.trim_end().rsplit('\n').next().unwrap().to_string();
    let torn = format!(
        "{}{}",
        &text[..text.len() - last.len() - 1],
        &last[..last.len() / 2]
    );
    std::fs::write(&path, torn).unwrap();
    let mut sink = FakeSink::default();
    let summary = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(summary.accounts_written, 3, "everything before it");
    assert_eq!(summary.torn_line, Some(5));
    assert_eq!(summary.rejected, 0);
    assert_eq!(sink.state().finished, None);
}

#[tokio::test]
async fn a_record_the_database_refuses_is_moved_aside_with_its_reason() {
    let path = spool_file("refused", 3);
    let mut sink = FakeSink::default();
    sink.state().refuse.insert(account_id(2));
    let summary = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(summary.accounts_written, 2);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.sweeps_finished, 1, "the rest is imported");
    let rejected = std::fs::read_to_string(summary.rejected_file.unwrap()).unwrap();
    let entry: serde_json::Value = serde_json::from_str(rejected.trim()).unwrap();
    assert_eq!(entry["line"], 3);
    assert!(entry["reason"]
        .as_str()
        .unwrap()
        .contains("unique constraint"));
    let record: SpoolRecord = serde_json::from_str(entry["record"].as_str().unwrap()).unwrap();
    assert!(
        matches!(record, SpoolRecord::Account { account, .. } if account.account_id == account_id(2))
    );

    // Imported again (the next night): nothing fails, the refused record is not retried.
    let again = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(again.accounts_already_present, 2);
}

#[tokio::test]
async fn an_unreadable_line_in_the_middle_is_moved_aside_not_fatal() {
    let path = spool_file("garbled", 2);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "{\"record\": \"account\", \"sweep_id\": 7}");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let mut sink = FakeSink::default();
    let summary = import_spool(&mut sink, &path).await.unwrap();
    assert_eq!(summary.accounts_written, 2);
    assert_eq!(summary.rejected, 1);
    assert_eq!(summary.torn_line, None);
}

#[tokio::test]
async fn a_database_that_is_away_stops_the_import_and_moves_nothing_aside() {
    let path = spool_file("away", 2);
    let mut sink = FakeSink::default();
    sink.state().unreachable_forever = true;
    let error = import_spool(&mut sink, &path).await.unwrap_err();
    assert!(
        matches!(error, SweepError::Write(WriteFailure::Unreachable(_))),
        "{error}"
    );
    let mut rejected = path.as_os_str().to_owned();
    rejected.push(".rejected");
    assert!(!PathBuf::from(rejected).exists());
}

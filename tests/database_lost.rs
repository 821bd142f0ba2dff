//! PostgreSQL stopped mid-sweep and started again: writes retry, then the finished accounts go
//! to a spool file, and `import` loads them once: nothing audited is lost, nothing is written
//! twice.
//!
//! The test runs its own PostgreSQL cluster (`PostgresCluster`) so that it can stop the server
//! (`pg_ctl stop -m fast`) without disturbing the tests that share the suite's server.

#![allow(clippy::unwrap_used)]

mod common;

use common::{compare_with_expected, setup, spool_files, sweep_losing_the_database, text};
use mfa_testkit::PostgresCluster;
use serde_json::Value;

#[tokio::test]
async fn postgres_stopped_mid_sweep_spools_and_import_loses_nothing_and_doubles_nothing() {
    let (_emulator, expected, mut auditor) = setup().await;
    let cluster = PostgresCluster::start();
    auditor.database_url = cluster.url();

    let (sweep, audited_before_loss) = sweep_losing_the_database(
        &auditor,
        &[],
        2,
        || cluster.stop(),
        || cluster.start_server(),
    )
    .await;
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not be written to the database"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing is lost"), "{stderr}");
    assert!(
        stderr.contains("retrying"),
        "writes were retried first: {stderr}"
    );

    let files = spool_files(&auditor);
    assert_eq!(files.len(), 1, "{files:?}");
    let spool = &files[0];
    assert!(stderr.contains(&spool.display().to_string()), "{stderr}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(spool).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the spool is private to its owner");
    }
    let records: Vec<Value> = std::fs::read_to_string(spool)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.first().unwrap()["record"], "sweep");
    assert_eq!(records.last().unwrap()["record"], "finished");
    let spooled = records.iter().filter(|r| r["record"] == "account").count();
    assert!(spooled > 0, "accounts were spooled");

    // Before the import, the database holds only what was written before the loss.
    let partial: Value = auditor.json_report();
    let in_database = partial["accounts"].as_array().unwrap().len();
    assert_eq!(partial["sweep"]["status"], "running");
    assert_eq!(
        in_database + spooled,
        expected["accounts"].as_object().unwrap().len(),
        "every account is either in the database or in the spool"
    );
    println!(
        "PostgreSQL stopped after {audited_before_loss} accounts audited; \
         {in_database} accounts in the database, {spooled} spooled"
    );

    let path = spool.display().to_string();
    let import = auditor.run(&["import", &path]);
    let out = text(&import.stdout);
    assert_eq!(
        import.status.code(),
        Some(0),
        "{out}\n{}",
        text(&import.stderr)
    );
    assert!(
        out.contains(&format!(
            "{spooled} accounts written, 0 already in the database"
        )),
        "{out}"
    );
    let report = auditor.json_report();
    assert_eq!(report["sweep"]["id"], partial["sweep"]["id"]);
    assert_eq!(report["sweep"]["status"], "partial");
    compare_with_expected(&report, &expected);

    // Imported twice: nothing written twice.
    let again = auditor.run(&["import", &path]);
    let out = text(&again.stdout);
    assert!(
        out.contains(&format!(
            "0 accounts written, {spooled} already in the database"
        )),
        "{out}"
    );
    assert_eq!(auditor.json_report(), report);

    // The next sweep finds the spool file, imports it (nothing new) and sets it aside.
    let next = auditor.run(&["sweep"]);
    assert_eq!(next.status.code(), Some(2), "{}", text(&next.stderr));
    assert!(text(&next.stderr).contains("importing results spooled by an earlier sweep"));
    let files = spool_files(&auditor);
    assert_eq!(files.len(), 1);
    assert!(files[0].display().to_string().ends_with(".jsonl.imported"));
    let _ = std::fs::remove_dir_all(&auditor.spool_dir);
}

#[tokio::test]
async fn a_short_outage_is_ridden_out_by_retries() {
    let (_emulator, expected, mut auditor) = setup().await;
    let cluster = PostgresCluster::start();
    auditor.database_url = cluster.url();
    // Stopped for 3 s, well within the 60 s the writes keep retrying. The restart released the
    // sweep's lock with its connection; once the writes resume the sweep holds it again, so a
    // second sweep started then is refused.
    let mut second = None;
    let outage = || {
        cluster.stop();
        std::thread::sleep(std::time::Duration::from_secs(3));
        cluster.start_server();
        std::thread::sleep(std::time::Duration::from_secs(1));
        second = Some(auditor.run(&["sweep"]));
    };
    let (sweep, _) = sweep_losing_the_database(&auditor, &[], 60, outage, || {}).await;
    let second = second.unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("another sweep is running"),
        "{}",
        text(&second.stderr)
    );
    let stderr = text(&sweep.stderr);
    assert_eq!(sweep.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("retrying"), "{stderr}");
    assert!(stderr.contains("database back"), "{stderr}");
    assert!(spool_files(&auditor).is_empty(), "nothing spooled");
    let report = auditor.json_report();
    assert_eq!(report["sweep"]["status"], "partial");
    compare_with_expected(&report, &expected);
}

/// When each sweep recorded its first and last account, in seconds since the epoch:
/// `(sweep, first, last)`, in order.
async fn write_windows(url: &str) -> Vec<(String, f64, f64)> {
    mfa_testkit::query_text(
        url,
        "SELECT sweep_id::text, extract(epoch FROM min(recorded_at))::text,
                extract(epoch FROM max(recorded_at))::text
         FROM sweep_accounts GROUP BY sweep_id ORDER BY min(recorded_at)",
    )
    .await
    .into_iter()
    .map(|row| {
        let cell = |i: usize| row[i].clone().unwrap();
        let seconds = |i: usize| cell(i).parse::<f64>().unwrap();
        (cell(0), seconds(1), seconds(2))
    })
    .collect()
}

#[tokio::test]
async fn after_a_restart_two_sweeps_never_write_at_once() {
    let (_emulator, _expected, mut auditor) = setup().await;
    let cluster = PostgresCluster::start();
    auditor.database_url = cluster.url();
    // The restart drops the first sweep's lock between two of its writes (no write fails), and
    // a second sweep starts at once. Either the first takes its lock back at its next write
    // and the second is refused, or the second gets it and the first stops at its next write:
    // never both writing.
    let mut second = None;
    let restart = || {
        cluster.stop();
        cluster.start_server();
        second = Some(auditor.run(&["sweep"]));
    };
    let (first, _) = sweep_losing_the_database(&auditor, &[], 60, restart, || {}).await;
    let second = second.unwrap();
    let (first_err, second_err) = (text(&first.stderr), text(&second.stderr));
    let windows = write_windows(&cluster.url()).await;
    println!(
        "first sweep exit {:?}, second {:?}; write windows {windows:?}",
        first.status.code(),
        second.status.code()
    );
    let refused = second_err.contains("another sweep is running");
    let stopped = first_err.contains("no longer holds the sweep lock");
    assert!(
        refused ^ stopped,
        "exactly one sweep gave way\nfirst: {first_err}\nsecond: {second_err}"
    );
    if stopped {
        assert_eq!(first.status.code(), Some(1), "{first_err}");
        assert_eq!(second.status.code(), Some(2), "{second_err}");
    }
    // Whoever gave way, the sweeps' writes do not interleave.
    for pair in windows.windows(2) {
        assert!(
            pair[0].2 < pair[1].1,
            "sweep {} wrote until {} after sweep {} began writing at {}",
            pair[0].0,
            pair[0].2,
            pair[1].0,
            pair[1].1
        );
    }
}

//! `serve`: sweeps (here at start, then on the schedule), logs the next run in the configured
//! timezone, answers `/healthz`, and exposes Prometheus metrics that are scraped during the
//! sweep and after it; SIGTERM stops it while it waits.

#![allow(clippy::unwrap_used)]

mod common;

use common::setup;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

/// `GET path` on loopback; `None` while nothing listens.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    request(port, "GET", path)
}

/// `METHOD path` on loopback, without a body; `None` while nothing listens.
fn request(port: u16, method: &str, path: &str) -> Option<(String, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    Some((head.to_string(), body.to_string()))
}

/// The value of the sample `name` (with its labels, as exposed), if present.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_sweeps_on_start_and_its_metrics_are_scraped_during_and_after() {
    let (_emulator, expected, auditor) = setup().await;
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let log_path = std::env::temp_dir().join(format!("mfa-serve-{port}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let mut serve = auditor
        .command(
            &["serve"],
            &[
                ("MFA_AUDITOR__SCHEDULE__SWEEP_AT_START", "true"),
                ("MFA_AUDITOR__SCHEDULE__CRON", "30 3 * * *"),
                ("MFA_AUDITOR__SCHEDULE__TIMEZONE", "Asia/Kolkata"),
                ("MFA_AUDITOR__METRICS__LISTEN", &listen),
                // About 10 s of sweep: time to scrape while it runs.
                ("MFA_AUDITOR__LIMITS__GLOBAL_PER_SECOND", "20"),
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();

    let mut during = None;
    for _ in 0..300 {
        if let Some((head, body)) = get(port, "/metrics") {
            assert!(head.contains(" 200 "), "{head}");
            let calls = sample(
                &body,
                "mfa_auditor_aws_calls_total{operation=\"sts:AssumeRole\",result=\"ok\"}",
            );
            if sample(&body, "mfa_auditor_sweep_in_progress") == Some(1.0) && calls.is_some() {
                during = Some(body);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let during = during.expect("a scrape while the sweep ran");
    // While the first sweep runs, no finished sweep exists: the page says so, and never shows
    // the half-written one (should the sweep end meanwhile, it shows it ended).
    let (head, body) = get(port, "/report").unwrap();
    assert!(
        (head.contains(" 404 ") && body.contains("no sweep has finished yet"))
            || (head.contains(" 200 ") && !body.contains("(running)")),
        "{head}\n{body}"
    );
    let (head, body) = get(port, "/healthz").unwrap();
    assert!(head.contains(" 200 ") && body == "ok\n", "{head}\n{body}");

    let mut after = None;
    for _ in 0..600 {
        let (_, body) = get(port, "/metrics").unwrap();
        if sample(&body, "mfa_auditor_sweeps_total{status=\"partial\"}") == Some(1.0) {
            after = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = after.expect("the sweep ended within a minute");

    let outcomes = |outcome: &str| {
        expected["accounts"]
            .as_object()
            .unwrap()
            .values()
            .filter(|a| a["outcome"] == outcome)
            .count() as f64
    };
    let counted = |body: &str, outcome: &str| {
        sample(
            body,
            &format!("mfa_auditor_accounts_total{{outcome=\"{outcome}\"}}"),
        )
        .unwrap_or(0.0)
    };
    assert!(
        counted(&during, "assessed") < outcomes("assessed"),
        "{during}"
    );
    assert_eq!(sample(&after, "mfa_auditor_sweep_in_progress"), Some(0.0));
    for outcome in ["assessed", "error", "skipped"] {
        assert_eq!(
            counted(&after, outcome),
            outcomes(outcome),
            "{outcome}\n{after}"
        );
    }
    let audited = outcomes("assessed") + outcomes("error");
    assert_eq!(
        sample(&after, "mfa_auditor_account_duration_seconds_count"),
        Some(audited)
    );
    assert_eq!(
        sample(
            &after,
            "mfa_auditor_aws_calls_total{operation=\"sts:AssumeRole\",result=\"ok\"}"
        ),
        Some(outcomes("assessed"))
    );
    assert!(
        sample(
            &after,
            "mfa_auditor_aws_calls_total{operation=\"sts:AssumeRole\",result=\"access_denied\"}"
        ) >= Some(1.0),
        "{after}"
    );
    let last_success = sample(
        &after,
        "mfa_auditor_last_successful_sweep_timestamp_seconds",
    );
    let now = chrono::Utc::now().timestamp() as f64;
    assert!(
        last_success.is_some_and(|t| (now - t).abs() < 120.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "mfa_auditor_sweep_duration_seconds_count"),
        Some(1.0)
    );

    // After the sweep it logs the next run, in the configured timezone (India: +05:30).
    let mut logged = String::new();
    for _ in 0..50 {
        logged = std::fs::read_to_string(&log_path).unwrap();
        if logged.contains("next sweep at") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(logged.contains("T03:30:00+05:30 "), "{logged}");

    let report = auditor.json_report();
    assert_eq!(report["sweep"]["status"], "partial");

    // The same listener serves the latest report as HTML, and only reads.
    let (head, page) = get(port, "/report").unwrap();
    assert!(head.contains(" 200 "), "{head}");
    assert!(
        head.to_lowercase().contains("content-type: text/html"),
        "{head}"
    );
    assert!(
        page.contains(report["sweep"]["id"].as_str().unwrap()),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "data-check=\"accounts-assessed\">{}<",
            outcomes("assessed")
        )),
        "{page}"
    );
    let (head, _) = request(port, "POST", "/report").unwrap();
    assert!(head.contains(" 405 "), "{head}");

    std::process::Command::new("kill")
        .args(["-TERM", &serve.id().to_string()])
        .status()
        .unwrap();
    let status = tokio::task::spawn_blocking(move || serve.wait().unwrap())
        .await
        .unwrap();
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert_eq!(status.code(), Some(0), "{logged}");
    assert!(
        logged.contains("stopped while waiting for the next sweep"),
        "{logged}"
    );
    let _ = std::fs::remove_file(&log_path);
}

#[tokio::test]
async fn serve_exits_1_naming_what_it_cannot_reach() {
    let (_emulator, _expected, auditor) = setup().await;
    // The metrics address is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let output = auditor.run_with(&["serve"], &[("MFA_AUDITOR__METRICS__LISTEN", &address)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen for metrics on {address} (key `metrics.listen`)"
        )),
        "{stderr}"
    );
    // The database is down at start: no waiting for the night, an error naming host and port.
    let output = auditor.run_with(
        &["serve"],
        &[
            (
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:1/mfa_auditor",
            ),
            ("MFA_AUDITOR__METRICS__LISTEN", ""),
            ("MFA_AUDITOR__DATABASE__CONNECT_TIMEOUT_SECONDS", "1"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot connect to PostgreSQL at 127.0.0.1:1/mfa_auditor"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

//! `serve`: sweeps (here at start, then on the schedule), logs the next run in the configured
//! timezone, answers `/healthz`, and exposes Prometheus metrics that are scraped during the
//! sweep and after it; SIGTERM stops it while it waits. `/report` is off by default, and when
//! on answers only HTTP Basic credentials, refusals counted and logged without what was sent;
//! `/metrics` and `/healthz` stay open and name no account.

#![allow(clippy::unwrap_used)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{setup, Auditor};
use mfa_testkit::fresh_database;
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

/// The report page's password in these tests, and the header that sends it.
const REPORT_PASSWORD: &str = "Serve-Report-Pass-41c7-bb02";

/// `GET path` on loopback; `None` while nothing listens.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    request(port, "GET", path, None)
}

/// `GET path` with `Authorization: Basic` for `user:password`.
fn get_as(port: u16, path: &str, user: &str, password: &str) -> Option<(String, String)> {
    let credentials = STANDARD.encode(format!("{user}:{password}"));
    request(port, "GET", path, Some(&format!("Basic {credentials}")))
}

/// `METHOD path` on loopback, without a body; `None` while nothing listens.
fn request(
    port: u16,
    method: &str,
    path: &str,
    authorization: Option<&str>,
) -> Option<(String, String)> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let authorization = authorization
        .map(|value| format!("Authorization: {value}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{authorization}Content-Length: 0\r\nConnection: close\r\n\r\n"
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
    // The password as a Kubernetes Secret volume or systemd's LoadCredential= hands it.
    let password_file = std::env::temp_dir().join(format!("mfa-serve-{port}.password"));
    std::fs::write(&password_file, format!("{REPORT_PASSWORD}\n")).unwrap();
    let password_file = password_file.display().to_string();
    let mut serve = auditor
        .command(
            &["serve"],
            &[
                ("MFA_AUDITOR__METRICS__REPORT", "true"),
                ("MFA_AUDITOR__METRICS__REPORT_PASSWORD_FILE", &password_file),
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
    let (head, body) = get_as(port, "/report", "auditor", REPORT_PASSWORD).unwrap();
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

    // The same listener serves the latest report as HTML, to its credentials alone.
    let account_ids: Vec<&String> = expected["accounts"].as_object().unwrap().keys().collect();
    let refusals = [
        get(port, "/report").unwrap(),
        get_as(port, "/report", "auditor", "Wrong-Guess-0000-aaaa").unwrap(),
        get_as(port, "/report", "Wrong-User-7e1", REPORT_PASSWORD).unwrap(),
        request(port, "GET", "/report", Some("Bearer abc")).unwrap(),
    ];
    for (head, body) in &refusals {
        assert!(head.contains(" 401 "), "{head}");
        assert!(
            head.to_lowercase()
                .contains("www-authenticate: basic realm=\"mfa-auditor report\""),
            "{head}"
        );
        assert!(
            !account_ids.iter().any(|id| body.contains(id.as_str())),
            "{body}"
        );
    }
    let (head, page) = get_as(port, "/report", "auditor", REPORT_PASSWORD).unwrap();
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
    let (head, _) = request(port, "POST", "/report", None).unwrap();
    assert!(head.contains(" 405 "), "{head}");

    // Refusals are counted by reason; /metrics and /healthz, open to all, name no account.
    let (_, metrics) = get(port, "/metrics").unwrap();
    for (reason, count) in [("missing", 1.0), ("wrong", 2.0), ("malformed", 1.0)] {
        assert_eq!(
            sample(
                &metrics,
                &format!("mfa_auditor_report_unauthorized_total{{reason=\"{reason}\"}}")
            ),
            Some(count),
            "{metrics}"
        );
    }
    let (_, health) = get(port, "/healthz").unwrap();
    for body in [&metrics, &health] {
        assert!(
            !account_ids.iter().any(|id| body.contains(id.as_str())) && !body.contains("arn:"),
            "{body}"
        );
    }

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
    // Each refusal is logged with its reason, never with what was sent or the password.
    assert_eq!(
        logged.matches("GET /report refused").count(),
        refusals.len(),
        "{logged}"
    );
    let sent = [
        REPORT_PASSWORD.to_string(),
        "Wrong-Guess-0000-aaaa".to_string(),
        "Wrong-User-7e1".to_string(),
        "Bearer abc".to_string(),
        STANDARD.encode("auditor:Wrong-Guess-0000-aaaa"),
        STANDARD.encode(format!("Wrong-User-7e1:{REPORT_PASSWORD}")),
    ];
    for sent in sent {
        assert!(!logged.contains(&sent), "{sent} logged: {logged}");
    }
    let _ = std::fs::remove_file(&log_path);
    let _ = std::fs::remove_file(&password_file);
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

#[tokio::test]
async fn the_report_page_is_off_unless_asked_for() {
    // No sweep is needed: serve starts, listens, and waits for the night.
    let auditor = Auditor::new(fresh_database().await, "http://127.0.0.1:9".to_string());
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut serve = auditor
        .command(&["serve"], &[("MFA_AUDITOR__METRICS__LISTEN", &listen)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut health = None;
    for _ in 0..300 {
        health = get(port, "/healthz");
        if health.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (head, _) = health.expect("serve listens");
    assert!(head.contains(" 200 "), "{head}");
    for (head, body) in [
        get(port, "/report").unwrap(),
        get_as(port, "/report", "auditor", REPORT_PASSWORD).unwrap(),
    ] {
        assert!(head.contains(" 404 "), "{head}");
        assert!(body.contains("the report page is off"), "{body}");
    }
    let _ = serve.kill();
    let _ = serve.wait();

    // Asked for without a password: a configuration error naming the key, before anything.
    let output = auditor.run_with(
        &["serve"],
        &[
            ("MFA_AUDITOR__METRICS__LISTEN", &listen),
            ("MFA_AUDITOR__METRICS__REPORT", "true"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("key `metrics.report_password`: is not set, and `metrics.report` is true"),
        "{stderr}"
    );
}

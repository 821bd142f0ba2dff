//! Every number says the same thing: for one sweep, the text, JSON, CSV and HTML reports, the
//! webhook digest and the views give the same counts, each decided once in the store (the SQL
//! functions `control_counts` and `failing_change`). The demo organization, an accepted risk,
//! and three sweeps with people changing users in between: a user fixed, a failing user
//! deleted, a console user created without MFA.

#![allow(clippy::unwrap_used)]

mod common;

use common::receiver::{config_with, Answer, Receiver};
use common::{account_named, setup, text, Auditor};
use mfa_testkit::query_text;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Per control: accounts passed, failed, not applicable, errored; failing resources (excepted
/// included), excepted ones.
type Counts = BTreeMap<String, [u64; 6]>;

fn sweep(auditor: &Auditor) {
    let output = auditor.run(&["--quiet", "sweep"]);
    // 2: the demo organization has an account the audit role cannot be assumed in.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

fn run(auditor: &Auditor, args: &[&str]) -> String {
    let output = auditor.run(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The definitions, restated from the JSON report's resources: what the store must have
/// counted.
fn recounted(json: &Value) -> Counts {
    let mut counts = Counts::new();
    let accounts: Vec<&Value> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["outcome"] != "skipped")
        .collect();
    for control in json["sweep"]["controls"].as_array().unwrap() {
        let control = control.as_str().unwrap();
        let entry = counts.entry(control.to_string()).or_default();
        for account in &accounts {
            let result = account["controls"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["control_id"] == control);
            let Some(result) = result else {
                // The whole account errored: errored for every control.
                entry[3] += 1;
                continue;
            };
            let index = match result["status"].as_str().unwrap() {
                "PASSED" => 0,
                "FAILED" => 1,
                "NOT_APPLICABLE" => 2,
                _ => 3,
            };
            entry[index] += 1;
            for resource in result["resources"].as_array().unwrap() {
                if resource["status"] == "FAILED" {
                    entry[4] += 1;
                    entry[5] += u64::from(!resource["exception"].is_null());
                }
            }
        }
    }
    counts
}

fn from_json(json: &Value) -> Counts {
    json["control_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let n = |field: &str| c[field].as_u64().unwrap();
            (
                c["control_id"].as_str().unwrap().to_string(),
                [
                    n("accounts_passed"),
                    n("accounts_failed"),
                    n("accounts_not_applicable"),
                    n("accounts_errored"),
                    n("failing_resources"),
                    n("excepted_resources"),
                ],
            )
        })
        .collect()
}

/// The text report's control table: `control severity passed failed n/a error failing excepted`.
fn from_text(report: &str) -> Counts {
    report
        .lines()
        .skip_while(|l| !l.starts_with("control "))
        .skip(1)
        .take_while(|l| !l.starts_with('('))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let n = |i: usize| fields[i].parse::<u64>().unwrap();
            (fields[0].to_string(), [n(2), n(3), n(4), n(5), n(6), n(7)])
        })
        .collect()
}

/// The HTML report's control table: cells marked `data-check` and `data-control`.
fn from_html(page: &str, controls: &[String]) -> Counts {
    let cell = |metric: &str, control: &str| -> u64 {
        let marker = format!("data-check=\"{metric}\" data-control=\"{control}\">");
        let start = page
            .find(&marker)
            .unwrap_or_else(|| panic!("no {metric} cell for {control}"))
            + marker.len();
        page[start..].split('<').next().unwrap().parse().unwrap()
    };
    controls
        .iter()
        .map(|control| {
            let metrics = [
                "passed",
                "failed",
                "not-applicable",
                "error",
                "failing",
                "excepted",
            ];
            (control.clone(), metrics.map(|m| cell(m, control)))
        })
        .collect()
}

/// Failing resources, and the excepted ones, per control, from a CSV of one sweep's findings.
fn failing_in_csv(csv: &str) -> BTreeMap<String, (u64, u64)> {
    failing_in_csv_where(csv, |_| true)
}

/// The CSV's FAILED rows whose `column` is `value`: `(account_id, control_id)` of each.
fn failed_rows_with(csv: &str, column: &str, value: &str) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (account, control, status, wanted) =
        (at("account_id"), at("control_id"), at("status"), at(column));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[status] == "FAILED" && &r[wanted] == value)
        .map(|r| (r[account].to_string(), r[control].to_string()))
        .collect()
}

/// As [`failing_in_csv`], over the rows `keep` keeps.
fn failing_in_csv_where(
    csv: &str,
    keep: impl Fn(&csv::StringRecord) -> bool,
) -> BTreeMap<String, (u64, u64)> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (control, status, exception) = (
        column("control_id"),
        column("status"),
        column("exception_id"),
    );
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        if &record[status] == "FAILED" && keep(&record) {
            let entry = out.entry(record[control].to_string()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(!record[exception].is_empty());
        }
    }
    out
}

fn from_trend(rows: Vec<Vec<Option<String>>>) -> Counts {
    rows.into_iter()
        .map(|row| {
            let n = |i: usize| row[i].as_deref().unwrap().parse::<u64>().unwrap();
            (
                row[0].clone().unwrap(),
                [n(1), n(2), n(3), n(4), n(5), n(6)],
            )
        })
        .collect()
}

#[tokio::test]
async fn text_json_csv_html_the_digest_and_the_views_give_the_same_counts() {
    let (emulator, expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-counts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    common::accept_ci_user_risk(&mut auditor, &expected, &dir, 10);
    let prod_web = account_named(&expected, "prod-web");
    let dev_web = account_named(&expected, "dev-web");
    sweep(&auditor);
    emulator.change_users(&prod_web, json!([{"enable_virtual_mfa": "console-none"}]));
    sweep(&auditor);
    // A console user created without MFA (a new resource that fails: a new failure) and a
    // failing user deleted (gone while failing: resolved).
    emulator.change_users(
        &dev_web,
        json!([{"create_user": "contractor-sam", "kind": "console_none"},
               {"delete_user": "programmatic-none"}]),
    );
    // An account assessed before that errors now: the sweep's counts leave it out, and the
    // CSV of "now" (current_findings) carries its earlier findings, marked stale.
    let sandbox_bob = account_named(&expected, "sandbox-bob");
    emulator.set_faults(json!({"deny_assume_role": [sandbox_bob]}));
    let receiver = Receiver::start(Answer::Ok);
    auditor.config = config_with(
        &dir,
        &format!(
            "[[notify.webhook]]\nurl = \"{}\"\nformat = \"json\"\n",
            receiver.url
        ),
    );
    sweep(&auditor);

    let json = auditor.json_report();
    let sweep_id = json["sweep"]["id"].as_str().unwrap().to_string();
    let counts = from_json(&json);
    let controls: Vec<String> = counts.keys().cloned().collect();
    assert_eq!(controls.len(), 5, "{counts:?}");
    assert_eq!(counts, recounted(&json), "the store's counts, restated");
    // An account that errored as a whole is errored for every control; the accepted risk is
    // failing and excepted.
    assert!(counts.values().all(|c| c[3] >= 1), "{counts:?}");
    assert_eq!(counts["IAM.19"][5], 1, "{counts:?}");

    assert_eq!(from_text(&run(&auditor, &["report"])), counts, "text");
    let html = run(&auditor, &["report", "--format", "html"]);
    assert_eq!(from_html(&html, &controls), counts, "HTML");
    let csv = failing_in_csv(&run(
        &auditor,
        &["report", "--format", "csv", "--sweep", &sweep_id],
    ));
    for (control, c) in &counts {
        let (failing, excepted) = csv.get(control).copied().unwrap_or_default();
        assert_eq!((failing, excepted), (c[4], c[5]), "CSV, {control}");
    }
    // The CSV of "now": the same counts once the stale accounts' rows are set apart, and those
    // rows are the errored account's alone.
    let now = run(&auditor, &["report", "--format", "csv"]);
    let state = csv::Reader::from_reader(now.as_bytes())
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "account_state")
        .unwrap();
    let current = failing_in_csv_where(&now, |r| &r[state] != "stale");
    for (control, c) in &counts {
        let (failing, excepted) = current.get(control).copied().unwrap_or_default();
        assert_eq!((failing, excepted), (c[4], c[5]), "CSV of now, {control}");
    }
    let stale = failed_rows_with(&now, "account_state", "stale");
    assert!(!stale.is_empty(), "sandbox-bob failed before it errored");
    assert!(stale.iter().all(|(a, _)| *a == sandbox_bob), "{stale:?}");
    let trend = query_text(
        &auditor.database_url,
        &format!(
            "SELECT control_id, accounts_passed::text, accounts_failed::text,
                    accounts_not_applicable::text, accounts_errored::text,
                    failing_resources::text, excepted_resources::text
             FROM control_trend WHERE sweep_id = '{sweep_id}' ORDER BY control_id"
        ),
    )
    .await;
    assert_eq!(from_trend(trend), counts, "control_trend");

    // What changed: new failures and resolved, the same everywhere.
    let changes = json["changes_since_previous_sweep"].as_array().unwrap();
    let failing = |kind: &str| changes.iter().filter(|c| c["failing"] == kind).count();
    let (new_failures, resolved) = (failing("new_failure"), failing("resolved"));
    let sam: Vec<&str> = changes
        .iter()
        .filter(|c| {
            c["resource_id"]
                .as_str()
                .unwrap()
                .ends_with("/contractor-sam")
        })
        .map(|c| {
            assert_eq!(c["change"], "new_resource", "{c}");
            assert_eq!(c["failing"], "new_failure", "{c}");
            c["control_id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(sam, ["IAM.19", "IAM.5"], "a console user without MFA");
    assert!(changes.iter().any(|c| c["change"] == "gone"
        && c["failing"] == "resolved"
        && c["resource_id"]
            .as_str()
            .unwrap()
            .ends_with("/programmatic-none")));
    let headline = format!("{new_failures} new failures, {resolved} resolved;");
    let readable = run(&auditor, &["report"]);
    assert!(
        readable.contains(&format!("Changed since the previous sweep: {headline}")),
        "{readable}"
    );
    assert!(html.contains(&headline), "HTML headline");
    let view = query_text(
        &auditor.database_url,
        "SELECT count(*) FILTER (WHERE failing_change = 'new_failure')::text,
                count(*) FILTER (WHERE failing_change = 'resolved')::text
         FROM changes_since_previous_sweep",
    )
    .await;
    assert_eq!(
        view,
        vec![vec![
            Some(new_failures.to_string()),
            Some(resolved.to_string())
        ]],
        "changes_since_previous_sweep"
    );
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 1, "one POST for the sweep: {bodies:?}");
    let told = |kind: &str| {
        bodies[0]["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["change"] == kind)
            .count()
    };
    assert_eq!(
        (told("new_failure"), told("resolved")),
        (new_failures, resolved),
        "the webhook digest"
    );
}

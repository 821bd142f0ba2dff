//! `report --format html`, checked as a person would: rendered in headless Chromium (Debian's
//! `chromium`), the page asks for nothing, logs no console message, shows something, prints on
//! A4, and every number it shows is the JSON report's or the `mfa_coverage` view's for the same
//! sweep. And `report --as-of`, in every format.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, text, Auditor};
use mfa_testkit::{python, query_text, repo_root};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Chromium. Its absence fails the test rather than skipping it: a skipped rendering check
/// would pass CI with the page never seen, and scripts/test installs Chromium.
fn chromium() -> String {
    let path = std::env::var("MFA_AUDITOR_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    match Command::new(&path).arg("--version").output() {
        Ok(output) if output.status.success() => path,
        _ => panic!(
            "`{path}` cannot run, and the HTML report must be rendered to be checked. Install \
             Debian's chromium (apt-get install chromium; scripts/test and .ci/run do), or set \
             MFA_AUDITOR_CHROMIUM to a Chromium binary"
        ),
    }
}

/// What the browser saw (tests/validators/render_html.py).
fn render(chromium: &str, page: &Path, screenshot: &Path) -> Value {
    let output = Command::new(python())
        .arg(repo_root().join("tests/validators/render_html.py"))
        .arg(page)
        .arg(screenshot)
        .env("MFA_AUDITOR_CHROMIUM", chromium)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rendering failed: {}",
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn sweep(auditor: &Auditor) {
    let output = auditor.run(&["--quiet", "sweep"]);
    // 2: the demo organization has an account the audit role cannot be assumed in.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
}

fn report(auditor: &Auditor, args: &[&str]) -> Vec<u8> {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    let output = auditor.run(&all);
    assert!(output.status.success(), "{all:?}: {}", text(&output.stderr));
    output.stdout
}

/// The first OU under the root, as `mfa_coverage` names it.
fn top_level_ou(ou_path: &str) -> &str {
    ou_path.split('/').nth(1).unwrap_or(ou_path)
}

/// The text of the page's elements marked `data-check`, by (check, control, ou, metric).
fn shown(rendered: &Value) -> BTreeMap<(String, String, String, String), Vec<String>> {
    let mut out: BTreeMap<_, Vec<String>> = BTreeMap::new();
    for check in rendered["checks"].as_array().unwrap() {
        let field = |name: &str| check[name].as_str().unwrap_or("").to_string();
        out.entry((
            field("check"),
            field("control"),
            field("ou"),
            field("metric"),
        ))
        .or_default()
        .push(field("text"));
    }
    out
}

fn key(check: &str, control: &str, ou: &str, metric: &str) -> (String, String, String, String) {
    (check.into(), control.into(), ou.into(), metric.into())
}

#[tokio::test]
async fn the_html_report_renders_offline_and_shows_the_numbers_of_the_json_report_and_mfa_coverage()
{
    let chromium = chromium();
    let (emulator, expected, mut auditor) = setup().await;
    let dir = std::env::temp_dir().join(format!("mfa-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // An accepted risk, so that excepted findings are counted apart.
    common::accept_ci_user_risk(&mut auditor, &expected, &dir, 10);
    let prod_web = common::account_named(&expected, "prod-web");
    // Three sweeps, people changing users between them: a history that moves.
    sweep(&auditor);
    emulator.change_users(&prod_web, json!([{"enable_virtual_mfa": "console-none"}]));
    sweep(&auditor);
    let dev_web = common::account_named(&expected, "dev-web");
    emulator.change_users(
        &dev_web,
        json!([{"create_user": "contractor-sam", "kind": "console_none"}]),
    );
    sweep(&auditor);

    let page = dir.join("report.html");
    std::fs::write(&page, report(&auditor, &["--format", "html"])).unwrap();
    let json = auditor.json_report();
    let rendered = render(&chromium, &page, &dir.join("report.png"));

    // Nothing leaves the page, nothing complains, and there is something to see.
    assert_eq!(
        rendered["requests"],
        json!([]),
        "the page asked for something"
    );
    assert_eq!(rendered["console"], json!([]), "console messages");
    let screenshot = &rendered["screenshot"];
    assert!(
        screenshot["ink"].as_f64().unwrap() > 0.03 && screenshot["colours"].as_u64().unwrap() > 50,
        "a blank screenshot: {screenshot}"
    );
    // It prints on A4 (its CSS says so; Chromium's default would be Letter).
    assert!(
        rendered["print"]["pages"].as_u64().unwrap() >= 1,
        "{}",
        rendered["print"]
    );
    assert_eq!(
        rendered["print"]["page_sizes"],
        json!([[595.0, 841.9]]),
        "A4 in points"
    );
    let shown = shown(&rendered);
    let one = |key: (String, String, String, String)| -> String {
        let values = shown
            .get(&key)
            .unwrap_or_else(|| panic!("not on the page: {key:?}"));
        assert_eq!(values.len(), 1, "{key:?}: {values:?}");
        values[0].clone()
    };

    // The summary is the JSON report's.
    let accounts = json["accounts"].as_array().unwrap();
    for (check, outcome) in [
        ("accounts-assessed", "assessed"),
        ("accounts-errored", "error"),
        ("accounts-skipped", "skipped"),
    ] {
        let count = accounts.iter().filter(|a| a["outcome"] == outcome).count();
        assert_eq!(one(key(check, "", "", "")), count.to_string(), "{check}");
    }
    // Each control's counts are the JSON report's (tests/counts.rs checks those against the
    // resources, the text, the CSV, the digest and the views).
    for counts in json["control_counts"].as_array().unwrap() {
        let control = counts["control_id"].as_str().unwrap();
        for (check, field) in [
            ("passed", "accounts_passed"),
            ("failed", "accounts_failed"),
            ("not-applicable", "accounts_not_applicable"),
            ("error", "accounts_errored"),
            ("failing", "failing_resources"),
            ("excepted", "excepted_resources"),
        ] {
            assert_eq!(
                one(key(check, control, "", "")),
                counts[field].to_string(),
                "{check} {control}"
            );
        }
    }
    assert_eq!(one(key("excepted", "IAM.19", "", "")), "1");
    // The exception ends within `warn_days`: the summary says so.
    assert_eq!(one(key("exceptions-expiring", "", "", "")), "1");
    let changes = json["changes_since_previous_sweep"].as_array().unwrap();
    let changed = |kind: &str| changes.iter().filter(|c| c["change"] == kind).count();
    let failing = |kind: &str| changes.iter().filter(|c| c["failing"] == kind).count();
    assert_eq!(
        one(key("changes", "", "", "")),
        format!(
            "{} new failures, {} resolved; {} findings changed ({} new resources, {} gone).",
            failing("new_failure"),
            failing("resolved"),
            changes.len(),
            changed("new_resource"),
            changed("gone")
        )
    );
    assert_eq!(
        changed("new_resource"),
        2,
        "contractor-sam, under IAM.5 and IAM.19"
    );

    // Coverage: the view's rows, for every sweep.
    let rows = query_text(
        &auditor.database_url,
        "SELECT sweep_id::text, control_id, top_level_ou, in_scope::text, with_mfa::text,
                share::text
         FROM mfa_coverage ORDER BY sweep_started_at, control_id, top_level_ou",
    )
    .await;
    let latest = json["sweep"]["id"].as_str().unwrap();
    // (sweep, control) → (in scope, with MFA) for the organization; the latest sweep per OU.
    let mut organization: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    let mut latest_by_ou: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for row in &rows {
        let cell = |i: usize| row[i].clone().unwrap_or_default();
        let (in_scope, with_mfa): (u64, u64) = (cell(3).parse().unwrap(), cell(4).parse().unwrap());
        let total = organization.entry((cell(0), cell(1))).or_default();
        total.0 += in_scope;
        total.1 += with_mfa;
        if cell(0) == latest {
            latest_by_ou.insert((cell(1), cell(2)), (in_scope, with_mfa));
            let share = one(key("coverage", &cell(1), &cell(2), "share"));
            match row[5].as_deref() {
                Some(share_in_view) => {
                    let view = share_in_view.parse::<f64>().unwrap() * 100.0;
                    assert_eq!(share, format!("{view:.1} %"), "{row:?}");
                }
                None => assert_eq!(share, "–", "{row:?}"),
            }
        }
    }
    assert_eq!(
        organization
            .keys()
            .map(|(sweep, _)| sweep)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        3,
        "one coverage per sweep"
    );
    for ((control, ou), (in_scope, with_mfa)) in &latest_by_ou {
        assert_eq!(
            one(key("coverage", control, ou, "in_scope")),
            in_scope.to_string()
        );
        assert_eq!(
            one(key("coverage", control, ou, "with_mfa")),
            with_mfa.to_string()
        );
    }
    // The organization's line: one point per sweep, each saying the view's counts.
    for ((_, control), (in_scope, with_mfa)) in &organization {
        if *in_scope == 0 {
            continue;
        }
        let texts = shown
            .get(&key("point", control, "", ""))
            .unwrap_or_else(|| panic!("no points for {control}"));
        assert!(
            texts
                .iter()
                .any(|t| t.ends_with(&format!("({with_mfa} of {in_scope})"))),
            "{control}: {texts:?}"
        );
    }
    for control in ["IAM.9", "IAM.5", "IAM.19"] {
        assert_eq!(shown[&key("point", control, "", "")].len(), 3, "{control}");
    }
    // The view says what the JSON report says, per top-level OU: the resources the control
    // evaluated in the accounts the sweep assessed, and those that passed.
    let mut from_json: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
    for account in accounts.iter().filter(|a| a["outcome"] == "assessed") {
        let ou = top_level_ou(account["ou_path"].as_str().unwrap()).to_string();
        for control in account["controls"].as_array().unwrap() {
            if control["status"] == "ERROR" {
                continue;
            }
            let resources = control["resources"].as_array().unwrap();
            let entry = from_json
                .entry((
                    control["control_id"].as_str().unwrap().to_string(),
                    ou.clone(),
                ))
                .or_default();
            // In scope: what the control evaluates (a passwordless user pool is not).
            entry.0 += resources
                .iter()
                .filter(|r| r["status"] != "NOT_APPLICABLE")
                .count() as u64;
            entry.1 += resources.iter().filter(|r| r["status"] == "PASSED").count() as u64;
        }
    }
    assert_eq!(latest_by_ou, from_json);
    // And the history moved as people did: one more console user with MFA after the first
    // sweep, one more without after the second. (The view's rows are in time order.)
    let mut iam5: Vec<(String, u64, u64)> = Vec::new();
    for row in rows.iter().filter(|r| r[1].as_deref() == Some("IAM.5")) {
        let count = |i: usize| -> u64 { row[i].as_deref().unwrap().parse().unwrap() };
        match iam5.last_mut() {
            Some(last) if Some(&last.0) == row[0].as_ref() => {
                last.1 += count(3);
                last.2 += count(4);
            }
            _ => iam5.push((row[0].clone().unwrap(), count(3), count(4))),
        }
    }
    let iam5: Vec<(u64, u64)> = iam5.into_iter().map(|(_, n, m)| (n, m)).collect();
    assert_eq!(iam5.len(), 3);
    assert_eq!(iam5[1], (iam5[0].0, iam5[0].1 + 1));
    assert_eq!(iam5[2], (iam5[1].0 + 1, iam5[1].1));

    // As of today, every format: the same sweep, each account's last assessment.
    let today = chrono::Utc::now().date_naive().to_string();
    let as_of: Value =
        serde_json::from_slice(&report(&auditor, &["--as-of", &today, "--format", "json"]))
            .unwrap();
    assert_eq!(as_of["sweep"]["id"], json["sweep"]["id"]);
    assert_eq!(as_of["as_of"]["date"], today.as_str());
    assert_eq!(as_of["accounts"], json["accounts"]);
    assert_eq!(
        as_of["changes_since_previous_sweep"],
        json["changes_since_previous_sweep"]
    );
    for format in ["text", "csv", "ocsf", "asff", "html"] {
        let out = text(&report(&auditor, &["--as-of", &today, "--format", format]));
        assert!(!out.is_empty(), "{format}");
    }
    let html = text(&report(&auditor, &["--as-of", &today, "--format", "html"]));
    assert!(
        html.contains(&format!("as of {today}")),
        "the page says its day"
    );
    // Before the first sweep: nothing to show, and said so.
    let output = auditor.run(&["report", "--as-of", "2000-01-31"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("no sweep that started by the end of 2000-01-31 (UTC)"),
        "{}",
        text(&output.stderr)
    );
    let output = auditor.run(&["report", "--as-of", "2026-02-30"]);
    assert_eq!(
        output.status.code(),
        Some(64),
        "clap refuses a day that does not exist (EX_USAGE)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

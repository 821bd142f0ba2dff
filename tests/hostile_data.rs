//! Untrusted AWS data: the emulator answers with broken or hostile values, and each makes only
//! the affected account's affected controls ERROR with a clear message, never a panic, never a
//! PASSED; names full of quotes and SQL metacharacters round-trip exactly; names full of
//! terminal escapes and spreadsheet formulas reach no terminal and no spreadsheet as such.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, compare_with_expected, setup, text, Auditor};
use mfa_testkit::Emulator;
use serde_json::{json, Value};
use std::process::Output;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn hostile_answers_error_only_what_they_touch() {
    let (emulator, mut expected, auditor) = setup().await;
    let renamed = account_named(&expected, "dev-ml");
    let hostile_id = "12345'; DROP TABLE sweeps; --";
    let empty = account_named(&expected, "prod-api");
    let not_utf8 = account_named(&expected, "staging");
    let missing_column = account_named(&expected, "sandbox-alice");
    let absurd = account_named(&expected, "sandbox-dave");
    let odd_but_valid = account_named(&expected, "networking");
    let unknown_mfa = account_named(&expected, "payments-core");

    let quoted_user =
        format!("arn:aws:iam::{odd_but_valid}:user/ops/\"q,uoted\"'; DROP TABLE x;--ü");
    let odd_report = format!(
        "\u{feff}{HEADER},extra_column\n\"o,ps\",\"{}\",N/A,true,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A,whatever\n",
        quoted_user.replace('"', "\"\"")
    );
    let absurd_report = format!(
        "{HEADER}\nx,arn:aws:iam::{absurd}:user/x,N/A,true,N/A,N/A,N/A,{},false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
        "9".repeat(5000)
    );
    let reports = [
        (&empty, Vec::new()),
        (&not_utf8, vec![0xef, 0xbb, 0xbf, b'u', 0xff, 0xfe, b'\n']),
        (
            &missing_column,
            b"user,arn,password_enabled\nx,arn:x,true\n".to_vec(),
        ),
        (&absurd, absurd_report.into_bytes()),
        (&odd_but_valid, odd_report.into_bytes()),
    ];
    emulator.set_faults(json!({
        "account_id_rewrite": {"from": renamed, "to": hostile_id},
        "credential_report_contents": reports
            .iter()
            .map(|(account, body)| json!({"account": account, "content_b64": b64(body)}))
            .collect::<Vec<_>>(),
        "mfa_configuration_value": {"account": unknown_mfa, "value": "SOMETIMES"},
    }));

    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    assert!(!text(&sweep.stderr).contains("panicked"));
    let report = auditor.json_report();

    // The malformed id: an error, never assumed into, stored and shown exactly.
    let bad = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == hostile_id)
        .unwrap_or_else(|| panic!("the hostile id is reported: {report}"));
    assert_eq!(bad["outcome"], "error");
    assert_eq!(bad["error"]["operation"], "organizations:ListAccounts");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not 12 digits"));
    let mut entry = expected["accounts"]
        .as_object_mut()
        .unwrap()
        .remove(&renamed)
        .unwrap();
    entry["outcome"] = "error".into();
    entry["ou_path"] = "".into();
    entry["error"] =
        json!({"operation": "organizations:ListAccounts", "code": "MalformedResponse"});
    expected["accounts"][hostile_id] = entry;

    for account in [&empty, &not_utf8, &missing_column, &absurd] {
        for control in ["IAM.5", "IAM.19"] {
            expected["accounts"][account.as_str()]["controls"][control] = json!({"status": "ERROR", "error_region": "us-east-1", "error_code": "MalformedResponse"});
        }
    }
    let odd = &mut expected["accounts"][odd_but_valid.as_str()]["controls"];
    for control in ["IAM.5", "IAM.19"] {
        odd[control] = json!({"status": "FAILED", "resources": {quoted_user.as_str(): "FAILED"}});
    }
    expected["accounts"][unknown_mfa.as_str()]["controls"]["Cognito.5"] =
        json!({"status": "ERROR", "error_region": "us-east-1", "error_code": "MalformedResponse"});

    compare_with_expected(&report, &expected);
    // The malformed id's row has no OU path to compare; everything else matched above.
    let text_report = text(&auditor.run(&["report"]).stdout);
    assert!(text_report.contains(hostile_id), "{text_report}");
    assert!(
        text_report.contains("unknown MfaConfiguration"),
        "{text_report}"
    );
}

#[tokio::test]
async fn a_credential_report_that_lists_a_user_twice_is_decided_once() {
    let (emulator, mut expected, auditor) = setup().await;
    let account = account_named(&expected, "sandbox-alice");
    // The one console user without MFA, listed twice: once as IAM says, once with MFA.
    let arn = format!("arn:aws:iam::{account}:user/console-none");
    let row = |mfa: &str| {
        format!("console-none,{arn},N/A,true,N/A,N/A,N/A,{mfa},false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
    };
    let report = format!("{HEADER}\n{}\n{}\n", row("true"), row("false"));
    emulator.set_faults(json!({"credential_report_contents": [
        {"account": account, "content_b64": b64(report.as_bytes())}]}));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    assert!(
        !text(&sweep.stderr).contains("spooling"),
        "{}",
        text(&sweep.stderr)
    );
    // As without the duplicate: one finding, FAILED.
    for control in ["IAM.5", "IAM.19"] {
        assert_eq!(
            expected["accounts"][account.as_str()]["controls"][control]["resources"][&arn],
            "FAILED"
        );
    }
    expected["accounts"][account.as_str()]["seeded"] = Value::Null;
    compare_with_expected(&auditor.json_report(), &expected);
}

/// An OU name as AWS allows one (any character): it clears the screen, retitles the terminal,
/// rings the bell, starts a line of its own and returns the carriage.
const HOSTILE_OU: &str = "Prod\u{1b}[2J\u{1b}]0;pwned\u{7}\nFAKE: all accounts PASSED\r";
/// An OU name that reverses the rest of its line, then isolates, with C1's CSI and DEL.
const BIDI_OU: &str = "Sandbox\u{202e}devorppa\u{2066}\u{9b}2J\u{7f}\u{2069}";

/// The characters a terminal could obey, as the issue lists them: C0 controls but the newline
/// between lines, DEL, C1 controls, bidi overrides and isolates (checked here on their own, not
/// with the auditor's code).
fn obeyed(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c < ' ' && c != '\n')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        })
        .collect()
}

/// What a command printed could do nothing to a terminal but print.
fn check_terminal_safe(what: &str, output: &Output) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let printed = text(bytes);
        assert_eq!(
            obeyed(&printed),
            Vec::<char>::new(),
            "{what} {stream}: {printed}"
        );
        assert!(
            !printed.lines().any(|line| line.starts_with("FAKE")),
            "{what} {stream}: {printed}"
        );
    }
}

/// RFC 4180 cells, quoted fields holding separators, quotes and line breaks.
fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, csv.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (_, '"') => quoted = !quoted,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (_, c) => cell.push(c),
        }
    }
    rows
}

fn run_ok(auditor: &Auditor, args: &[&str]) -> Output {
    let output = auditor.run(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        text(&output.stderr)
    );
    output
}

/// Names two OUs (Workloads/Dev, Sandbox) and five accounts as AWS allows, in the emulator's
/// answers and in the expectations.
fn name_them_as_aws_allows(emulator: &Emulator, expected: &mut Value) {
    let mut account_names = json!({});
    for (seeded, hostile) in [
        ("dev-web", "=HYPERLINK(\"http://x\",\"y\")"),
        ("sandbox-alice", "@SUM(1+1)"),
        ("no-audit-role", "+1"),
        ("legacy-suspended", "-2"),
        ("sandbox-bob", "<img src=x onerror=alert(1)>"),
    ] {
        let id = account_named(expected, seeded);
        account_names[id.as_str()] = hostile.into();
        expected["accounts"][id.as_str()]["account_name"] = hostile.into();
    }
    let ou = |path: &str| expected["ou_ids"][path].as_str().unwrap().to_string();
    let ou_names = json!({ou("Workloads/Dev"): HOSTILE_OU, ou("Sandbox"): BIDI_OU});
    for account in expected["accounts"].as_object_mut().unwrap().values_mut() {
        let path = account["ou_path"].as_str().unwrap();
        if let Some(rest) = path.strip_prefix("Root/Workloads/Dev") {
            account["ou_path"] = format!("Root/Workloads/{HOSTILE_OU}{rest}").into();
        } else if let Some(rest) = path.strip_prefix("Root/Sandbox") {
            account["ou_path"] = format!("Root/{BIDI_OU}{rest}").into();
        }
    }
    emulator.set_faults(json!({"ou_names": ou_names, "account_names": account_names}));
}

/// No cell of the CSV (of now, and of the sweep) starts a formula; the names are there, behind
/// the quote.
fn check_csv(auditor: &Auditor, sweep_id: &str) {
    for args in [
        vec!["report", "--format", "csv"],
        vec!["report", "--format", "csv", "--sweep", sweep_id],
    ] {
        let csv = text(&run_ok(auditor, &args).stdout);
        let rows = csv_rows(&csv);
        assert!(rows.len() > 50, "{csv}");
        for cell in rows.iter().flatten() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{args:?}: {cell:?}"
            );
        }
        for name in ["=HYPERLINK(\"http://x\",\"y\")", "@SUM(1+1)"] {
            assert!(
                rows.iter().any(|row| row[1] == format!("'{name}")),
                "{args:?}: {name} in {csv}"
            );
        }
        assert!(rows.iter().any(|row| row[2].ends_with(HOSTILE_OU)), "{csv}");
    }
}

#[tokio::test]
async fn names_that_are_terminal_escapes_or_formulas_are_shown_never_obeyed() {
    let (emulator, mut expected, auditor) = setup().await;
    name_them_as_aws_allows(&emulator, &mut expected);

    // The sweep's summary and its logs at their most verbose (no-audit-role's warning names
    // its OU path); then every text a person reads.
    let sweep = auditor.run(&["-vv", "sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    check_terminal_safe("sweep -vv", &sweep);
    let shown_ou = "Workloads/Prod\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\nFAKE: all accounts PASSED\\r";
    assert!(
        text(&sweep.stderr).contains(shown_ou),
        "the logs name the OU: {}",
        text(&sweep.stderr)
    );
    let report = run_ok(&auditor, &["-vv", "report"]);
    check_terminal_safe("report", &report);
    let accounts = run_ok(&auditor, &["-vv", "accounts"]);
    check_terminal_safe("accounts", &accounts);
    let shown_bidi = "Root/Sandbox\\u{202e}devorppa\\u{2066}\\u{9b}2J\\u{7f}\\u{2069}";
    for (what, output) in [("report", &report), ("accounts", &accounts)] {
        let printed = text(&output.stdout);
        // The report cuts the long name to its column, between characters.
        for shown in [shown_ou, shown_bidi, "=HYPERLINK(\"http://x\",", "+1"] {
            assert!(printed.contains(shown), "{what}: {shown} in {printed}");
        }
    }

    // JSON carries every name exactly.
    let json = auditor.json_report();
    compare_with_expected(&json, &expected);
    check_csv(&auditor, json["sweep"]["id"].as_str().unwrap());

    // HTML escapes what is markup.
    let html = text(&run_ok(&auditor, &["report", "--format", "html"]).stdout);
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img"), "{html}");
}

/// NUL is a character AWS allows in an OU's name and PostgreSQL cannot store: what it names is
/// an error naming it (the accounts below the OU, an account so named), shown without the name,
/// and the sweep records every other account as usual (exit 2, nothing spooled).
#[tokio::test]
async fn a_name_holding_nul_is_an_error_for_what_it_names() {
    let (emulator, expected, auditor) = setup().await;
    let sandbox = expected["ou_ids"]["Sandbox"].as_str().unwrap().to_string();
    let dev_web = account_named(&expected, "dev-web");
    emulator.set_faults(json!({
        "ou_names": {sandbox.as_str(): "Sand\u{0}box"},
        "account_names": {dev_web.as_str(): "dev\u{0}web"},
    }));
    let sweep = auditor.run(&["sweep"]);
    assert_eq!(sweep.status.code(), Some(2), "{}", text(&sweep.stderr));
    let report = auditor.json_report();
    let accounts = report["accounts"].as_array().unwrap();
    let in_sandbox: Vec<String> = expected["accounts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, a)| a["ou_path"] == "Root/Sandbox" && a["outcome"] == "assessed")
        .map(|(id, _)| id.clone())
        .collect();
    assert!(in_sandbox.len() > 2, "{in_sandbox:?}");
    for id in &in_sandbox {
        let got = accounts
            .iter()
            .find(|a| a["account_id"] == id.as_str())
            .unwrap();
        assert_eq!(got["outcome"], "error", "{got}");
        let message = got["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(&sandbox) && message.contains("NUL"),
            "{message}"
        );
    }
    let named = accounts
        .iter()
        .find(|a| a["account_id"] == dev_web.as_str())
        .unwrap();
    assert_eq!(named["outcome"], "error", "{named}");
    assert_eq!(named["account_name"], "", "shown without the name");
    assert!(named["error"]["message"].as_str().unwrap().contains("NUL"));
    let assessed = accounts
        .iter()
        .filter(|a| a["outcome"] == "assessed")
        .count();
    assert_eq!(
        assessed,
        common::assessed_accounts(&expected).len() - in_sandbox.len() - 1
    );
}

//! Untrusted AWS data: the emulator answers with broken or hostile values, and each makes only
//! the affected account's affected controls ERROR with a clear message, never a panic, never a
//! PASSED; names full of quotes and SQL metacharacters round-trip exactly.

#![allow(clippy::unwrap_used)]

mod common;

use common::{account_named, compare_with_expected, setup, text};
use serde_json::{json, Value};

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

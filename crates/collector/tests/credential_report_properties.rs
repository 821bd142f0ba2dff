//! The credential report is untrusted input: property tests over arbitrary and mangled reports.
//! Every usage column reads back as written. Bounded (`PROPTEST_CASES`, 256 by default) so
//! that it runs in every CI run.

use chrono::{DateTime, Utc};
use mfa_collector::parse_credential_report;
use mfa_evaluator::ReportFreshness;
use proptest::prelude::*;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn quote(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

/// A credential-use column as the report writes it: (text, the date it says).
fn last_used() -> impl Strategy<Value = (String, Option<DateTime<Utc>>)> {
    prop_oneof![
        Just(("N/A".to_string(), None)),
        Just(("no_information".to_string(), None)),
        (0i64..4_000_000_000).prop_map(|secs| {
            let at = DateTime::from_timestamp(secs, 0).expect("in range");
            (at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string(), Some(at))
        }),
    ]
}

fn service() -> impl Strategy<Value = String> {
    prop_oneof![Just("N/A".to_string()), "[a-z][a-z0-9-]{0,20}"]
}

#[derive(Debug, Clone)]
struct User {
    name: String,
    arn: String,
    password: bool,
    mfa: bool,
    key1: bool,
    key2: bool,
    password_used: (String, Option<DateTime<Utc>>),
    key1_used: (String, Option<DateTime<Utc>>),
    key1_service: String,
}

prop_compose! {
    fn user()(name in "[\\PC]{1,20}", path in "(/[a-z,\" ]{1,6})*/", password: bool, mfa: bool,
              key1: bool, key2: bool, password_used in last_used(), key1_used in last_used(),
              key1_service in service()) -> User {
        let arn = format!("arn:aws:iam::111122223333:user{path}{name}");
        User { name, arn, password, mfa, key1, key2, password_used, key1_used, key1_service }
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_credential_report(&bytes, None, Utc::now(), ReportFreshness::GeneratedForThisAudit);
    }

    #[test]
    fn arbitrary_text_after_a_real_header_never_panics(body in "[\\PC\\n,\"]{0,2000}") {
        let _ = parse_credential_report(format!("{HEADER}\n{body}").as_bytes(), None, Utc::now(), ReportFreshness::GeneratedForThisAudit);
    }

    #[test]
    fn well_formed_reports_read_back_exactly(users in proptest::collection::vec(user(), 0..40),
                                             bom: bool) {
        let mut text = String::from(if bom { "\u{feff}" } else { "" });
        text.push_str(HEADER);
        for u in &users {
            text.push_str(&format!(
                "\n{},{},2026-01-01T00:00:00+00:00,{},{},N/A,N/A,{},{},N/A,{},N/A,{},{},N/A,N/A,N/A,N/A,false,N/A,false,N/A",
                quote(&u.name), quote(&u.arn), u.password, u.password_used.0, u.mfa, u.key1,
                u.key1_used.0, u.key1_service, u.key2
            ));
        }
        let report = parse_credential_report(text.as_bytes(), None, Utc::now(), ReportFreshness::GeneratedForThisAudit);
        // A user named like the root row is read as the root row (two of them are refused).
        let expected: Vec<_> = users.iter().filter(|u| u.name.trim() != "<root_account>").collect();
        let root_rows = users.len() - expected.len();
        match report {
            Ok(report) => {
                prop_assert_eq!(report.users.len(), expected.len());
                prop_assert_eq!(report.root_usage.is_some(), root_rows == 1);
                for (got, u) in report.users.iter().zip(expected) {
                    prop_assert_eq!(&got.name, u.name.trim());
                    prop_assert_eq!(&got.arn, u.arn.trim());
                    prop_assert_eq!((got.password_enabled, got.mfa_active), (u.password, u.mfa));
                    prop_assert_eq!((got.access_key_1_active, got.access_key_2_active), (u.key1, u.key2));
                    let usage = got.usage.as_ref().expect("in the report");
                    // The password's last use only while it has one; each active key's own.
                    prop_assert_eq!(usage.password_last_used, u.password_used.1.filter(|_| u.password));
                    let keys: Vec<_> = usage.active_access_keys.iter()
                        .map(|k| (k.last_used_date, k.last_used_service.clone())).collect();
                    let mut want = Vec::new();
                    if u.key1 {
                        want.push((u.key1_used.1, Some(u.key1_service.clone()).filter(|s| s != "N/A")));
                    }
                    if u.key2 {
                        want.push((None, None));
                    }
                    prop_assert_eq!(keys, want);
                }
            }
            // Names that are blank once trimmed, and two root rows, are refused, never guessed.
            Err(error) => prop_assert!(
                root_rows > 1 || expected.iter().any(|u| u.name.trim().is_empty()),
                "{}",
                error
            ),
        }
    }
}

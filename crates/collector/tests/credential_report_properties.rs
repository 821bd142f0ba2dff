//! The credential report is untrusted input: property tests over arbitrary and mangled reports.
//! Bounded (`PROPTEST_CASES`, 256 by default) so that it runs in every CI run.

use chrono::Utc;
use mfa_collector::parse_credential_report;
use mfa_evaluator::ReportFreshness;
use proptest::prelude::*;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn quote(field: &str) -> String {
    format!("\"{}\"", field.replace('"', "\"\""))
}

prop_compose! {
    fn user()(name in "[\\PC]{1,20}", path in "(/[a-z,\" ]{1,6})*/", password: bool, mfa: bool,
              key1: bool, key2: bool) -> (String, String, bool, bool, bool, bool) {
        let arn = format!("arn:aws:iam::111122223333:user{path}{name}");
        (name, arn, password, mfa, key1, key2)
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
        for (name, arn, password, mfa, key1, key2) in &users {
            text.push_str(&format!(
                "\n{},{},2026-01-01T00:00:00+00:00,{password},N/A,N/A,N/A,{mfa},{key1},N/A,N/A,N/A,N/A,{key2},N/A,N/A,N/A,N/A,false,N/A,false,N/A",
                quote(name), quote(arn)
            ));
        }
        let report = parse_credential_report(text.as_bytes(), None, Utc::now(), ReportFreshness::GeneratedForThisAudit);
        // A user named like the root row is skipped, as the report's own root row is.
        let expected: Vec<_> = users.iter().filter(|u| u.0.trim() != "<root_account>").collect();
        match report {
            Ok(report) => {
                prop_assert_eq!(report.users.len(), expected.len());
                for (got, (name, arn, password, mfa, key1, key2)) in report.users.iter().zip(expected) {
                    prop_assert_eq!(&got.name, name.trim());
                    prop_assert_eq!(&got.arn, arn.trim());
                    prop_assert_eq!((got.password_enabled, got.mfa_active), (*password, *mfa));
                    prop_assert_eq!((got.access_key_1_active, got.access_key_2_active), (*key1, *key2));
                }
            }
            // Names that are blank once trimmed are refused, never guessed.
            Err(error) => prop_assert!(expected.iter().any(|u| u.0.trim().is_empty()), "{}", error),
        }
    }
}

use super::*;
use mfa_evaluator::AccessKeyUse;

const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

fn row(user: &str, arn: &str, password: &str, mfa: &str, key1: &str) -> String {
    format!("{user},{arn},2026-01-01T00:00:00+00:00,{password},N/A,N/A,N/A,{mfa},{key1},N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
}

fn parse(text: &str) -> Result<CredentialReport, ReportParseError> {
    parse_credential_report(
        text.as_bytes(),
        None,
        Utc::now(),
        ReportFreshness::GeneratedForThisAudit,
    )
}

#[test]
fn reads_users_and_skips_the_root_row() {
    let text = [
        HEADER.to_string(),
        row(
            "<root_account>",
            "arn:aws:iam::111122223333:root",
            "not_supported",
            "true",
            "false",
        ),
        row(
            "jess",
            "arn:aws:iam::111122223333:user/staff/jess",
            "true",
            "false",
            "false",
        ),
        row(
            "ci",
            "arn:aws:iam::111122223333:user/ci",
            "false",
            "true",
            "true",
        ),
    ]
    .join("\n");
    let report = parse(&text).expect("parses");
    assert_eq!(report.users.len(), 2);
    assert_eq!(
        report.users[0].arn,
        "arn:aws:iam::111122223333:user/staff/jess"
    );
    assert!(report.users[0].password_enabled && !report.users[0].mfa_active);
    assert!(!report.users[1].password_enabled && report.users[1].mfa_active);
    assert!(report.users[1].access_key_1_active);
}

#[test]
fn tolerates_a_bom_reordered_and_extra_columns() {
    let text = "\u{feff}mfa_active,extra,arn,user,password_enabled,access_key_2_active,access_key_1_active,\
                password_last_used,access_key_1_last_used_date,access_key_1_last_used_service,\
                access_key_2_last_used_date,access_key_2_last_used_service\n\
                true,x,\"arn:aws:iam::111122223333:user/a,b\",\"a,b\",false,false,false,N/A,N/A,N/A,N/A,N/A\n";
    let report = parse(text).expect("parses");
    assert_eq!(report.users[0].name, "a,b");
    assert!(report.users[0].mfa_active);
}

/// A report row with every usage column given.
#[allow(clippy::too_many_arguments)]
fn used(
    user: &str,
    password: &str,
    password_last_used: &str,
    key1: &str,
    key1_date: &str,
    key1_service: &str,
    key2: &str,
    key2_date: &str,
    key2_service: &str,
) -> String {
    format!("{user},arn:aws:iam::111122223333:user/{user},2026-01-01T00:00:00+00:00,{password},{password_last_used},N/A,N/A,false,{key1},N/A,{key1_date},us-east-1,{key1_service},{key2},N/A,{key2_date},us-east-1,{key2_service},false,N/A,false,N/A")
}

#[test]
fn reads_each_identitys_credential_use_for_what_it_has_now() {
    let date = |text: &str| {
        Some(
            DateTime::parse_from_rfc3339(text)
                .expect("a date")
                .with_timezone(&Utc),
        )
    };
    let text = [
        HEADER.to_string(),
        used(
            "<root_account>",
            "not_supported",
            "2026-02-01T08:00:00+00:00",
            "true",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "N/A",
        ),
        used(
            "jess",
            "true",
            "2026-03-01T10:20:30+00:00",
            "true",
            "2026-03-02T00:00:00+00:00",
            "s3",
            "true",
            "N/A",
            "N/A",
        ),
        // No console password: its old last use is not a credential it has; an inactive
        // key's columns are not read at all.
        used(
            "ci",
            "false",
            "2025-01-01T00:00:00+00:00",
            "false",
            "whatever",
            "??",
            "true",
            "no_information",
            "N/A",
        ),
        used(
            "new",
            "true",
            "no_information",
            "false",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "N/A",
        ),
    ]
    .join("\n");
    let report = parse(&text).expect("parses");
    let root = report.root_usage.expect("the root row's use");
    assert_eq!(root.password_last_used, date("2026-02-01T08:00:00Z"));
    assert_eq!(root.active_access_keys.len(), 1);
    let usage = |i: usize| report.users[i].usage.clone().expect("in the report");
    assert_eq!(usage(0).password_last_used, date("2026-03-01T10:20:30Z"));
    assert_eq!(
        usage(0).active_access_keys,
        vec![
            AccessKeyUse {
                last_used_date: date("2026-03-02T00:00:00Z"),
                last_used_service: Some("s3".into()),
            },
            AccessKeyUse {
                last_used_date: None,
                last_used_service: None,
            },
        ]
    );
    assert_eq!(usage(1).password_last_used, None);
    assert_eq!(usage(1).active_access_keys.len(), 1, "key 2 only");
    assert_eq!(usage(2).password_last_used, None, "no_information");
    assert!(usage(2).active_access_keys.is_empty());
}

#[test]
fn a_usage_value_outside_the_format_names_its_row_and_column() {
    let cases = [
        (
            used(
                "a",
                "true",
                "last week",
                "false",
                "N/A",
                "N/A",
                "false",
                "N/A",
                "N/A",
            ),
            "password_last_used",
            "last week",
        ),
        (
            used(
                "a", "false", "N/A", "true", "", "N/A", "false", "N/A", "N/A",
            ),
            "access_key_1_last_used_date",
            "",
        ),
        (
            used(
                "a",
                "false",
                "N/A",
                "false",
                "N/A",
                "N/A",
                "true",
                "N/A",
                "S3 Console",
            ),
            "access_key_2_last_used_service",
            "S3 Console",
        ),
        (
            used(
                "<root_account>",
                "not_supported",
                "never",
                "false",
                "N/A",
                "N/A",
                "false",
                "N/A",
                "N/A",
            ),
            "password_last_used",
            "never",
        ),
    ];
    for (line, column, value) in cases {
        let text = [
            HEADER.to_string(),
            used(
                "ok", "false", "N/A", "false", "N/A", "N/A", "false", "N/A", "N/A",
            ),
            line,
        ]
        .join("\n");
        let error = parse(&text).expect_err(column);
        assert_eq!(
            error,
            ReportParseError::BadValue {
                row: 2,
                column,
                value: value.into()
            }
        );
        assert!(
            error.to_string().contains(&format!("row 2 has {column}")),
            "{error}"
        );
    }
    let twice = [
        HEADER.to_string(),
        used(
            "<root_account>",
            "not_supported",
            "N/A",
            "false",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "N/A",
        ),
        used(
            "<root_account>",
            "not_supported",
            "N/A",
            "false",
            "N/A",
            "N/A",
            "false",
            "N/A",
            "N/A",
        ),
    ]
    .join("\n");
    assert_eq!(
        parse(&twice),
        Err(ReportParseError::TwoRootRows { first: 1, row: 2 })
    );
    let no_column = HEADER.replace(",access_key_2_last_used_service", "");
    assert_eq!(
        parse(&no_column),
        Err(ReportParseError::MissingColumn(
            "access_key_2_last_used_service"
        ))
    );
}

#[test]
fn rejects_what_it_cannot_read() {
    assert_eq!(parse(""), Err(ReportParseError::Empty));
    assert_eq!(
        parse_credential_report(
            &[0xff, 0xfe, 0x00],
            None,
            Utc::now(),
            ReportFreshness::GeneratedForThisAudit
        ),
        Err(ReportParseError::NotUtf8)
    );
    assert_eq!(
        parse("user,arn,password_enabled\nx,arn:x,true\n"),
        Err(ReportParseError::MissingColumn("mfa_active"))
    );
    let bad = [
        HEADER.to_string(),
        row("a", "arn:a", "yes", "false", "false"),
    ]
    .join("\n");
    assert!(matches!(
        parse(&bad),
        Err(ReportParseError::BadBoolean {
            column: "password_enabled",
            ..
        })
    ));
    let short = format!("{HEADER}\na,arn:a,x\n");
    assert!(matches!(
        parse(&short),
        Err(ReportParseError::BadRow { row: 1, .. })
    ));
}

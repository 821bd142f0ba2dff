//! Parses the IAM credential report (CSV). The report is untrusted input: a missing column, a
//! value outside the documented set or bytes that are not UTF-8 are errors, never guesses.

use chrono::{DateTime, Utc};
use mfa_evaluator::{CredentialReport, IamUser, ReportFreshness, UserSource};

/// Why a credential report could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportParseError {
    #[error("the credential report is empty")]
    Empty,
    #[error("the credential report is not UTF-8")]
    NotUtf8,
    #[error("the credential report has no {0:?} column")]
    MissingColumn(&'static str),
    #[error("the credential report's row {row} is not valid CSV: {message}")]
    BadRow { row: usize, message: String },
    #[error("the credential report's row {row} has {column} = {value:?}, expected true or false")]
    BadBoolean {
        row: usize,
        column: &'static str,
        value: String,
    },
    #[error("the credential report's row {row} has an empty user name or ARN")]
    MissingIdentity { row: usize },
}

const ROOT_ROW: &str = "<root_account>";

/// Parses the report's bytes. Columns are found by name, so reordered or added columns are fine.
pub fn parse_credential_report(
    content: &[u8],
    generated_at: Option<DateTime<Utc>>,
    read_at: DateTime<Utc>,
    freshness: ReportFreshness,
) -> Result<CredentialReport, ReportParseError> {
    let text = std::str::from_utf8(content).map_err(|_| ReportParseError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(ReportParseError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ReportParseError::BadRow {
            row: 0,
            message: e.to_string(),
        })?
        .clone();
    let column = |name: &'static str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or(ReportParseError::MissingColumn(name))
    };
    let user_col = column("user")?;
    let arn_col = column("arn")?;
    let password_col = column("password_enabled")?;
    let mfa_col = column("mfa_active")?;
    let key1_col = column("access_key_1_active")?;
    let key2_col = column("access_key_2_active")?;

    let mut users = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = record.map_err(|e| ReportParseError::BadRow {
            row,
            message: e.to_string(),
        })?;
        let field = |col: usize| record.get(col).unwrap_or("").trim();
        let name = field(user_col);
        if name == ROOT_ROW {
            continue;
        }
        let arn = field(arn_col);
        if name.is_empty() || arn.is_empty() {
            return Err(ReportParseError::MissingIdentity { row });
        }
        let boolean = |col: usize, column: &'static str| match field(col) {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(ReportParseError::BadBoolean {
                row,
                column,
                value: other.chars().take(40).collect(),
            }),
        };
        users.push(IamUser {
            name: name.to_string(),
            arn: arn.to_string(),
            password_enabled: boolean(password_col, "password_enabled")?,
            mfa_active: boolean(mfa_col, "mfa_active")?,
            access_key_1_active: boolean(key1_col, "access_key_1_active")?,
            access_key_2_active: boolean(key2_col, "access_key_2_active")?,
            in_report: true,
            mfa_source: UserSource::CredentialReport,
            console_source: UserSource::CredentialReport,
            mfa_devices: None,
            usage: None,
        });
    }
    Ok(CredentialReport {
        generated_at,
        read_at,
        users,
        freshness,
        root_usage: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let text = "\u{feff}mfa_active,extra,arn,user,password_enabled,access_key_2_active,access_key_1_active\n\
                    true,x,\"arn:aws:iam::111122223333:user/a,b\",\"a,b\",false,false,false\n";
        let report = parse(text).expect("parses");
        assert_eq!(report.users[0].name, "a,b");
        assert!(report.users[0].mfa_active);
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
}

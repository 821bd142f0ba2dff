//! The credential-use columns of a credential report row (`password_last_used`,
//! `access_key_N_last_used_date`, `access_key_N_last_used_service`), read as the IAM User
//! Guide's credential report format writes them: an ISO 8601 date-time, or `N/A` /
//! `no_information` for no date; a service namespace (`s3`, `cognito-idp`), or `N/A` for none.
//! Anything else is an error naming the row and the column, never a guess.

use super::ReportParseError;
use chrono::{DateTime, Utc};
use mfa_evaluator::{AccessKeyUse, CredentialUse};

/// The credential-use columns, by position in the report's header.
#[derive(Debug, Clone, Copy)]
pub(super) struct UsageColumns {
    pub password_last_used: usize,
    pub keys: [KeyColumns; 2],
}

/// One access key's columns.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyColumns {
    pub active: usize,
    pub active_name: &'static str,
    pub last_used_date: usize,
    pub date_name: &'static str,
    pub last_used_service: usize,
    pub service_name: &'static str,
}

/// One row's fields, as the parser reads them (trimmed), with the row's number for errors.
pub(super) struct Row<'a> {
    pub number: usize,
    pub field: &'a dyn Fn(usize) -> &'a str,
}

impl Row<'_> {
    fn bad(&self, column: &'static str, value: &str) -> ReportParseError {
        ReportParseError::BadValue {
            row: self.number,
            column,
            value: value.chars().take(40).collect(),
        }
    }

    pub(super) fn boolean(
        &self,
        col: usize,
        column: &'static str,
    ) -> Result<bool, ReportParseError> {
        match (self.field)(col) {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(ReportParseError::BadBoolean {
                row: self.number,
                column,
                value: other.chars().take(40).collect(),
            }),
        }
    }

    /// A date column: `N/A` and `no_information` say there is no date.
    fn date(
        &self,
        col: usize,
        column: &'static str,
    ) -> Result<Option<DateTime<Utc>>, ReportParseError> {
        match (self.field)(col) {
            "N/A" | "no_information" => Ok(None),
            value => DateTime::parse_from_rfc3339(value)
                .map(|at| Some(at.with_timezone(&Utc)))
                .map_err(|_| self.bad(column, value)),
        }
    }

    /// A service column: `N/A`, or a service namespace (lower-case letters, digits, `-`).
    fn service(
        &self,
        col: usize,
        column: &'static str,
    ) -> Result<Option<String>, ReportParseError> {
        match (self.field)(col) {
            "N/A" => Ok(None),
            value if is_service_namespace(value) => Ok(Some(value.to_string())),
            value => Err(self.bad(column, value)),
        }
    }

    /// The row's credential use. The password's last use is read when `password` says it is
    /// there to read (a console password now, or the root row); each key's columns only when
    /// the key is active: a credential that does not exist has no use to weigh.
    pub(super) fn usage(
        &self,
        columns: &UsageColumns,
        password: bool,
    ) -> Result<CredentialUse, ReportParseError> {
        let password_last_used = if password {
            self.date(columns.password_last_used, "password_last_used")?
        } else {
            None
        };
        let mut active_access_keys = Vec::new();
        for key in &columns.keys {
            if self.boolean(key.active, key.active_name)? {
                active_access_keys.push(AccessKeyUse {
                    last_used_date: self.date(key.last_used_date, key.date_name)?,
                    last_used_service: self.service(key.last_used_service, key.service_name)?,
                });
            }
        }
        Ok(CredentialUse {
            password_last_used,
            active_access_keys,
        })
    }
}

fn is_service_namespace(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row<'a>(read: &'a dyn Fn(usize) -> &'a str) -> Row<'a> {
        Row {
            number: 3,
            field: read,
        }
    }

    #[test]
    fn dates_are_iso_8601_or_say_there_is_none() {
        let fields = [
            "2026-03-01T10:20:30+00:00",
            "N/A",
            "no_information",
            "2026-03-01T10:20:30Z",
            "yesterday",
            "",
            "2026-03-01",
        ];
        let read = |i: usize| fields[i];
        let row = row(&read);
        let at = DateTime::parse_from_rfc3339("2026-03-01T10:20:30Z")
            .expect("a date")
            .with_timezone(&Utc);
        assert_eq!(row.date(0, "password_last_used"), Ok(Some(at)));
        assert_eq!(row.date(1, "password_last_used"), Ok(None));
        assert_eq!(row.date(2, "password_last_used"), Ok(None));
        assert_eq!(row.date(3, "password_last_used"), Ok(Some(at)));
        for (bad, value) in fields.iter().enumerate().skip(4) {
            assert_eq!(
                row.date(bad, "access_key_1_last_used_date"),
                Err(ReportParseError::BadValue {
                    row: 3,
                    column: "access_key_1_last_used_date",
                    value: value.to_string(),
                })
            );
        }
    }

    #[test]
    fn services_are_namespaces_or_n_a() {
        let fields = [
            "s3",
            "cognito-idp",
            "N/A",
            "",
            "S3",
            "s 3",
            "no_information",
            "ec2;rm",
        ];
        let read = |i: usize| fields[i];
        let row = row(&read);
        assert_eq!(row.service(0, "c"), Ok(Some("s3".to_string())));
        assert_eq!(row.service(1, "c"), Ok(Some("cognito-idp".to_string())));
        assert_eq!(row.service(2, "c"), Ok(None));
        for (bad, value) in fields.iter().enumerate().skip(3) {
            assert!(
                matches!(
                    row.service(bad, "c"),
                    Err(ReportParseError::BadValue {
                        row: 3,
                        column: "c",
                        ..
                    })
                ),
                "{value:?}"
            );
        }
    }
}

//! Parses the IAM credential report (CSV). The report is untrusted input: a missing column, a
//! value outside the documented set or bytes that are not UTF-8 are errors, never guesses.
//! `usage.rs` reads the credential-use columns (last use of the password and of each key).

use chrono::{DateTime, Utc};
use mfa_evaluator::{CredentialReport, IamUser, ReportFreshness, UserSource};
use usage::{KeyColumns, Row, UsageColumns};

mod usage;

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
    #[error(
        "the credential report's row {row} has {column} = {value:?}, which the credential \
         report format does not write there"
    )]
    BadValue {
        row: usize,
        column: &'static str,
        value: String,
    },
    #[error("the credential report's row {row} has an empty user name or ARN")]
    MissingIdentity { row: usize },
    #[error("the credential report has more than one <root_account> row (rows {first} and {row})")]
    TwoRootRows { first: usize, row: usize },
}

const ROOT_ROW: &str = "<root_account>";

/// Where each column the parser reads is, by name.
struct Columns {
    user: usize,
    arn: usize,
    password: usize,
    mfa: usize,
    usage: UsageColumns,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Result<Columns, ReportParseError> {
        let column = |name: &'static str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or(ReportParseError::MissingColumn(name))
        };
        let key = |active, date, service| -> Result<KeyColumns, ReportParseError> {
            Ok(KeyColumns {
                active: column(active)?,
                active_name: active,
                last_used_date: column(date)?,
                date_name: date,
                last_used_service: column(service)?,
                service_name: service,
            })
        };
        Ok(Columns {
            user: column("user")?,
            arn: column("arn")?,
            password: column("password_enabled")?,
            mfa: column("mfa_active")?,
            usage: UsageColumns {
                password_last_used: column("password_last_used")?,
                keys: [
                    key(
                        "access_key_1_active",
                        "access_key_1_last_used_date",
                        "access_key_1_last_used_service",
                    )?,
                    key(
                        "access_key_2_active",
                        "access_key_2_last_used_date",
                        "access_key_2_last_used_service",
                    )?,
                ],
            },
        })
    }
}

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
    let headers = reader.headers().map_err(|e| ReportParseError::BadRow {
        row: 0,
        message: e.to_string(),
    })?;
    let columns = Columns::find(headers)?;

    let mut users = Vec::new();
    let mut root_usage = None;
    let mut root_row = None;
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = record.map_err(|e| ReportParseError::BadRow {
            row: number,
            message: e.to_string(),
        })?;
        let field = |col: usize| record.get(col).unwrap_or("").trim();
        let row = Row {
            number,
            field: &field,
        };
        if field(columns.user) == ROOT_ROW {
            if let Some(first) = root_row {
                return Err(ReportParseError::TwoRootRows { first, row: number });
            }
            root_row = Some(number);
            // Root's password is never `password_enabled` (`not_supported`): its last use is
            // read as written (`N/A` without one).
            root_usage = Some(row.usage(&columns.usage, true)?);
            continue;
        }
        users.push(user(&row, &columns)?);
    }
    Ok(CredentialReport {
        generated_at,
        read_at,
        users,
        freshness,
        root_usage,
    })
}

/// An IAM user's row.
fn user(row: &Row<'_>, columns: &Columns) -> Result<IamUser, ReportParseError> {
    let name = (row.field)(columns.user);
    let arn = (row.field)(columns.arn);
    if name.is_empty() || arn.is_empty() {
        return Err(ReportParseError::MissingIdentity { row: row.number });
    }
    let password_enabled = row.boolean(columns.password, "password_enabled")?;
    let mfa_active = row.boolean(columns.mfa, "mfa_active")?;
    let keys = &columns.usage.keys;
    Ok(IamUser {
        name: name.to_string(),
        arn: arn.to_string(),
        password_enabled,
        mfa_active,
        access_key_1_active: row.boolean(keys[0].active, keys[0].active_name)?,
        access_key_2_active: row.boolean(keys[1].active, keys[1].active_name)?,
        in_report: true,
        mfa_source: UserSource::CredentialReport,
        console_source: UserSource::CredentialReport,
        mfa_devices: None,
        usage: Some(row.usage(&columns.usage, password_enabled)?),
    })
}

#[cfg(test)]
mod tests;

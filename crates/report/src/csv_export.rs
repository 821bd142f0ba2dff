//! `report --format csv`: the current findings of every account, for spreadsheets, each with
//! the facts beyond the controls read beside it (empty where not read).

use crate::{AccountStanding, SweepReport};
use chrono::{DateTime, Utc};
use mfa_evaluator::{ControlId, EnforcementState, Facts, Priority, ResourceType, Severity, Status};
use serde::{Deserialize, Serialize};

/// One row of `current_findings`, for the CSV export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentFinding {
    pub account_id: String,
    pub account_name: String,
    pub ou_path: String,
    pub control_id: ControlId,
    pub severity: Severity,
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub status: Status,
    pub failing_since: Option<DateTime<Utc>>,
    pub last_assessed_at: Option<DateTime<Utc>>,
    pub account_state: AccountStanding,
    /// The exception that covers the finding (an accepted risk), if any.
    pub exception_id: Option<String>,
    pub exception_owner: Option<String>,
    pub exception_expires: Option<chrono::NaiveDate>,
    /// The control's related requirements (Security Hub's spelling), separated by `; `.
    #[serde(default)]
    pub related_requirements: String,
    /// For a resource the control does not evaluate (status `NOT_APPLICABLE`), why.
    #[serde(default)]
    pub not_evaluated: Option<String>,
}

/// The facts beyond the controls a CSV row carries after the finding's columns (appended, so
/// scripts that read the others by position still work); empty where not read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FactColumns {
    /// On FAILED IAM.9, IAM.5 and IAM.19 findings.
    pub priority: Option<Priority>,
    pub phishing_resistant: Option<bool>,
    /// `enforced`, `not_enforced` or `not_recognised`.
    pub mfa_enforcement: Option<EnforcementState>,
    pub admin_equivalent: Option<bool>,
}

impl From<&Facts> for FactColumns {
    fn from(facts: &Facts) -> Self {
        FactColumns {
            priority: facts.priority,
            phishing_resistant: facts.phishing_resistant,
            mfa_enforcement: facts.mfa_enforcement.as_ref().map(|e| e.state),
            admin_equivalent: facts.stakes.as_ref().and_then(|s| s.admin_equivalent),
        }
    }
}

/// A finding with the facts read beside it: a row of the CSV export.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    pub finding: CurrentFinding,
    pub facts: FactColumns,
}

/// What the CSV export writes a row from: a finding, and the facts beside it.
pub trait CsvRow {
    fn finding(&self) -> &CurrentFinding;
    fn facts(&self) -> FactColumns;
}

/// A finding alone: its fact columns empty, as for a source that does not read them.
impl CsvRow for CurrentFinding {
    fn finding(&self) -> &CurrentFinding {
        self
    }
    fn facts(&self) -> FactColumns {
        FactColumns::default()
    }
}

impl CsvRow for FindingRow {
    fn finding(&self) -> &CurrentFinding {
        &self.finding
    }
    fn facts(&self) -> FactColumns {
        self.facts.clone()
    }
}

/// A report's findings as `current_findings` rows, each with its facts: for `report --as-of`
/// and `--sweep`, where the view (which is always "now") does not apply. An account assessed by
/// the report's sweep is `current`, one whose findings come from an earlier sweep `stale`, as
/// the view says it.
pub fn findings_of(report: &SweepReport) -> Vec<FindingRow> {
    let earlier = |account_id: &str| {
        report
            .as_of
            .iter()
            .flat_map(|a| &a.earlier_assessments)
            .find(|e| e.account_id == account_id)
    };
    let mut findings: Vec<FindingRow> = report
        .accounts
        .iter()
        .flat_map(|account| {
            let earlier = earlier(&account.account_id);
            let (account_state, last_assessed_at) = match earlier {
                Some(e) => (AccountStanding::Stale, e.assessed_at),
                None => (AccountStanding::Current, report.sweep.started_at),
            };
            account.controls.iter().flat_map(move |control| {
                control.resources.iter().map(move |resource| FindingRow {
                    facts: FactColumns::from(&resource.facts),
                    finding: CurrentFinding {
                        account_id: account.account_id.clone(),
                        account_name: account.account_name.clone(),
                        ou_path: account.ou_path.clone(),
                        control_id: control.control_id,
                        severity: control.severity,
                        resource_type: resource.resource_type,
                        resource_id: resource.resource_id.clone(),
                        status: resource.status,
                        failing_since: resource.failing_since,
                        last_assessed_at: Some(last_assessed_at),
                        account_state,
                        exception_id: resource.exception.as_ref().map(|e| e.id.clone()),
                        exception_owner: resource.exception.as_ref().map(|e| e.owner.clone()),
                        exception_expires: resource.exception.as_ref().map(|e| e.expires),
                        related_requirements: control.related_requirements.join("; "),
                        not_evaluated: crate::not_evaluated_reason(resource).map(str::to_string),
                    },
                })
            })
        })
        .collect();
    // The view's order, as the export of "now" sorts it.
    findings.sort_by(|a, b| {
        let (a, b) = (&a.finding, &b.finding);
        (&a.account_id, a.control_id.as_str(), &a.resource_id).cmp(&(
            &b.account_id,
            b.control_id.as_str(),
            &b.resource_id,
        ))
    });
    findings
}

/// Current findings as CSV (RFC 4180, a header row), for spreadsheets: the finding's columns,
/// then its facts' ([`FactColumns`]). Names come from AWS and a spreadsheet runs a cell that
/// starts like a formula, so every cell is neutralised as OWASP's CSV injection guidance says
/// ([`neutralise_formula`]).
pub fn render_csv<R: CsvRow>(findings: &[R]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in findings {
        writer.serialize((row.finding(), row.facts()))?;
    }
    if findings.is_empty() {
        writer.write_record([
            "account_id",
            "account_name",
            "ou_path",
            "control_id",
            "severity",
            "resource_type",
            "resource_id",
            "status",
            "failing_since",
            "last_assessed_at",
            "account_state",
            "exception_id",
            "exception_owner",
            "exception_expires",
            "related_requirements",
            "not_evaluated",
            "priority",
            "phishing_resistant",
            "mfa_enforcement",
            "admin_equivalent",
        ])?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    neutralise_formulas(&bytes)
}

/// The CSV with every cell neutralised: read back and written again cell by cell, so that no
/// column, present or added later, is left out.
fn neutralise_formulas(csv_bytes: &[u8]) -> Result<String, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_bytes);
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in reader.records() {
        let record = record?;
        writer.write_record(
            record
                .iter()
                .map(|cell| neutralise_formula(cell).into_owned()),
        )?;
    }
    let bytes = writer.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// What starts a formula in a spreadsheet, as OWASP lists it: `=`, `+`, `-`, `@`, tab and
/// carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that a spreadsheet would read as a formula, prefixed with `'` so that it reads it as
/// text (OWASP, CSV Injection); any other cell as it is. The csv crate quotes the cells that
/// hold a separator, a quote or a line break.
pub fn neutralise_formula(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let finding = CurrentFinding {
            account_id: "222222222222".into(),
            account_name: "prod, \"main\"".into(),
            ou_path: "Root/Prod".into(),
            control_id: ControlId::Iam5,
            severity: Severity::Medium,
            resource_type: ResourceType::AwsIamUser,
            resource_id: "arn:aws:iam::222222222222:user/jess".into(),
            status: Status::Failed,
            failing_since: None,
            last_assessed_at: None,
            account_state: AccountStanding::Current,
            exception_id: Some("ci-keys".into()),
            exception_owner: Some("platform@example.com".into()),
            exception_expires: chrono::NaiveDate::from_ymd_opt(2027, 3, 31),
            related_requirements: "PCI DSS v4.0.1/8.4.2; NIST.800-53.r5 IA-2(1)".into(),
            not_evaluated: None,
        };
        let csv = render_csv(&[finding]).expect("renders");
        let mut lines = csv.lines();
        let header = lines.next().unwrap_or_default();
        assert!(header.starts_with("account_id,account_name,ou_path"));
        assert!(
            header.ends_with(
                "account_state,exception_id,exception_owner,exception_expires,related_requirements,\
                 not_evaluated,priority,phishing_resistant,mfa_enforcement,admin_equivalent"
            ),
            "{header}"
        );
        let row = lines.next().unwrap_or_default();
        assert!(row.contains("\"prod, \"\"main\"\"\""), "{csv}");
        assert!(
            row.ends_with(
                ",current,ci-keys,platform@example.com,2027-03-31,\
                 PCI DSS v4.0.1/8.4.2; NIST.800-53.r5 IA-2(1),,,,,"
            ),
            "{csv}"
        );
        // Empty: the header alone, the same columns.
        assert_eq!(
            render_csv::<CurrentFinding>(&[])
                .expect("renders")
                .lines()
                .next(),
            Some(header)
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_neutralised_as_owasp_says() {
        use crate::fixtures::{FORMULA_NAMES, HOSTILE_OU};
        let hostile = |account_name: &str| CurrentFinding {
            account_id: "222222222222".into(),
            account_name: account_name.into(),
            ou_path: format!("\t{HOSTILE_OU}"),
            control_id: ControlId::Iam5,
            severity: Severity::Medium,
            resource_type: ResourceType::AwsIamUser,
            resource_id: "@arn:aws:iam::222222222222:user/x".into(),
            status: Status::Failed,
            failing_since: None,
            last_assessed_at: None,
            account_state: AccountStanding::Current,
            exception_id: Some("+ci".into()),
            exception_owner: Some("-owner".into()),
            exception_expires: None,
            related_requirements: "\r=1+1".into(),
            not_evaluated: Some("=cmd|' /C calc'!A0".into()),
        };
        let findings: Vec<CurrentFinding> = FORMULA_NAMES.iter().map(|n| hostile(n)).collect();
        let csv = render_csv(&findings).expect("renders");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let mut rows = 0;
        for (record, finding) in reader.records().zip(&findings) {
            let record = record.expect("a CSV row");
            rows += 1;
            for cell in record.iter() {
                assert!(!cell.starts_with(FORMULA_STARTS), "{cell:?} in {csv}");
            }
            // The value itself is kept whole after the quote (and JSON keeps it exactly).
            let text = |i: usize| record.get(i).unwrap_or_default().to_string();
            assert_eq!(text(1), format!("'{}", finding.account_name));
            assert_eq!(text(2), format!("'\t{HOSTILE_OU}"));
            assert_eq!(text(6), "'@arn:aws:iam::222222222222:user/x");
            assert_eq!((text(11), text(12)), ("'+ci".into(), "'-owner".into()));
            assert_eq!(
                (text(14), text(15)),
                ("'\r=1+1".into(), "'=cmd|' /C calc'!A0".into())
            );
            assert_eq!(
                text(0),
                "222222222222",
                "a cell that starts with nothing to fear is kept"
            );
        }
        assert_eq!(rows, FORMULA_NAMES.len());
        assert_eq!(neutralise_formula("prod-web"), "prod-web");
        assert_eq!(neutralise_formula(""), "");
    }

    #[test]
    fn the_facts_follow_the_columns_scripts_read_by_position() {
        use crate::fixtures;
        let account = "222222222222";
        let mut unread = fixtures::iam_user(account, "unread", Status::Failed);
        unread.facts = Facts::default();
        let report = fixtures::report(vec![fixtures::assessed(
            account,
            vec![
                fixtures::control(
                    ControlId::Iam5,
                    vec![
                        fixtures::user_with_every_fact(account, "jess", Status::Failed),
                        unread,
                    ],
                ),
                fixtures::control(
                    ControlId::Cognito5,
                    vec![fixtures::pool(account, "us-east-1_a", true)],
                ),
            ],
        )]);
        let csv = render_csv(&findings_of(&report)).expect("renders");
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let header = reader.headers().expect("a header").clone();
        assert_eq!(header.len(), 20);
        // The columns before the facts, by position, as they were.
        assert_eq!(header.get(0), Some("account_id"));
        assert_eq!(header.get(15), Some("not_evaluated"));
        let rows: Vec<(String, Vec<String>)> = reader
            .records()
            .map(|r| {
                let r = r.expect("a row");
                let facts = r.iter().skip(16).map(str::to_string).collect();
                (r.get(6).unwrap_or_default().to_string(), facts)
            })
            .collect();
        let facts = |values: [&str; 4]| values.map(str::to_string).to_vec();
        assert_eq!(
            rows,
            [
                (
                    "arn:aws:cognito-idp:us-east-1:222222222222:userpool/us-east-1_a".to_string(),
                    facts(["", "", "", ""])
                ),
                (
                    "arn:aws:iam::222222222222:user/jess".to_string(),
                    facts(["critical", "true", "enforced", "true"])
                ),
                (
                    "arn:aws:iam::222222222222:user/unread".to_string(),
                    facts(["", "", "", ""])
                ),
            ]
        );
        // The view's rows carry no facts: the columns are there, empty.
        let bare: Vec<CurrentFinding> = findings_of(&report)
            .into_iter()
            .map(|r| r.finding)
            .collect();
        let csv = render_csv(&bare).expect("renders");
        assert!(
            csv.lines().skip(1).all(|line| line.ends_with(",,,,")),
            "{csv}"
        );
    }
}

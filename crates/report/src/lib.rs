//! The report of one stored sweep: the JSON v1 model users script against, the text a person
//! reads in a terminal, and the interchange formats other tools read (CSV, OCSF, ASFF), each
//! with the controls' compliance mapping.
//!
//! Pure data and formatting: the store fills a [`SweepReport`] from Postgres, the binary prints
//! it. Nothing here does I/O.

mod accepted_risks;
mod advice;
mod asff;
mod changes;
mod counts;
mod coverage;
mod csv_export;
mod findings;
mod fix_first;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
mod frameworks;
mod guardrails;
mod html;
mod not_evaluated;
mod ocsf;
mod outcomes;
mod regions;
mod root_access;
mod sweep_report;
pub mod terminal;
mod text;
mod text_accepted_risks;
mod weak_mfa;

pub use accepted_risks::{ExceptionRef, SweepException};
pub use asff::{render_asff, ASFF_SCHEMA_VERSION};
pub use changes::{ChangeCounts, ChangeReport, FailingChange, FindingChange};
pub use counts::ControlCounts;
pub use coverage::{
    by_control, phishing_resistant_by_control, ControlCoverage, Coverage, CoveragePoint, Series,
};
pub use csv_export::{findings_of, render_csv, CsvRow, CurrentFinding, FactColumns, FindingRow};
pub use frameworks::{render_by_requirement, retain_findings, select_standards};
pub use html::render_html;
pub use not_evaluated::{not_evaluated, not_evaluated_reason, NotEvaluated};
pub use ocsf::{render_ocsf, OCSF_VERSION};
pub use outcomes::{AccountStanding, Outcome, SkipReason, SweepStatus};
pub use sweep_report::{
    related_requirements, AccountReport, AsOf, ControlReport, EarlierAssessment, ErrorInfo,
    ResourceReport, SweepInfo, SweepReport, SCHEMA_VERSION,
};
pub use text::render_text;

//! `mfa-auditor report`: a stored sweep, or the organization as of a day, in each format.

use crate::cli::ReportFormat;
use crate::config;
use crate::database::connect;
use crate::stdout::{out, out_document};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use mfa_store::{Evidence, Store, SweepSelector};

/// `report --sweep latest|ID` or `--as-of DATE`, printed in `format`.
pub async fn run(
    config: &config::AuditConfig,
    sweep: &str,
    as_of: Option<NaiveDate>,
    format: ReportFormat,
    framework: Option<&str>,
) -> Result<u8> {
    let selector = match (as_of, sweep) {
        (Some(date), _) => SweepSelector::AsOf(date),
        (None, "latest") => SweepSelector::Latest,
        (None, id) => SweepSelector::Id(id.to_string()),
    };
    report(config, &selector, format, framework).await?;
    Ok(0)
}

/// The report of `selector` in `format`, only the controls of `framework` when it is given.
async fn report(
    config: &config::AuditConfig,
    selector: &SweepSelector,
    format: ReportFormat,
    framework: Option<&str>,
) -> Result<()> {
    let standards = framework
        .map(mfa_report::select_standards)
        .transpose()
        .map_err(|message| anyhow::anyhow!(message))?;
    let store = connect(config).await?;
    store.check_schema().await?;
    let text = match (format, selector) {
        // "Now" is the `current_findings` view, stale accounts and those that left included.
        (ReportFormat::Csv, SweepSelector::Latest) => {
            let mut findings = store.current_findings().await?;
            if let Some(standards) = &standards {
                mfa_report::retain_findings(&mut findings, standards);
            }
            mfa_report::render_csv(&findings).context("cannot write CSV")?
        }
        _ => {
            let evidence = match format {
                ReportFormat::Json | ReportFormat::Ocsf | ReportFormat::Asff => Evidence::Full,
                ReportFormat::Csv => Evidence::Summary,
                ReportFormat::Text | ReportFormat::Html => Evidence::Page,
            };
            let mut report = store.load_report_with(selector, evidence).await?;
            if let Some(standards) = &standards {
                report.retain_standards(standards);
            }
            match (format, &standards) {
                (ReportFormat::Csv, _) => mfa_report::render_csv(&mfa_report::findings_of(&report))
                    .context("cannot write CSV")?,
                (ReportFormat::Text, Some(standards)) => {
                    mfa_report::render_by_requirement(&report, standards)
                        + "\n"
                        + &mfa_report::render_text(&report)
                }
                (ReportFormat::Text, None) => mfa_report::render_text(&report),
                (ReportFormat::Json, _) => serde_json::to_string_pretty(&report)? + "\n",
                (ReportFormat::Ocsf, _) => mfa_report::render_ocsf(&report),
                (ReportFormat::Asff, _) => mfa_report::render_asff(&report)?,
                (ReportFormat::Html, _) => html_report(&store, &report).await?,
            }
        }
    };
    match format {
        ReportFormat::Text => out(&text),
        _ => out_document(&text),
    }
}

/// The HTML page of a report, with the MFA coverage of the year of sweeps up to its own.
pub(crate) async fn html_report(store: &Store, report: &mfa_report::SweepReport) -> Result<String> {
    let until = report.sweep.started_at;
    let coverage = store
        .coverage(until - chrono::Days::new(366), until)
        .await?;
    Ok(mfa_report::render_html(report, &coverage))
}

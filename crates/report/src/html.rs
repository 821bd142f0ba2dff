//! `report --format html`: one self-contained page for people and auditors. What to fix first,
//! the summary, MFA coverage over time per control (organization and top-level OUs) with
//! phishing-resistant coverage beside it, what changed since the
//! previous sweep, what fails now and since when, errors, exceptions, and the compliance mapping.
//!
//! Self-contained by construction: inline CSS and SVG, no script, no font, no image, and a
//! Content-Security-Policy that forbids the page to fetch anything. Markup is escaped by `maud`:
//! names that come from AWS (accounts, OUs, users) are text, never markup.

mod chart;
mod compliance;
mod coverage;
mod fix_first;
mod not_evaluated;
#[cfg(test)]
mod tests;
mod weak_mfa;

use crate::advice::what_to_check;
use crate::coverage::{
    by_control, phishing_resistant_by_control, phishing_resistant_read_in, ControlCoverage,
    CoveragePoint,
};
use crate::text::short_resource;
use crate::{AccountReport, FailingChange, Outcome, SweepReport};

use maud::{html, Markup, PreEscaped, DOCTYPE};
use mfa_evaluator::{ControlId, ExceptionState, Status};

const STYLE: &str = include_str!("html/style.css");
/// Nothing may be fetched: no script, no font, no image; only the inline style.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'";

/// The page for `report` and the coverage of the sweeps up to it (`mfa_coverage` rows).
pub fn render_html(report: &SweepReport, coverage: &[CoveragePoint]) -> String {
    let sweep = &report.sweep;
    let organization = sweep
        .organization_id
        .as_deref()
        .unwrap_or("unknown organization");
    let title = match &report.as_of {
        Some(as_of) => format!("MFA audit of {organization} as of {}", as_of.date),
        None => format!(
            "MFA audit of {organization}, {}",
            sweep.started_at.format("%Y-%m-%d")
        ),
    };
    // The report's controls alone: `--framework` narrows the page as it narrows the report.
    let charted: Vec<ControlCoverage> = by_control(coverage)
        .into_iter()
        .filter(|c| sweep.controls.contains(&c.control_id))
        .collect();
    let phishing_resistant: Vec<ControlCoverage> = phishing_resistant_by_control(coverage)
        .into_iter()
        .filter(|c| sweep.controls.contains(&c.control_id))
        .collect();
    // A sweep that did not read the devices has no point on the chart: said, or the chart
    // would pass for this sweep's.
    let not_read_here: Vec<ControlId> = [ControlId::Iam5, ControlId::Iam19]
        .into_iter()
        .filter(|&c| phishing_resistant_read_in(coverage, &sweep.id, c) == Some(false))
        .collect();
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CONTENT_SECURITY_POLICY);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                (header(report))
                (fix_first::fix_first(report))
                (summary(report))
                (coverage::coverage_section(&charted, &phishing_resistant, &not_read_here))
                (changes(report))
                (failing(report))
                (weak_mfa::weak_mfa(report))
                (errors(report))
                (not_evaluated::not_evaluated(report))
                (exceptions(report))
                (compliance::compliance(report))
            }
        }
    };
    page.into_string()
}

fn header(report: &SweepReport) -> Markup {
    let sweep = &report.sweep;
    html! {
        p.meta {
            "Sweep " code { (sweep.id) } " (" (sweep.status.as_str()) "), started "
            (sweep.started_at.format("%Y-%m-%d %H:%M UTC"))
            @if let Some(finished) = sweep.finished_at {
                ", finished " (finished.format("%Y-%m-%d %H:%M UTC"))
            }
            ". Management account " (sweep.management_account_id.as_deref().unwrap_or("unknown"))
            "; regions searched for user pools: " (report.regions_searched()) "."
        }
        @if let Some(as_of) = &report.as_of {
            p.meta data-check="as-of" {
                "As of the end of " (as_of.date) " (UTC): the last sweep that started by then, "
                "each account as the last sweep up to it that assessed the account saw it. "
                (as_of.earlier_assessments.len()) " accounts errored in this sweep and are shown "
                "as an earlier sweep assessed them."
            }
        }
        @if let Some(line) = report.root_access_line() {
            p.meta { (line) }
        }
        @for line in report.guardrail_lines() {
            p.meta data-check="guardrail-scps" { (line) }
        }
    }
}

fn summary(report: &SweepReport) -> Markup {
    let (assessed, errored, skipped) = report.outcome_counts();
    let expiring: Vec<_> = report
        .sweep
        .exceptions
        .iter()
        .filter(|e| e.state != ExceptionState::Active)
        .collect();
    html! {
        h2 { "Summary" }
        div.cards {
            (card("accounts-assessed", assessed, "accounts assessed"))
            (card("accounts-errored", errored, "accounts errored"))
            (card("accounts-skipped", skipped, "accounts skipped"))
            (card("exceptions-expiring", expiring.len(), "exceptions expiring or expired"))
        }
        table {
            thead { tr {
                th { "Control" } th { "Severity" } th { "Title" }
                th.num { "Passed" } th.num { "Failed" } th.num { "N/A" } th.num { "Error" }
                th.num { "Failing resources" } th.num { "Excepted" }
            } }
            tbody {
                @for counts in report.controls_counted() {
                    @let control = counts.control_id;
                    tr {
                        td { (control.as_str()) }
                        td { (control.severity().as_str()) }
                        td { (control.title()) }
                        (count_cell("passed", control, counts.accounts_passed))
                        (count_cell("failed", control, counts.accounts_failed))
                        (count_cell("not-applicable", control, counts.accounts_not_applicable))
                        (count_cell("error", control, counts.accounts_errored))
                        (count_cell("failing", control, counts.failing_resources))
                        (count_cell("excepted", control, counts.excepted_resources))
                    }
                }
            }
        }
        p.note {
            "Passed, Failed, N/A and Error count accounts (an account that errored as a whole is "
            "counted under Error for every control); failing resources (root users, IAM users, "
            "user pools) include the excepted ones, which are counted apart too."
        }
        @if !expiring.is_empty() {
            p { "Exceptions ending soon or ended: "
                @for (index, e) in expiring.iter().enumerate() {
                    @if index > 0 { ", " }
                    code { (e.exception.id) } " (" (e.exception.owner) ", until "
                    (e.exception.expires) ", " (e.state.as_str()) ")"
                }
            }
        }
    }
}

fn card(check: &str, value: usize, label: &str) -> Markup {
    html! {
        div.card {
            div.value data-check=(check) { (value) }
            div.label { (label) }
        }
    }
}

fn count_cell(metric: &str, control: ControlId, value: usize) -> Markup {
    html! {
        td.num data-check=(metric) data-control=(control.as_str()) { (value) }
    }
}

fn changes(report: &SweepReport) -> Markup {
    let changes = &report.changes_since_previous_sweep;
    html! {
        h2 { "Changed since the previous sweep" }
        p data-check="changes" { (report.change_counts().headline()) "." }
        @if !changes.is_empty() {
            table {
                thead { tr { th { "Change" } th { "Account" } th { "Control" } th { "Resource" }
                    th { "Now" } } }
                tbody {
                    @for change in changes {
                        tr {
                            td class=(if change.failing == Some(FailingChange::NewFailure) { "failed" } else { "" }) {
                                (change.change.as_str().replace('_', " "))
                            }
                            td { (change.account_name) " " span.meta { (change.account_id) } }
                            td { (change.control_id.as_str()) }
                            td { code { (short_resource(&change.resource_id)) } }
                            td { (change.status.map(|s| s.as_str()).unwrap_or("gone")) }
                        }
                    }
                }
            }
        }
    }
}

fn failing(report: &SweepReport) -> Markup {
    let failing_accounts: Vec<&AccountReport> = report
        .accounts
        .iter()
        .filter(|a| {
            a.controls
                .iter()
                .flat_map(|c| &c.resources)
                .any(|r| r.status == Status::Failed)
        })
        .collect();
    html! {
        h2 { "What fails now" }
        @if failing_accounts.is_empty() {
            p { "Nothing fails." }
        }
        @for account in failing_accounts {
            h3 { (account.account_name) " " span.meta { (account.account_id) " · " (account.ou_path)
                @if let Some(earlier) = report.as_of.as_ref().and_then(|a| a.earlier_assessments
                    .iter().find(|e| e.account_id == account.account_id)) {
                    " · as assessed " (earlier.assessed_at.format("%Y-%m-%d"))
                }
            } }
            table {
                thead { tr { th { "Control" } th { "Resource" } th { "Failing since" }
                    th { "Exception" } } }
                tbody {
                    @for control in &account.controls {
                        @for resource in control.resources.iter().filter(|r| r.status == Status::Failed) {
                            tr {
                                td { (control.control_id.as_str()) }
                                td { code { (short_resource(&resource.resource_id)) } }
                                td { (resource.failing_since.map(|at| at.format("%Y-%m-%d").to_string()).unwrap_or_default()) }
                                @if let Some(e) = &resource.exception {
                                    td.excepted { (e.id) " (" (e.owner) ", until " (e.expires) ")" }
                                } @else {
                                    td {}
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn errors(report: &SweepReport) -> Markup {
    let rows: Vec<(&AccountReport, &str, &crate::ErrorInfo)> = report
        .accounts
        .iter()
        .flat_map(|a| {
            let account = a
                .error
                .iter()
                .filter(|_| a.outcome == Outcome::Error)
                .map(move |e| (a, "account", e));
            let controls = a
                .controls
                .iter()
                .filter_map(move |c| c.error.as_ref().map(|e| (a, c.control_id.as_str(), e)));
            account.chain(controls)
        })
        .collect();
    html! {
        h2 { "Errors" }
        @if rows.is_empty() {
            p { "None: every account in scope was read." }
        } @else {
            table {
                thead { tr { th { "Account" } th { "What" } th { "Operation" } th { "Region" }
                    th { "Code" } th { "Message" } th { "Request id" } } }
                tbody {
                    @for (account, what, error) in rows {
                        tr {
                            td { (account.account_name) " " span.meta { (account.account_id) } }
                            td { (what) }
                            td { code { (error.operation) } }
                            td { (error.region) }
                            td.error { (error.code.as_deref().unwrap_or("")) }
                            td {
                                (error.message)
                                @if let Some(check) = what_to_check(error) {
                                    br; span.meta { "Check: " (check) }
                                }
                            }
                            td { code { (error.request_id.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
        }
    }
}

fn exceptions(report: &SweepReport) -> Markup {
    let exceptions = &report.sweep.exceptions;
    html! {
        h2 { "Exceptions (accepted risks)" }
        @if exceptions.is_empty() {
            p { "None." }
        } @else {
            table {
                thead { tr { th { "Id" } th { "Owner" } th { "Until" } th { "State" }
                    th { "Reason" } th { "Ticket" } } }
                tbody {
                    @for e in exceptions {
                        tr {
                            td { code { (e.exception.id) } }
                            td { (e.exception.owner) }
                            td { (e.exception.expires) }
                            td class=(if e.state == ExceptionState::Active { "" } else { "excepted" }) {
                                (e.state.as_str())
                            }
                            td { (e.exception.reason) }
                            td { (e.exception.ticket.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        }
    }
}

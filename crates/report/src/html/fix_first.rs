//! The page's "Fix first": a row per identity, most urgent first (chosen by
//! [`crate::fix_first`]); `maud` escapes every value.

use crate::fix_first::{Entry, FixFirst, FULL_LIST, NOT_READ, WITHOUT_PRIORITY};
use crate::SweepReport;
use maud::{html, Markup};

/// The section, after the header; nothing when no identity fails IAM.9, IAM.5 or IAM.19
/// without an exception.
pub(super) fn fix_first(report: &SweepReport) -> Markup {
    let fix = FixFirst::of(report);
    if fix.is_empty() {
        return html! {};
    }
    if fix.entries.is_empty() {
        return html! {
            h2 { "Fix first" }
            p data-check="fix-first-not-read" {
                "Fix first: " (NOT_READ) "; every failure is listed under \u{201c}What fails now\u{201d}."
            }
        };
    }
    html! {
        h2 data-check="fix-first" { "Fix first: " (fix.counts()) }
        p.note data-check="fix-first-failing" {
            "Identities failing " (fix.failing) " without an exception, most urgent first "
            "(critical: root, or an admin-equivalent user with a password or an active key; "
            "high: a password or key used in the last 90 days; medium: a password or an active "
            "key; low: no active credential), then the longest failing."
            @if let Some(requirements) = &fix.named_by {
                " Each is named by " (requirements) " it fails."
            }
        }
        table {
            thead { tr {
                th { "Priority" }
                th { @if report.standards.is_empty() { "Control" } @else { "Requirement (control)" } }
                th { "Account" } th { "Identity" }
                th { "Failing since" } th { "At stake" }
            } }
            tbody {
                @for entry in fix.shown() { (row(entry)) }
            }
        }
        @if fix.more() > 0 {
            p data-check="fix-first-more" { "And " (fix.more()) " more (" (FULL_LIST) ")." }
        }
        @if fix.without_priority > 0 {
            p.note {
                "And " (fix.without_priority) " failing without a priority (" (WITHOUT_PRIORITY)
                "), under \u{201c}What fails now\u{201d}."
            }
        }
    }
}

fn row(entry: &Entry) -> Markup {
    let priority = entry.priority.to_string();
    html! {
        tr data-check="fix-first-entry" {
            td class=(priority) { (priority) }
            td { (entry.controls()) }
            td { (entry.account.account_name) " " span.meta { (entry.account.account_id) } }
            td { code { (entry.identity()) } }
            td { (entry.failing_since.map(|at| at.format("%Y-%m-%d").to_string()).unwrap_or_default()) }
            td { (entry.stakes()) }
        }
    }
}

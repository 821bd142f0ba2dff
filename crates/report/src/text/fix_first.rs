//! The text report's "Fix first": a line per identity, most urgent first (chosen by
//! [`crate::fix_first`]), every value escaped for the terminal.

use crate::fix_first::{Entry, FixFirst, FULL_LIST, NOT_READ, WITHOUT_PRIORITY};
use crate::terminal::{escape_truncated, Escaped};
use crate::SweepReport;
use std::fmt::Write;

/// The section, after the headline; nothing when no identity fails IAM.9, IAM.5 or IAM.19
/// without an exception.
pub(super) fn write_fix_first(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let fix = FixFirst::of(report);
    if fix.is_empty() {
        return Ok(());
    }
    if fix.entries.is_empty() {
        writeln!(
            out,
            "Fix first: {NOT_READ}; every failure is listed below\n"
        )?;
        return Ok(());
    }
    let named_by = match &fix.named_by {
        Some(requirements) => format!("; each named by {requirements} it fails"),
        None => String::new(),
    };
    writeln!(
        out,
        "Fix first: {} (identities failing {} without an exception, most urgent first, then \
         the longest failing{named_by})",
        fix.counts(),
        fix.failing
    )?;
    for entry in fix.shown() {
        write_entry(out, entry)?;
    }
    if fix.more() > 0 {
        writeln!(out, "  and {} more ({FULL_LIST})", fix.more())?;
    }
    if fix.without_priority > 0 {
        writeln!(
            out,
            "  and {} failing without a priority ({WITHOUT_PRIORITY}), listed below",
            fix.without_priority
        )?;
    }
    writeln!(out)
}

/// `  critical IAM.5, IAM.19 222222222222 prod                     jess, failing since
/// 2026-06-01: admin (AdministratorAccess) · …`
fn write_entry(out: &mut String, entry: &Entry) -> std::fmt::Result {
    let since = entry
        .failing_since
        .map(|at| format!(", failing since {}", at.format("%Y-%m-%d")))
        .unwrap_or_default();
    writeln!(
        out,
        "  {:<8} {:<13} {} {:<24} {}{since}: {}",
        entry.priority.to_string(),
        entry.controls(),
        Escaped(&entry.account.account_id),
        escape_truncated(&entry.account.account_name, 24),
        Escaped(entry.identity()),
        Escaped(&entry.stakes())
    )
}

#[cfg(test)]
mod tests;

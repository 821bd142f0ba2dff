//! The readable report: a summary table per control, then what fails, what errored, what was
//! skipped, and what to do about it. Every value from AWS, the database or a file is shown
//! through [`crate::terminal`]: escaped, never obeyed.

mod fix_first;
mod weak_mfa;

use crate::advice::what_to_check;
use crate::terminal::{escape, escape_truncated, Escaped};
use crate::text_accepted_risks::write_accepted_risks;
use crate::{AccountReport, Outcome, SweepReport};
use mfa_evaluator::{ControlId, ResourceType, Status};
use std::fmt::Write;

/// Renders the report for a terminal. Deterministic: accounts and resources in stored order.
pub fn render_text(report: &SweepReport) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason alone.
    let _ = write_report(&mut out, report);
    out
}

fn write_report(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    write_header(out, report)?;
    fix_first::write_fix_first(out, report)?;
    write_control_table(out, report)?;
    let any_failure = write_failing_resources(out, report)?;
    weak_mfa::write_weak_mfa(out, report)?;
    write_accepted_risks(out, report)?;
    write_changes(out, report)?;
    write_errors(out, report)?;
    write_skipped(out, report)?;
    write_not_evaluated(out, report)?;
    if any_failure {
        write_what_to_do(out, report)?;
    }
    Ok(())
}

/// The sweep, the organization, when and where it looked, and the accounts by outcome.
fn write_header(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let sweep = &report.sweep;
    writeln!(
        out,
        "MFA audit, sweep {} ({})",
        Escaped(&sweep.id),
        sweep.status.as_str()
    )?;
    let org = sweep
        .organization_id
        .as_deref()
        .unwrap_or("unknown organization");
    let management = sweep.management_account_id.as_deref().unwrap_or("unknown");
    writeln!(
        out,
        "Organization {}, management account {}",
        Escaped(org),
        Escaped(management)
    )?;
    let started = sweep.started_at.format("%Y-%m-%d %H:%M:%S UTC");
    match sweep.finished_at {
        Some(finished) => {
            let took = (finished - sweep.started_at).num_milliseconds() as f64 / 1000.0;
            writeln!(out, "Started {started}, took {took:.1} s")?;
        }
        None => writeln!(out, "Started {started}, not finished")?,
    }
    writeln!(
        out,
        "Regions searched for user pools: {}",
        Escaped(&report.regions_searched())
    )?;
    write_as_of(out, report)?;
    let (assessed, errored, skipped) = report.outcome_counts();
    writeln!(
        out,
        "Accounts: {} in scope of the organization: {assessed} assessed, {errored} error, {skipped} skipped",
        report.accounts.len()
    )?;
    // Root access, then the SCPs guarding MFA: AWS's error message in a line when one could
    // not be read, and the accounts' names, escaped.
    for line in report
        .root_access_line()
        .into_iter()
        .chain(report.guardrail_lines())
    {
        writeln!(out, "{}", Escaped(&line))?;
    }
    writeln!(out)
}

/// With `--as-of`: which day, and the accounts shown as an earlier sweep assessed them.
fn write_as_of(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let Some(as_of) = &report.as_of else {
        return Ok(());
    };
    writeln!(
        out,
        "As of the end of {} (UTC): the last sweep that started by then; {} accounts that \
         errored in it are shown as an earlier sweep assessed them",
        as_of.date,
        as_of.earlier_assessments.len()
    )?;
    for earlier in &as_of.earlier_assessments {
        writeln!(
            out,
            "  {} as assessed {} (sweep {})",
            Escaped(&earlier.account_id),
            earlier.assessed_at.format("%Y-%m-%d %H:%M UTC"),
            Escaped(&earlier.sweep_id)
        )?;
    }
    Ok(())
}

/// One row per control: accounts per status, failing and excepted resources.
fn write_control_table(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    writeln!(
        out,
        "{:<10} {:<9} {:>7} {:>7} {:>5} {:>6} {:>9} {:>9}  title",
        "control", "severity", "passed", "failed", "n/a", "error", "failing", "excepted"
    )?;
    for counts in report.controls_counted() {
        let control = counts.control_id;
        writeln!(
            out,
            "{:<10} {:<9} {:>7} {:>7} {:>5} {:>6} {:>9} {:>9}  {}",
            control.as_str(),
            control.severity().as_str(),
            counts.accounts_passed,
            counts.accounts_failed,
            counts.accounts_not_applicable,
            counts.accounts_errored,
            counts.failing_resources,
            counts.excepted_resources,
            control.title()
        )?;
    }
    writeln!(
        out,
        "(accounts per status, an account that errored as a whole in \"error\" for every \
         control; \"failing\" counts failing resources (root users, IAM users, user pools), \
         the excepted ones included; \"excepted\" those an exception covers)"
    )
}

/// The failures no exception covers, per control and account. Returns whether there was any:
/// "What to do" is written only then.
fn write_failing_resources(
    out: &mut String,
    report: &SweepReport,
) -> Result<bool, std::fmt::Error> {
    let mut any_failure = false;
    for control in &report.sweep.controls {
        let failing = unexcepted_failures(report, *control);
        if failing.is_empty() {
            continue;
        }
        if !any_failure {
            writeln!(out, "\nFailing resources")?;
            any_failure = true;
        }
        write_failing_control(out, *control, failing)?;
    }
    if any_failure {
        writeln!(
            out,
            "  (every failing resource, with its evidence: report --format json)"
        )?;
    }
    Ok(any_failure)
}

/// (account, failing resource ids) for the accounts where `control` has failures no exception
/// covers.
fn unexcepted_failures(
    report: &SweepReport,
    control: ControlId,
) -> Vec<(&AccountReport, Vec<&str>)> {
    report
        .accounts
        .iter()
        .filter_map(|a| {
            let ids: Vec<&str> = a
                .controls
                .iter()
                .filter(|c| c.control_id == control)
                .flat_map(|c| &c.resources)
                .filter(|r| r.status == Status::Failed && r.exception.is_none())
                .map(|r| r.resource_id.as_str())
                .collect();
            (!ids.is_empty()).then_some((a, ids))
        })
        .collect()
}

/// One control's failures: a line per account, naming the first few resources (the root user
/// for the root controls).
fn write_failing_control(
    out: &mut String,
    control: ControlId,
    failing: Vec<(&AccountReport, Vec<&str>)>,
) -> std::fmt::Result {
    let total: usize = failing.iter().map(|(_, ids)| ids.len()).sum();
    writeln!(
        out,
        // Unexcepted alone: the summary's "failing" counts the excepted ones too, so this
        // count says which it is (the excepted ones are under "Accepted risks").
        "  {} ({}) {}: {total} failing without an exception, in {} accounts",
        control.as_str(),
        control.severity().as_str(),
        control.title(),
        failing.len()
    )?;
    for (account, ids) in failing {
        let label = format!(
            "{} {}",
            Escaped(&account.account_id),
            escape_truncated(&account.account_name, 24)
        );
        // A control of the account is about its root user: one line per account, no list.
        if control.resource_type() == ResourceType::AwsAccount {
            writeln!(
                out,
                "    {label:<38} root user ({})",
                Escaped(&account.ou_path)
            )?;
            continue;
        }
        let shown: Vec<std::borrow::Cow<str>> = ids
            .iter()
            .take(MAX_LISTED)
            .map(|id| escape(short_resource(id)))
            .collect();
        let more = ids.len().saturating_sub(MAX_LISTED);
        let tail = if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        };
        writeln!(
            out,
            "    {label:<38} {}: {}{tail}",
            ids.len(),
            shown.join(", ")
        )?;
    }
    Ok(())
}

/// The counts of what changed since each account's previous assessment, and the first changes.
fn write_changes(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let changes = &report.changes_since_previous_sweep;
    if changes.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nChanged since the previous sweep: {}",
        report.change_counts().headline()
    )?;
    for change in changes.iter().take(MAX_CHANGES_LISTED) {
        let status = change.status.map(|s| s.as_str()).unwrap_or("-");
        writeln!(
            out,
            "  {:<12} {} {:<24} {:<9} {} ({status})",
            change.change.as_str(),
            Escaped(&change.account_id),
            escape_truncated(&change.account_name, 24),
            change.control_id.as_str(),
            Escaped(short_resource(&change.resource_id))
        )?;
    }
    if changes.len() > MAX_CHANGES_LISTED {
        writeln!(
            out,
            "  and {} more (SELECT * FROM changes_since_previous_sweep)",
            changes.len() - MAX_CHANGES_LISTED
        )?;
    }
    Ok(())
}

/// Accounts not assessed, then controls not decided, each with its error.
fn write_errors(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let errors: Vec<String> = report
        .accounts
        .iter()
        .flat_map(|a| {
            let account_error = a.error.iter().map(move |e| {
                let check = what_to_check(e).map_or(String::new(), |c| format!(" (check: {c})"));
                format!(
                    "  {} {} ({}): account not assessed: {}{check}",
                    Escaped(&a.account_id),
                    Escaped(&a.account_name),
                    Escaped(&a.ou_path),
                    Escaped(&e.to_string())
                )
            });
            let control_errors = a.controls.iter().filter_map(move |c| {
                c.error.as_ref().map(|e| {
                    format!(
                        "  {} {}: {} not decided: {}",
                        Escaped(&a.account_id),
                        Escaped(&a.account_name),
                        c.control_id,
                        Escaped(&e.to_string())
                    )
                })
            });
            account_error.chain(control_errors)
        })
        .collect();
    if !errors.is_empty() {
        writeln!(out, "\nErrors")?;
        for line in errors {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

/// Accounts out of scope, each with why.
fn write_skipped(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let skipped: Vec<&AccountReport> = report
        .accounts
        .iter()
        .filter(|a| a.outcome == Outcome::Skipped)
        .collect();
    if !skipped.is_empty() {
        writeln!(out, "\nSkipped")?;
        for account in skipped {
            let reason = account.skip_reason.map(|r| r.as_str()).unwrap_or("unknown");
            writeln!(
                out,
                "  {} {} ({}): {reason}",
                Escaped(&account.account_id),
                Escaped(&account.account_name),
                Escaped(&account.ou_path)
            )?;
        }
    }
    Ok(())
}

/// Resources a control does not evaluate, as Security Hub scopes it, each with why.
fn write_not_evaluated(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let unevaluated = crate::not_evaluated(report);
    if !unevaluated.is_empty() {
        writeln!(
            out,
            "\nNot evaluated (outside the control's scope, as Security Hub decides it)"
        )?;
        for item in unevaluated {
            writeln!(
                out,
                "  {} {} {}: {}: {}",
                item.control.as_str(),
                Escaped(&item.account.account_id),
                Escaped(&item.account.account_name),
                Escaped(short_resource(&item.resource.resource_id)),
                Escaped(item.reason)
            )?;
        }
    }
    Ok(())
}

/// The remediation of each control that failed somewhere, with its related requirements.
fn write_what_to_do(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    writeln!(out, "\nWhat to do")?;
    for control in &report.sweep.controls {
        let mut controls = report.accounts.iter().flat_map(|a| &a.controls);
        let fails = controls.any(|c| c.control_id == *control && c.status == Status::Failed);
        if fails {
            writeln!(out, "  {}: {}", control.as_str(), control.remediation())?;
            let requirements = crate::related_requirements(*control);
            if !requirements.is_empty() {
                writeln!(out, "    Related requirements: {}", requirements.join(", "))?;
            }
        }
    }
    Ok(())
}

/// Changes listed before "and N more".
const MAX_CHANGES_LISTED: usize = 20;

/// Failing resources named per account before "and N more".
const MAX_LISTED: usize = 5;

/// The readable tail of an ARN: `user/staff/jess`, `userpool/us-east-1_abc`.
pub(crate) fn short_resource(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

#[cfg(test)]
mod tests;

//! The readable report's accepted risks: each exception that covered findings, with its owner,
//! end date and reason, and the findings under it; then those that expire soon, have expired,
//! or covered nothing. The exceptions file, like AWS, is shown escaped ([`crate::terminal`]).

use crate::terminal::{escape_truncated, Escaped};
use crate::text::short_resource;
use crate::{ExceptionRef, SweepReport};
use mfa_evaluator::{ExceptionState, Status};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Findings named under an exception before "and N more".
const MAX_LISTED: usize = 10;

/// Exception id -> (the exception, an "account name control resource" line per finding).
type Covered<'a> = BTreeMap<&'a str, (&'a ExceptionRef, Vec<String>)>;

pub(crate) fn write_accepted_risks(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let covered = covered_findings(report);
    let unused = unused_exceptions(report, &covered);
    let (expiring, expired) = (
        exceptions_in_state(report, ExceptionState::Expiring),
        exceptions_in_state(report, ExceptionState::Expired),
    );
    if covered.is_empty() && expiring.is_empty() && expired.is_empty() && unused.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nAccepted risks (exceptions): failing, but accepted until their end date"
    )?;
    for (id, (exception, findings)) in &covered {
        write_covered(out, id, exception, findings)?;
    }
    if !expiring.is_empty() {
        writeln!(out, "  Expiring soon: {}", expiring.join("; "))?;
    }
    if !expired.is_empty() {
        writeln!(
            out,
            "  Expired, no longer applied (their findings count again): {}",
            expired.join("; ")
        )?;
    }
    if !unused.is_empty() {
        writeln!(
            out,
            "  Unused, covered nothing in this sweep (stale?): {}",
            unused.join(", ")
        )?;
    }
    Ok(())
}

/// The failing findings each exception covered, by exception id.
fn covered_findings(report: &SweepReport) -> Covered<'_> {
    let mut covered = Covered::new();
    for account in &report.accounts {
        for control in &account.controls {
            for resource in &control.resources {
                let Some(exception) = &resource.exception else {
                    continue;
                };
                if resource.status != Status::Failed {
                    continue;
                }
                covered
                    .entry(exception.id.as_str())
                    .or_insert_with(|| (exception, Vec::new()))
                    .1
                    .push(format!(
                        "{} {:<24} {:<9} {}",
                        Escaped(&account.account_id),
                        escape_truncated(&account.account_name, 24),
                        control.control_id.as_str(),
                        Escaped(short_resource(&resource.resource_id))
                    ));
            }
        }
    }
    covered
}

/// The sweep's exceptions in `state`, each as "id (expires, owner)".
fn exceptions_in_state(report: &SweepReport, state: ExceptionState) -> Vec<String> {
    report
        .sweep
        .exceptions
        .iter()
        .filter(|e| e.state == state)
        .map(|e| {
            format!(
                "{} ({}, {})",
                Escaped(&e.exception.id),
                e.exception.expires,
                Escaped(&e.exception.owner)
            )
        })
        .collect()
}

/// Exceptions still in force that covered nothing: perhaps stale.
fn unused_exceptions(report: &SweepReport, covered: &Covered<'_>) -> Vec<String> {
    report
        .sweep
        .exceptions
        .iter()
        .filter(|e| {
            e.state != ExceptionState::Expired && !covered.contains_key(e.exception.id.as_str())
        })
        .map(|e| Escaped(&e.exception.id).to_string())
        .collect()
}

/// One exception: its owner, end date, reason, and the first findings it covered.
fn write_covered(
    out: &mut String,
    id: &str,
    exception: &ExceptionRef,
    findings: &[String],
) -> std::fmt::Result {
    let ticket = exception
        .ticket
        .as_ref()
        .map(|t| format!(", ticket {}", Escaped(t)))
        .unwrap_or_default();
    writeln!(
        out,
        "  {}: {} finding{}, owner {}, until {}{ticket}",
        Escaped(id),
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        Escaped(&exception.owner),
        exception.expires
    )?;
    writeln!(out, "    reason: {}", Escaped(&exception.reason))?;
    for line in findings.iter().take(MAX_LISTED) {
        writeln!(out, "    {line}")?;
    }
    if findings.len() > MAX_LISTED {
        writeln!(out, "    and {} more", findings.len() - MAX_LISTED)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{fixtures, render_text, ExceptionRef, SweepException, SweepReport, SCHEMA_VERSION};
    use chrono::{NaiveDate, TimeZone, Utc};
    use mfa_evaluator::{ControlId, ExceptionState, Status};

    fn exception(id: &str, expires: NaiveDate) -> ExceptionRef {
        ExceptionRef {
            id: id.into(),
            owner: format!("{id}@example.com"),
            reason: format!("because {id}"),
            expires,
            ticket: Some("SEC-7".into()),
        }
    }

    #[test]
    fn excepted_failures_are_listed_under_their_exception_not_as_failing() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("a date");
        let ci = exception("ci-keys", day(12, 20));
        let account = "222222222222";
        let mut excepted = fixtures::iam_user(account, "automation/ci", Status::Failed);
        excepted.exception = Some(ci.clone());
        let mut prod = fixtures::assessed(
            account,
            vec![fixtures::control(
                ControlId::Iam19,
                vec![
                    excepted,
                    fixtures::iam_user(account, "staff/jess", Status::Failed),
                ],
            )],
        );
        prod.account_name = "prod".into();
        let started = Utc
            .with_ymd_and_hms(2026, 11, 29, 3, 0, 0)
            .single()
            .expect("a time");
        let mut sweep = fixtures::sweep_info("sweep-1", started);
        sweep.exceptions = vec![
            SweepException {
                exception: ci,
                state: ExceptionState::Expiring,
            },
            SweepException {
                exception: exception("old-pool", day(11, 1)),
                state: ExceptionState::Expired,
            },
            SweepException {
                exception: exception("spare", day(12, 31)),
                state: ExceptionState::Active,
            },
        ];
        let control_counts =
            crate::fixtures::counts_of(&sweep.controls, std::slice::from_ref(&prod));
        let text = render_text(&SweepReport {
            schema_version: SCHEMA_VERSION,
            sweep,
            accounts: vec![prod],
            as_of: None,
            control_counts,
            changes_since_previous_sweep: Vec::new(),
            standards: Vec::new(),
        });
        let failing = text
            .split("Failing resources")
            .nth(1)
            .and_then(|rest| rest.split("Accepted risks").next())
            .expect("both sections");
        assert!(failing.contains("user/staff/jess"), "{text}");
        assert!(!failing.contains("user/automation/ci"), "{text}");
        for expected in [
            "ci-keys: 1 finding, owner ci-keys@example.com, until 2026-12-20, ticket SEC-7",
            "reason: because ci-keys",
            "222222222222 prod                     IAM.19    user/automation/ci",
            "Expiring soon: ci-keys (2026-12-20, ci-keys@example.com)",
            "Expired, no longer applied (their findings count again): old-pool (2026-11-01",
            "Unused, covered nothing in this sweep (stale?): spare",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        // The table: two failing, one of them excepted.
        assert!(
            text.lines().any(|l| l.starts_with("IAM.19")
                && l.split_whitespace().nth(6) == Some("2")
                && l.split_whitespace().nth(7) == Some("1")),
            "{text}"
        );
    }
}

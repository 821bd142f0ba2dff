//! `report --framework`: the report narrowed to the controls a framework relates, and, as text,
//! grouped by requirement, the way an auditor reads it.

use crate::{ControlCounts, CsvRow, SweepReport};
use mfa_evaluator::{ControlId, Requirement, Standard};
use std::fmt::Write;

/// The standards a user's `--framework` names (a case-insensitive prefix of a standard's name,
/// e.g. `CIS`, `PCI DSS v4.0.1`, `NIST.800-53`), or an error listing the known ones.
pub fn select_standards(framework: &str) -> Result<Vec<Standard>, String> {
    let chosen: Vec<Standard> = Standard::ALL
        .into_iter()
        .filter(|s| s.matches(framework))
        .collect();
    if chosen.is_empty() {
        let known: Vec<&str> = Standard::ALL.iter().map(|s| s.name()).collect();
        return Err(format!(
            "--framework {framework:?} names no standard; known standards (any prefix will do): {}",
            known.join(", ")
        ));
    }
    Ok(chosen)
}

/// Whether the control relates to any of the standards.
pub fn control_relates(control: ControlId, standards: &[Standard]) -> bool {
    control
        .related_requirements()
        .iter()
        .any(|r| standards.contains(&r.standard))
}

impl SweepReport {
    /// Keeps only the controls related to the standards, everywhere in the report.
    pub fn retain_standards(&mut self, standards: &[Standard]) {
        let keep = |control: ControlId| control_relates(control, standards);
        self.sweep.controls.retain(|c| keep(*c));
        for account in &mut self.accounts {
            account.controls.retain(|c| keep(c.control_id));
        }
        self.changes_since_previous_sweep
            .retain(|change| keep(change.control_id));
        self.control_counts.retain(|counts| keep(counts.control_id));
        self.standards = standards.to_vec();
    }
}

/// Keeps only the current findings of controls related to the standards.
pub fn retain_findings<R: CsvRow>(findings: &mut Vec<R>, standards: &[Standard]) {
    findings.retain(|f| control_relates(f.finding().control_id, standards));
}

/// The report grouped by requirement: for each requirement of the chosen standards, its
/// controls with their accounts and failing resources, and the requirement's own verdict.
pub fn render_by_requirement(report: &SweepReport, standards: &[Standard]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason alone.
    let _ = write_by_requirement(&mut out, report, standards);
    out
}

fn write_by_requirement(
    out: &mut String,
    report: &SweepReport,
    standards: &[Standard],
) -> std::fmt::Result {
    let sweep = &report.sweep;
    writeln!(
        out,
        "MFA audit by requirement, sweep {} ({})",
        sweep.id,
        sweep.status.as_str()
    )?;
    let (assessed, errored, skipped) = report.outcome_counts();
    writeln!(
        out,
        "Accounts: {assessed} assessed, {errored} error, {skipped} skipped"
    )?;
    writeln!(
        out,
        "A requirement FAILS when a related control has a failure no exception covers; it is \
         INCOMPLETE when a related control could not be read in some account."
    )?;
    for standard in standards {
        let requirements = requirements_of(*standard, &sweep.controls);
        if requirements.is_empty() {
            continue;
        }
        writeln!(out, "\n{standard}")?;
        for (requirement, controls) in requirements {
            let tallies: Vec<&ControlCounts> = report
                .controls_counted()
                .filter(|counts| controls.contains(&counts.control_id))
                .collect();
            let verdict = ControlCounts::verdict(tallies.iter().copied());
            writeln!(out, "  {:<10} {verdict}", requirement.item)?;
            for tally in &tallies {
                writeln!(
                    out,
                    "    {:<10} {:>4} accounts passed, {:>4} failed, {:>4} error; {} failing, {} excepted  {}",
                    tally.control_id.as_str(),
                    tally.accounts_passed,
                    tally.accounts_failed,
                    tally.accounts_errored,
                    tally.failing_resources,
                    tally.excepted_resources,
                    tally.control_id.title()
                )?;
            }
        }
    }
    Ok(())
}

/// The standard's requirements that the controls relate to, each with those controls.
fn requirements_of(
    standard: Standard,
    controls: &[ControlId],
) -> Vec<(Requirement, Vec<ControlId>)> {
    let mut grouped: Vec<(Requirement, Vec<ControlId>)> = Vec::new();
    for control in controls {
        for requirement in control.related_requirements() {
            if requirement.standard != standard {
                continue;
            }
            match grouped.iter_mut().find(|(r, _)| r == requirement) {
                Some((_, related)) => related.push(*control),
                None => grouped.push((*requirement, vec![*control])),
            }
        }
    }
    grouped.sort_by_key(|(a, _)| item_order(a.item));
    grouped
}

/// `1.2` before `1.10`: items compare number by number, text after.
fn item_order(item: &str) -> Vec<(u32, String)> {
    item.split(['.', '-', '('])
        .map(|part| {
            let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
            (digits.parse().unwrap_or(u32::MAX), part.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_sort_number_by_number() {
        let mut items = vec!["1.10", "1.2", "1.13", "8.3.1", "1.5"];
        items.sort_by_key(|item| item_order(item));
        assert_eq!(items, ["1.2", "1.5", "1.10", "1.13", "8.3.1"]);
    }

    #[test]
    fn a_requirement_lists_every_control_related_to_it() {
        let grouped = requirements_of(Standard::PciDssV321, &ControlId::ALL);
        let items: Vec<(&str, Vec<ControlId>)> =
            grouped.iter().map(|(r, c)| (r.item, c.clone())).collect();
        assert_eq!(
            items,
            [(
                "8.3.1",
                vec![ControlId::Iam9, ControlId::Iam6, ControlId::Iam19]
            )]
        );
    }
}

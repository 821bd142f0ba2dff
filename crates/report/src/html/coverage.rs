//! The page's coverage section: per control, the share of identities with MFA over time, and
//! for IAM users (IAM.5, IAM.19) beside it the share with a phishing-resistant device (a FIDO
//! security key or passkey), each as a chart and a table of the latest sweep.

use super::chart::{coverage_chart, percent, Measure, ORGANIZATION_COLOUR, OU_COLOURS};
use crate::coverage::{ControlCoverage, Series};
use maud::{html, Markup};
use mfa_evaluator::ControlId;

/// The section; `not_read_here`: the controls whose phishing resistance the report's sweep
/// did not read.
pub(super) fn coverage_section(
    controls: &[ControlCoverage],
    phishing_resistant: &[ControlCoverage],
    not_read_here: &[ControlId],
) -> Markup {
    html! {
        h2 { "MFA coverage over time" }
        @if controls.is_empty() {
            p { "No finished sweep yet: coverage is counted when a sweep ends." }
        }
        p.note {
            "Per control, the share of the identities it assesses (root users for IAM.9 and IAM.6, "
            "console users for IAM.5, IAM users for IAM.19, user pools for Cognito.5) that have MFA "
            "as the control requires it, at each sweep over the year before this report: the "
            "organization in bold (hover a point for its counts), each top-level OU in its colour; each "
            "axis starts below its lowest share and ends at 100 %. The same numbers as the "
            "mfa_coverage view. For IAM users, a second chart shows the share with a "
            "phishing-resistant device (a FIDO security key or passkey), at the sweeps that read the "
            "devices (the mfa_strength view), on an axis of its own from 0 % to its highest share "
            "rounded up. Each chart says its axis's range above it."
        }
        @for control in controls {
            // An anchor per control: the README's second screenshot opens at IAM.19's.
            div.control-coverage id=(format!("coverage-{}", control.control_id.as_str())) {
                h3 { (control.control_id.as_str()) " " span.meta { (control.control_id.title()) } }
                (coverage_chart(control, Measure::Mfa))
                (latest_table(control, Measure::Mfa))
                @let strong = phishing_resistant.iter().find(|p| p.control_id == control.control_id);
                @if strong.is_some() || not_read_here.contains(&control.control_id) {
                    h4 { (control.control_id.as_str()) ": phishing-resistant (FIDO security key or passkey)" }
                }
                @if not_read_here.contains(&control.control_id) {
                    (not_read_in_this_sweep(control.control_id, strong))
                }
                @if let Some(strong) = strong {
                    (coverage_chart(strong, Measure::PhishingResistant))
                    (latest_table(strong, Measure::PhishingResistant))
                }
            }
        }
    }
}

/// Phishing resistance not read in the report's sweep: the chart, if any, is of other sweeps.
fn not_read_in_this_sweep(control: ControlId, chart: Option<&ControlCoverage>) -> Markup {
    let latest = chart
        .and_then(|c| c.organization.points.last())
        .map(|(at, _)| at);
    html! {
        p.note data-check="phishing_resistant_not_read" data-control=(control.as_str()) {
            "Not read in this sweep ([audit] mfa_devices = false, or a version from before it "
            "was read): "
            @if let Some(at) = latest {
                "the chart shows the sweeps that read it, the latest on "
                (at.format("%Y-%m-%d %H:%M UTC")) ", which the table gives."
            } @else {
                "no sweep shown read it."
            }
        }
    }
}

fn latest_table(control: &ControlCoverage, measure: Measure) -> Markup {
    let counted = match measure {
        Measure::Mfa => "With MFA",
        Measure::PhishingResistant => "Phishing-resistant",
    };
    html! {
        table {
            thead { tr {
                th { "" } th.num { "In scope" } th.num { (counted) } th.num { "Share" }
                th.num { "Share at the first sweep shown" }
            } }
            tbody {
                (coverage_row(control.control_id, "", ORGANIZATION_COLOUR, &control.organization, measure))
                @for (index, ou) in control.ous.iter().enumerate() {
                    (coverage_row(control.control_id, &ou.label,
                        OU_COLOURS[index % OU_COLOURS.len()], ou, measure))
                }
            }
        }
    }
}

/// The latest coverage of one line; `ou` is empty for the organization.
fn coverage_row(
    control: ControlId,
    ou: &str,
    colour: &str,
    series: &Series,
    measure: Measure,
) -> Markup {
    let latest = series.latest().unwrap_or_default();
    let check = measure.check("coverage");
    let cell = |metric: &str, value: String| {
        html! {
            td.num data-check=(check) data-control=(control.as_str()) data-ou=(ou)
                data-metric=(metric) { (value) }
        }
    };
    html! {
        tr {
            td { span.swatch style=(format!("background:{colour}")) {}
                @if ou.is_empty() { strong { "Organization" } } @else { (ou) } }
            (cell("in_scope", latest.in_scope.to_string()))
            (cell("with_mfa", latest.with_mfa.to_string()))
            (cell("share", percent(latest)))
            td.num { (series.first().map(percent).unwrap_or_default()) }
        }
    }
}

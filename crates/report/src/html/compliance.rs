//! The page's compliance mapping: per control, its verdict over the accounts shown and the
//! requirements Security Hub relates it to.

use crate::{ControlCounts, SweepReport};
use maud::{html, Markup};

pub(super) fn compliance(report: &SweepReport) -> Markup {
    html! {
        h2 { "Compliance mapping" }
        p.note { "The requirements AWS Security Hub relates each control to (docs/compliance.md)." }
        table {
            thead { tr { th { "Control" } th { "Status" } th { "Related requirements" } } }
            tbody {
                @for counts in report.controls_counted() {
                    @let control = &counts.control_id;
                    @let status = ControlCounts::verdict([counts]);
                    tr {
                        td { (control.as_str()) }
                        td class=(status.to_lowercase()) { (status) }
                        td { @for requirement in control.related_requirements() {
                            (requirement.to_string()) br;
                        } }
                    }
                }
            }
        }
    }
}

//! The page's section of resources a control does not evaluate, each with why.

use crate::text::short_resource;
use crate::SweepReport;
use maud::{html, Markup};

pub(super) fn not_evaluated(report: &SweepReport) -> Markup {
    let items = crate::not_evaluated(report);
    html! {
        @if !items.is_empty() {
            h2 { "Not evaluated" }
            p.meta { "Outside the control's scope, as Security Hub decides it: neither passing nor failing." }
            table data-check="not-evaluated" {
                thead { tr { th { "Account" } th { "Control" } th { "Resource" } th { "Why" } } }
                tbody {
                    @for item in items {
                        tr {
                            td { (item.account.account_name) " " span.meta { (item.account.account_id) } }
                            td { (item.control.as_str()) }
                            td { code { (short_resource(&item.resource.resource_id)) } }
                            td { (item.reason) }
                        }
                    }
                }
            }
        }
    }
}

//! The page's "Weak MFA": the user pools with MFA on and SMS their only second factor (chosen by
//! [`crate::weak_mfa`]); `maud` escapes every value.

use crate::text::short_resource;
use crate::weak_mfa::{weak_pools, FULL_LIST, SHOWN};
use crate::SweepReport;
use maud::{html, Markup};

/// The section; nothing when no pool is weak.
pub(super) fn weak_mfa(report: &SweepReport) -> Markup {
    let weak = weak_pools(report);
    if weak.is_empty() {
        return html! {};
    }
    html! {
        h2 data-check="weak-mfa" { "Weak MFA: " (weak.len()) " user pools" }
        p.note {
            "MFA is on and SMS is the only second factor: it passes Cognito.5, and a SIM swap "
            "defeats it. Offer TOTP or a passkey."
        }
        ul {
            @for (account, pool) in weak.iter().take(SHOWN) {
                li data-check="weak-pool" {
                    (account.account_name) " " span.meta { (account.account_id) } " "
                    code { (short_resource(&pool.resource_id)) }
                }
            }
        }
        @if weak.len() > SHOWN {
            p { "And " (weak.len() - SHOWN) " more (" (FULL_LIST) ")." }
        }
    }
}

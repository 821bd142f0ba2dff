//! The page's "Weak MFA": the user pools with MFA on and SMS their only second factor, and
//! those with MFA on whose second factors were not read or could not be (chosen by
//! [`crate::weak_mfa`]); `maud` escapes every value.

use crate::text::short_resource;
use crate::weak_mfa::{WeakMfa, FULL_ERRORS, FULL_LIST, NOT_READ, SHOWN};
use crate::{AccountReport, ResourceReport, SweepReport};
use maud::{html, Markup};

/// The section; nothing when no pool is weak and none with MFA on is of unknown weakness.
pub(super) fn weak_mfa(report: &SweepReport) -> Markup {
    let pools = WeakMfa::of(report);
    if pools.is_empty() {
        return html! {};
    }
    html! {
        h2 data-check="weak-mfa" { "Weak MFA: " (pools.weak.len()) " user pools" }
        p.note {
            "MFA is on and SMS is the only second factor: it passes Cognito.5, and a SIM swap "
            "defeats it. Offer TOTP or a passkey."
        }
        @if !pools.weak.is_empty() {
            ul {
                @for (account, pool) in pools.weak.iter().take(SHOWN) {
                    li data-check="weak-pool" { (pool_label(account, pool)) }
                }
            }
        }
        @if pools.weak.len() > SHOWN {
            p { "And " (pools.weak.len() - SHOWN) " more (" (FULL_LIST) ")." }
        }
        @if pools.not_read > 0 {
            p data-check="weak-mfa-not-read" {
                "Not known for " (pools.not_read) " user pools with MFA on: their second factors "
                "were not read (" (NOT_READ) ")."
            }
        }
        @if !pools.unreadable.is_empty() {
            p data-check="weak-mfa-unreadable" {
                "Not known for " (pools.unreadable.len()) " user pools with MFA on: their second "
                "factors could not be read."
            }
            ul {
                @for (account, pool, error) in pools.unreadable.iter().take(SHOWN) {
                    li { (pool_label(account, pool)) ": " (error) }
                }
            }
        }
        @if pools.unreadable.len() > SHOWN {
            p { "And " (pools.unreadable.len() - SHOWN) " more (" (FULL_ERRORS) ")." }
        }
    }
}

fn pool_label(account: &AccountReport, pool: &ResourceReport) -> Markup {
    html! {
        (account.account_name) " " span.meta { (account.account_id) } " "
        code { (short_resource(&pool.resource_id)) }
    }
}

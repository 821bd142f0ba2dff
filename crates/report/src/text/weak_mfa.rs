//! The text report's "Weak MFA": the user pools with MFA on and SMS their only second factor
//! (chosen by [`crate::weak_mfa`]), a line each, escaped for the terminal.

use super::short_resource;
use crate::terminal::{escape_truncated, Escaped};
use crate::weak_mfa::{weak_pools, FULL_LIST, SHOWN};
use crate::SweepReport;
use std::fmt::Write;

/// The section; nothing when no pool is weak.
pub(super) fn write_weak_mfa(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let weak = weak_pools(report);
    if weak.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nWeak MFA: {} user pools with MFA on and SMS their only second factor (SIM swap: \
         offer TOTP or a passkey)",
        weak.len()
    )?;
    for (account, pool) in weak.iter().take(SHOWN) {
        writeln!(
            out,
            "  {} {:<24} {}",
            Escaped(&account.account_id),
            escape_truncated(&account.account_name, 24),
            Escaped(short_resource(&pool.resource_id))
        )?;
    }
    if weak.len() > SHOWN {
        writeln!(out, "  and {} more ({FULL_LIST})", weak.len() - SHOWN)?;
    }
    Ok(())
}

//! The text report's "Weak MFA": the user pools with MFA on and SMS their only second factor,
//! and those with MFA on whose second factors were not read or could not be (chosen by
//! [`crate::weak_mfa`]), a line each, escaped for the terminal.

use super::short_resource;
use crate::terminal::{escape_truncated, Escaped};
use crate::weak_mfa::{WeakMfa, FULL_ERRORS, FULL_LIST, NOT_READ, SHOWN};
use crate::{AccountReport, ResourceReport, SweepReport};
use std::fmt::Write;

/// The section; nothing when no pool is weak and none with MFA on is of unknown weakness.
pub(super) fn write_weak_mfa(out: &mut String, report: &SweepReport) -> std::fmt::Result {
    let pools = WeakMfa::of(report);
    if pools.is_empty() {
        return Ok(());
    }
    let undecided = match pools.undecided() {
        0 => String::new(),
        n => format!("; not known for {n} user pools with MFA on"),
    };
    writeln!(
        out,
        "\nWeak MFA: {} user pools with MFA on and SMS their only second factor (SIM swap: \
         offer TOTP or a passkey){undecided}",
        pools.weak.len()
    )?;
    for (account, pool) in pools.weak.iter().take(SHOWN) {
        writeln!(out, "  {}", pool_label(account, pool))?;
    }
    if pools.weak.len() > SHOWN {
        writeln!(out, "  and {} more ({FULL_LIST})", pools.weak.len() - SHOWN)?;
    }
    if pools.not_read > 0 {
        writeln!(
            out,
            "  not read: the second factors of {} user pools with MFA on ({NOT_READ})",
            pools.not_read
        )?;
    }
    if !pools.unreadable.is_empty() {
        writeln!(
            out,
            "  could not be read: the second factors of {} user pools with MFA on",
            pools.unreadable.len()
        )?;
    }
    for (account, pool, error) in pools.unreadable.iter().take(SHOWN) {
        writeln!(out, "    {}: {}", pool_label(account, pool), Escaped(error))?;
    }
    if pools.unreadable.len() > SHOWN {
        writeln!(
            out,
            "    and {} more ({FULL_ERRORS})",
            pools.unreadable.len() - SHOWN
        )?;
    }
    Ok(())
}

/// `222222222222 prod                     userpool/us-east-1_abc`, escaped.
fn pool_label(account: &AccountReport, pool: &ResourceReport) -> String {
    format!(
        "{} {:<24} {}",
        Escaped(&account.account_id),
        escape_truncated(&account.account_name, 24),
        Escaped(short_resource(&pool.resource_id))
    )
}

//! Which accounts a sweep audits, and why the others are not: the organization's accounts,
//! each with its [`Decision`], in report order.

use crate::decide::{decide, Decision, Scope};
use mfa_collector::{OrgAccount, Organization};
use mfa_report::SkipReason;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAccount {
    pub account: OrgAccount,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub organization_id: String,
    pub management_account_id: String,
    pub accounts: Vec<PlannedAccount>,
}

impl Plan {
    pub fn audited(&self) -> impl Iterator<Item = &PlannedAccount> {
        self.accounts
            .iter()
            .filter(|a| a.decision == Decision::Audit)
    }

    /// How many accounts are skipped for each reason, in [`SkipReason::ALL`]'s order; reasons
    /// no account has are left out.
    pub fn skipped_by_reason(&self) -> Vec<(SkipReason, usize)> {
        SkipReason::ALL
            .into_iter()
            .map(|reason| {
                let count = self
                    .accounts
                    .iter()
                    .filter(
                        |a| matches!(a.decision, Decision::Skip { reason: r, .. } if r == reason),
                    )
                    .count();
                (reason, count)
            })
            .filter(|(_, count)| *count > 0)
            .collect()
    }
}

/// Decides every account of the organization. Order: by OU path, then name, then id.
pub fn plan(organization: Organization, scope: &Scope) -> Plan {
    let management = organization.management_account_id.clone();
    let mut accounts: Vec<PlannedAccount> = organization
        .accounts
        .into_iter()
        .map(|account| {
            let decision = decide(&account, &management, scope);
            PlannedAccount { account, decision }
        })
        .collect();
    accounts.sort_by(|a, b| {
        (a.account.ou_path(), &a.account.name, &a.account.id).cmp(&(
            b.account.ou_path(),
            &b.account.name,
            &b.account.id,
        ))
    });
    Plan {
        organization_id: organization.id,
        management_account_id: management,
        accounts,
    }
}

#[cfg(test)]
mod tests;

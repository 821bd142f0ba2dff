//! Which accounts a sweep audits, and why the others are not.

use mfa_collector::{AccountStatus, OrgAccount, Organization};
use mfa_report::SkipReason;

/// What the configuration puts in and out of scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub include_accounts: Vec<String>,
    pub exclude_accounts: Vec<String>,
    /// OU or root ids; an OU covers its nested OUs.
    pub include_ous: Vec<String>,
    pub exclude_ous: Vec<String>,
    pub audit_management_account: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Audit,
    /// Not audited; `rule` says which status or configuration key decided it.
    Skip {
        reason: SkipReason,
        rule: String,
    },
    /// Organizations returned something that is not an account id: never assumed into,
    /// recorded as an error.
    Invalid {
        message: String,
    },
}

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

fn decide(account: &OrgAccount, management: &str, scope: &Scope) -> Decision {
    if !account.has_valid_id() {
        return Decision::Invalid {
            message: format!(
                "organizations:ListAccounts returned the account id {:?}, which is not 12 digits",
                account.id.chars().take(64).collect::<String>()
            ),
        };
    }
    let excluded = |rule: String| Decision::Skip {
        reason: SkipReason::Excluded,
        rule,
    };
    match &account.status {
        AccountStatus::Active => {}
        AccountStatus::Suspended => {
            return Decision::Skip {
                reason: SkipReason::Suspended,
                rule: "status SUSPENDED".to_string(),
            }
        }
        AccountStatus::PendingClosure => {
            return Decision::Skip {
                reason: SkipReason::Suspended,
                rule: "status PENDING_CLOSURE".to_string(),
            }
        }
        AccountStatus::Other(status) => {
            return Decision::Skip {
                reason: SkipReason::Suspended,
                rule: format!("status {status}"),
            }
        }
    }
    if account.id == management && !scope.audit_management_account {
        return excluded("organization.audit_management_account = false".to_string());
    }
    if scope.exclude_accounts.contains(&account.id) {
        return excluded("organization.exclude_accounts".to_string());
    }
    if let Some(ou) = account
        .parents
        .iter()
        .find(|p| scope.exclude_ous.contains(&p.id))
    {
        return excluded(format!("organization.exclude_ous ({} {})", ou.id, ou.name));
    }
    let has_includes = !scope.include_accounts.is_empty() || !scope.include_ous.is_empty();
    let included = scope.include_accounts.contains(&account.id)
        || account
            .parents
            .iter()
            .any(|p| scope.include_ous.contains(&p.id));
    if has_includes && !included {
        return excluded("not in organization.include_accounts or include_ous".to_string());
    }
    Decision::Audit
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_collector::OrgUnit;

    fn unit(id: &str, name: &str) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: name.into(),
        }
    }

    fn org() -> Organization {
        let root = unit("r-ab12", "Root");
        let workloads = unit("ou-ab12-11111111", "Workloads");
        let prod = unit("ou-ab12-22222222", "Prod");
        let sandbox = unit("ou-ab12-33333333", "Sandbox");
        let account =
            |id: &str, name: &str, status: AccountStatus, parents: Vec<OrgUnit>| OrgAccount {
                id: id.into(),
                name: name.into(),
                status,
                parents,
            };
        Organization {
            id: "o-abc".into(),
            management_account_id: "111111111111".into(),
            accounts: vec![
                account(
                    "111111111111",
                    "management",
                    AccountStatus::Active,
                    vec![root.clone()],
                ),
                account(
                    "222222222222",
                    "prod",
                    AccountStatus::Active,
                    vec![root.clone(), workloads.clone(), prod.clone()],
                ),
                account(
                    "333333333333",
                    "workloads",
                    AccountStatus::Active,
                    vec![root.clone(), workloads.clone()],
                ),
                account(
                    "444444444444",
                    "sandbox",
                    AccountStatus::Active,
                    vec![root.clone(), sandbox.clone()],
                ),
                account(
                    "555555555555",
                    "old",
                    AccountStatus::Suspended,
                    vec![root.clone(), sandbox],
                ),
            ],
        }
    }

    fn decisions(scope: &Scope) -> Vec<(String, Option<SkipReason>)> {
        let mut out: Vec<_> = plan(org(), scope)
            .accounts
            .into_iter()
            .map(|a| {
                let reason = match a.decision {
                    Decision::Audit | Decision::Invalid { .. } => None,
                    Decision::Skip { reason, .. } => Some(reason),
                };
                (a.account.id, reason)
            })
            .collect();
        out.sort();
        out
    }

    fn audited(scope: &Scope) -> Vec<String> {
        decisions(scope)
            .into_iter()
            .filter(|(_, r)| r.is_none())
            .map(|(id, _)| id)
            .collect()
    }

    fn all() -> Scope {
        Scope {
            audit_management_account: true,
            ..Scope::default()
        }
    }

    #[test]
    fn suspended_accounts_are_skipped_and_the_rest_audited() {
        let d = decisions(&all());
        assert_eq!(d.len(), 5, "every account is planned");
        assert!(d.contains(&("555555555555".into(), Some(SkipReason::Suspended))));
        assert_eq!(audited(&all()).len(), 4);
    }

    #[test]
    fn an_ou_covers_its_nested_ous() {
        let scope = Scope {
            include_ous: vec!["ou-ab12-11111111".into()],
            ..all()
        };
        assert_eq!(audited(&scope), vec!["222222222222", "333333333333"]);
        let scope = Scope {
            exclude_ous: vec!["ou-ab12-11111111".into()],
            ..all()
        };
        assert_eq!(audited(&scope), vec!["111111111111", "444444444444"]);
    }

    #[test]
    fn the_root_id_includes_everything() {
        let scope = Scope {
            include_ous: vec!["r-ab12".into()],
            ..all()
        };
        assert_eq!(audited(&scope).len(), 4);
    }

    #[test]
    fn account_lists_and_the_management_switch() {
        let scope = Scope {
            include_accounts: vec!["444444444444".into()],
            include_ous: vec!["ou-ab12-22222222".into()],
            ..all()
        };
        assert_eq!(audited(&scope), vec!["222222222222", "444444444444"]);
        let scope = Scope {
            exclude_accounts: vec!["222222222222".into()],
            audit_management_account: false,
            ..Scope::default()
        };
        assert_eq!(audited(&scope), vec!["333333333333", "444444444444"]);
        // Exclusion wins over inclusion.
        let scope = Scope {
            include_accounts: vec!["222222222222".into()],
            exclude_ous: vec!["ou-ab12-22222222".into()],
            ..all()
        };
        assert!(audited(&scope).is_empty());
    }

    #[test]
    fn an_id_that_is_not_an_account_id_is_invalid() {
        let mut organization = org();
        organization.accounts[1].id = "1234'; DROP".into();
        let p = plan(organization, &all());
        let invalid = p
            .accounts
            .iter()
            .find(|a| a.account.id == "1234'; DROP")
            .expect("planned");
        assert!(
            matches!(&invalid.decision, Decision::Invalid { message } if message.contains("not 12 digits"))
        );
        assert_eq!(p.audited().count(), 3);
    }

    #[test]
    fn a_skip_names_its_rule() {
        let scope = Scope {
            exclude_ous: vec!["ou-ab12-33333333".into()],
            ..all()
        };
        let p = plan(org(), &scope);
        let sandbox = p
            .accounts
            .iter()
            .find(|a| a.account.id == "444444444444")
            .expect("planned");
        assert_eq!(
            sandbox.decision,
            Decision::Skip {
                reason: SkipReason::Excluded,
                rule: "organization.exclude_ous (ou-ab12-33333333 Sandbox)".into()
            }
        );
        assert_eq!(sandbox.account.ou_path(), "Root/Sandbox");
    }
}

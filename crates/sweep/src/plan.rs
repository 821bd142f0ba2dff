//! Which accounts a sweep audits, and why the others are not.

use mfa_collector::{AccountId, AccountState, OrgAccount, OrgUnit, Organization, OuId};
use mfa_evaluator::DataError;
use mfa_report::SkipReason;

/// What the configuration puts in and out of scope.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub include_accounts: Vec<AccountId>,
    pub exclude_accounts: Vec<AccountId>,
    /// OU or root ids; an OU covers its nested OUs.
    pub include_ous: Vec<OuId>,
    pub exclude_ous: Vec<OuId>,
    pub audit_management_account: bool,
}

impl Scope {
    fn lists_account(list: &[AccountId], id: &str) -> bool {
        list.iter().any(|a| a.as_str() == id)
    }

    fn lists_ou(list: &[OuId], id: &str) -> bool {
        list.iter().any(|o| o.as_str() == id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Audit,
    /// Not audited; `rule` says which state or configuration key decided it.
    Skip {
        reason: SkipReason,
        rule: String,
    },
    /// Organizations returned something that is not an account id (never assumed into), an
    /// account without a name, or a state this version does not know, or the account's place
    /// in the OU tree could not be read: recorded as an error, never a skip.
    Invalid {
        error: DataError,
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

/// An account is audited unless its listing is unusable, its state says it cannot be, or the
/// configuration leaves it out.
fn decide(account: &OrgAccount, management: &str, scope: &Scope) -> Decision {
    if let Some(error) = malformed_listing(account) {
        return Decision::Invalid { error };
    }
    // Never a guess: an account whose state is unknown is neither audited nor skipped.
    let lifecycle = match &account.lifecycle {
        Ok(lifecycle) => lifecycle,
        Err(error) => {
            return Decision::Invalid {
                error: error.clone(),
            }
        }
    };
    // Without its parents, neither the OU rules nor the report can place the account.
    let parents = match &account.parents {
        Ok(parents) => parents,
        Err(error) => {
            return Decision::Invalid {
                error: error.clone(),
            }
        }
    };
    if let Some(reason) = not_active(lifecycle.state) {
        return Decision::Skip {
            reason,
            rule: lifecycle.to_string(),
        };
    }
    match excluded_by(account, parents, management, scope) {
        Some(rule) => Decision::Skip {
            reason: SkipReason::Excluded,
            rule,
        },
        None => Decision::Audit,
    }
}

/// What Organizations listed that cannot be an account to audit or store: an id that is not
/// 12 digits (never assumed into), a Name holding NUL, no Name at all.
fn malformed_listing(account: &OrgAccount) -> Option<DataError> {
    let message = if !account.has_valid_id() {
        format!(
            "organizations:ListAccounts returned the account id {:?}, which is not 12 digits",
            account.id.chars().take(64).collect::<String>()
        )
    } else if account
        .name
        .as_deref()
        .is_some_and(|name| name.contains('\0'))
    {
        format!(
            "organizations:ListAccounts returned account {} with a Name holding a NUL \
             character, which cannot be stored",
            account.id
        )
    } else if account.name.is_none() {
        format!(
            "organizations:ListAccounts returned account {} without a Name",
            account.id
        )
    } else {
        return None;
    };
    Some(DataError {
        operation: "organizations:ListAccounts".to_string(),
        region: String::new(),
        code: Some("MalformedResponse".to_string()),
        message,
        request_id: None,
    })
}

/// Why an account in this state is not audited; `None` for an active one.
fn not_active(state: AccountState) -> Option<SkipReason> {
    match state {
        AccountState::Active => None,
        AccountState::Suspended => Some(SkipReason::Suspended),
        AccountState::PendingClosure => Some(SkipReason::PendingClosure),
        AccountState::Closed => Some(SkipReason::Closed),
        AccountState::PendingActivation => Some(SkipReason::PendingActivation),
    }
}

/// The configuration rule that leaves an active account out, if one does. Exclusions win over
/// inclusions; with no inclusions configured, everything not excluded is in.
fn excluded_by(
    account: &OrgAccount,
    parents: &[OrgUnit],
    management: &str,
    scope: &Scope,
) -> Option<String> {
    if account.id == management && !scope.audit_management_account {
        return Some("organization.audit_management_account = false".to_string());
    }
    if Scope::lists_account(&scope.exclude_accounts, &account.id) {
        return Some("organization.exclude_accounts".to_string());
    }
    if let Some(ou) = parents
        .iter()
        .find(|p| Scope::lists_ou(&scope.exclude_ous, &p.id))
    {
        return Some(format!("organization.exclude_ous ({} {})", ou.id, ou.name));
    }
    let has_includes = !scope.include_accounts.is_empty() || !scope.include_ous.is_empty();
    let included = Scope::lists_account(&scope.include_accounts, &account.id)
        || parents
            .iter()
            .any(|p| Scope::lists_ou(&scope.include_ous, &p.id));
    if has_includes && !included {
        return Some("not in organization.include_accounts or include_ous".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mfa_collector::{Lifecycle, OrgUnit, StateField};

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
            |id: &str, name: &str, state: AccountState, parents: Vec<OrgUnit>| OrgAccount {
                id: id.into(),
                name: Some(name.into()),
                lifecycle: Ok(Lifecycle {
                    state,
                    field: StateField::State,
                }),
                parents: Ok(parents),
            };
        Organization {
            id: "o-abc".into(),
            management_account_id: "111111111111".into(),
            partition: "aws".into(),
            accounts: vec![
                account(
                    "111111111111",
                    "management",
                    AccountState::Active,
                    vec![root.clone()],
                ),
                account(
                    "222222222222",
                    "prod",
                    AccountState::Active,
                    vec![root.clone(), workloads.clone(), prod.clone()],
                ),
                account(
                    "333333333333",
                    "workloads",
                    AccountState::Active,
                    vec![root.clone(), workloads.clone()],
                ),
                account(
                    "444444444444",
                    "sandbox",
                    AccountState::Active,
                    vec![root.clone(), sandbox.clone()],
                ),
                account(
                    "555555555555",
                    "old",
                    AccountState::Suspended,
                    vec![root.clone(), sandbox],
                ),
            ],
        }
    }

    /// Each account's decision in a word: `audit`, `invalid`, or the skip reason.
    fn decisions_of(organization: Organization, scope: &Scope) -> Vec<(String, &'static str)> {
        let mut out: Vec<_> = plan(organization, scope)
            .accounts
            .into_iter()
            .map(|a| {
                let word = match a.decision {
                    Decision::Audit => "audit",
                    Decision::Invalid { .. } => "invalid",
                    Decision::Skip { reason, .. } => reason.as_str(),
                };
                (a.account.id, word)
            })
            .collect();
        out.sort();
        out
    }

    fn decisions(scope: &Scope) -> Vec<(String, &'static str)> {
        decisions_of(org(), scope)
    }

    fn audited(scope: &Scope) -> Vec<String> {
        decisions(scope)
            .into_iter()
            .filter(|(_, word)| *word == "audit")
            .map(|(id, _)| id)
            .collect()
    }

    fn ids<T: std::str::FromStr>(values: &[&str]) -> Vec<T>
    where
        T::Err: std::fmt::Debug,
    {
        values
            .iter()
            .map(|v| v.parse().expect("a valid id"))
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
        assert!(d.contains(&("555555555555".into(), "suspended")));
        assert_eq!(audited(&all()).len(), 4);
    }

    #[test]
    fn every_state_but_active_is_skipped_by_name_and_an_unknown_one_is_an_error() {
        let mut organization = org();
        let states = [
            AccountState::PendingActivation,
            AccountState::Suspended,
            AccountState::PendingClosure,
            AccountState::Closed,
        ];
        for (account, state) in organization.accounts[1..].iter_mut().zip(states) {
            account.lifecycle = Ok(Lifecycle {
                state,
                field: StateField::State,
            });
        }
        let unknown = DataError {
            operation: "organizations:ListAccounts".into(),
            region: "us-east-1".into(),
            code: Some("MalformedResponse".into()),
            message: "account \"555555555555\" has State \"FROZEN\"".into(),
            request_id: None,
        };
        organization.accounts[4].lifecycle = Err(unknown.clone());
        assert_eq!(
            decisions_of(organization.clone(), &all()),
            vec![
                ("111111111111".into(), "audit"),
                ("222222222222".into(), "pending_activation"),
                ("333333333333".into(), "suspended"),
                ("444444444444".into(), "pending_closure"),
                ("555555555555".into(), "invalid"),
            ]
        );
        let p = plan(organization, &all());
        let rules: Vec<_> = p
            .accounts
            .iter()
            .map(|a| match &a.decision {
                Decision::Skip { rule, .. } => rule.clone(),
                Decision::Invalid { error } => error.message.clone(),
                Decision::Audit => "audit".into(),
            })
            .collect();
        assert!(
            rules.contains(&"State PENDING_ACTIVATION".to_string()),
            "{rules:?}"
        );
        assert!(rules.contains(&unknown.message), "{rules:?}");
        // An unknown state is an error even where the configuration would have excluded it:
        // what the organization holds is never guessed.
        let mut organization = org();
        organization.accounts[4].lifecycle = Err(unknown);
        let scope = Scope {
            exclude_accounts: ids(&["555555555555"]),
            ..all()
        };
        assert!(decisions_of(organization, &scope).contains(&("555555555555".into(), "invalid")));
    }

    #[test]
    fn skips_are_counted_by_reason() {
        let scope = Scope {
            exclude_accounts: ids(&["222222222222", "333333333333"]),
            ..all()
        };
        assert_eq!(
            plan(org(), &scope).skipped_by_reason(),
            vec![(SkipReason::Suspended, 1), (SkipReason::Excluded, 2)]
        );
    }

    #[test]
    fn the_retired_status_field_decides_only_when_it_is_all_there_is() {
        let mut organization = org();
        organization.accounts[4].lifecycle = Ok(Lifecycle {
            state: AccountState::PendingClosure,
            field: StateField::Status,
        });
        let p = plan(organization, &all());
        assert!(p.accounts.iter().any(|a| a.decision
            == Decision::Skip {
                reason: SkipReason::PendingClosure,
                rule: "Status PENDING_CLOSURE".into()
            }));
    }

    #[test]
    fn an_account_whose_name_holds_nul_is_an_error_shown_without_it() {
        let mut organization = org();
        organization.accounts[2].name = Some("prod\0db".into());
        let p = plan(organization, &all());
        let nul = p
            .accounts
            .iter()
            .find(|a| a.account.id == "333333333333")
            .expect("planned");
        assert!(
            matches!(&nul.decision, Decision::Invalid { error } if error.message.contains("NUL")),
            "{:?}",
            nul.decision
        );
        assert_eq!(nul.account.name_or_empty(), "");
    }

    #[test]
    fn an_account_without_a_name_is_an_error_not_a_blank() {
        let mut organization = org();
        organization.accounts[2].name = None;
        let p = plan(organization, &all());
        let nameless = p
            .accounts
            .iter()
            .find(|a| a.account.id == "333333333333")
            .expect("planned");
        assert!(
            matches!(&nameless.decision, Decision::Invalid { error } if error.message.contains("without a Name")),
            "{:?}",
            nameless.decision
        );
    }

    #[test]
    fn an_ou_covers_its_nested_ous() {
        let scope = Scope {
            include_ous: ids(&["ou-ab12-11111111"]),
            ..all()
        };
        assert_eq!(audited(&scope), vec!["222222222222", "333333333333"]);
        let scope = Scope {
            exclude_ous: ids(&["ou-ab12-11111111"]),
            ..all()
        };
        assert_eq!(audited(&scope), vec!["111111111111", "444444444444"]);
    }

    #[test]
    fn the_root_id_includes_everything() {
        let scope = Scope {
            include_ous: ids(&["r-ab12"]),
            ..all()
        };
        assert_eq!(audited(&scope).len(), 4);
    }

    #[test]
    fn account_lists_and_the_management_switch() {
        let scope = Scope {
            include_accounts: ids(&["444444444444"]),
            include_ous: ids(&["ou-ab12-22222222"]),
            ..all()
        };
        assert_eq!(audited(&scope), vec!["222222222222", "444444444444"]);
        let scope = Scope {
            exclude_accounts: ids(&["222222222222"]),
            audit_management_account: false,
            ..Scope::default()
        };
        assert_eq!(audited(&scope), vec!["333333333333", "444444444444"]);
        // Exclusion wins over inclusion.
        let scope = Scope {
            include_accounts: ids(&["222222222222"]),
            exclude_ous: ids(&["ou-ab12-22222222"]),
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
            matches!(&invalid.decision, Decision::Invalid { error } if error.message.contains("not 12 digits"))
        );
        assert_eq!(p.audited().count(), 3);
    }

    #[test]
    fn an_account_whose_parents_could_not_be_read_is_that_accounts_error() {
        let mut organization = org();
        let error = DataError {
            operation: "organizations:ListParents".into(),
            region: "us-east-1".into(),
            code: Some("ChildNotFoundException".into()),
            message: "moved".into(),
            request_id: Some("req-1".into()),
        };
        organization.accounts[1].parents = Err(error.clone());
        let p = plan(organization, &all());
        let moved = p
            .accounts
            .iter()
            .find(|a| a.account.id == "222222222222")
            .expect("planned");
        assert_eq!(moved.decision, Decision::Invalid { error });
        assert_eq!(p.audited().count(), 3, "the others are audited");
    }

    #[test]
    fn a_skip_names_its_rule() {
        let scope = Scope {
            exclude_ous: ids(&["ou-ab12-33333333"]),
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

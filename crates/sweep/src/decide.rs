//! Decides one account: audited, skipped (by its state or a scope rule, named), or invalid (what
//! Organizations listed cannot be audited or stored). Never a guess.

use mfa_collector::{AccountId, AccountState, OrgAccount, OrgUnit, OuId};
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

/// An account is audited unless its listing is unusable, its state says it cannot be, or the
/// configuration leaves it out.
pub(crate) fn decide(account: &OrgAccount, management: &str, scope: &Scope) -> Decision {
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

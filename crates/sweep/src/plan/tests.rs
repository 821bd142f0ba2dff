//! The plan's decisions over a small organization: states, scope rules, invalid listings.

use super::*;
use crate::decide::{Decision, Scope};
use mfa_collector::AccountState;
use mfa_collector::{Lifecycle, OrgUnit, StateField};
use mfa_evaluator::DataError;

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
    let account = |id: &str, name: &str, state: AccountState, parents: Vec<OrgUnit>| OrgAccount {
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

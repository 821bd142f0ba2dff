//! One row per way a policy reaches a user, and per thing seen and not read.

use super::*;
use crate::authorization::ManagedPolicy;
use EnforcementState::{Enforced, NotEnforced, NotRecognised};

use crate::remediation_kit::REQUIRE_MFA_POLICY;
const ALLOW_ALL: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
const READ_ONLY: &str =
    r#"{"Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}"#;
const MFA_AGE_DENY: &str = r#"{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*",
    "Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}}]}"#;
const ALLOW_WITH_MFA: &str = r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}"#;

const REQUIRE_MFA: &str = "arn:aws:iam::111122223333:policy/RequireMFA";
const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const READ: &str = "arn:aws:iam::111122223333:policy/Read";
const BROKEN: &str = "arn:aws:iam::111122223333:policy/Broken";
const VAULT: &str = "arn:aws:iam::111122223333:policy/VaultMfa";
const GONE: &str = "arn:aws:iam::111122223333:policy/Gone";
const USER: &str = "arn:aws:iam::111122223333:user/jess";
const ADMINS: &str = "arn:aws:iam::111122223333:group/admins";

fn inline(name: &str, document: &str) -> InlinePolicy {
    InlinePolicy {
        name: name.to_string(),
        document: document.to_string(),
    }
}

fn managed(arn: &str, document: &str) -> ManagedPolicy {
    ManagedPolicy {
        arn: arn.to_string(),
        name: arn.rsplit('/').next().unwrap_or(arn).to_string(),
        default_version_id: "v1".to_string(),
        document: document.to_string(),
    }
}

fn group(name: &str, inline_policies: Vec<InlinePolicy>, attached: &[&str]) -> GroupPolicies {
    GroupPolicies {
        name: name.to_string(),
        arn: format!("arn:aws:iam::111122223333:group/{name}"),
        inline_policies,
        attached_managed_policies: attached.iter().map(|a| a.to_string()).collect(),
    }
}

/// A user with no policy, no group and no boundary.
fn bare() -> UserPolicies {
    UserPolicies {
        name: "jess".to_string(),
        arn: USER.to_string(),
        groups: Vec::new(),
        inline_policies: Vec::new(),
        attached_managed_policies: Vec::new(),
        permissions_boundary: None,
    }
}

fn with(change: impl FnOnce(&mut UserPolicies)) -> UserPolicies {
    let mut user = bare();
    change(&mut user);
    user
}

fn details(user: UserPolicies) -> AuthorizationDetails {
    AuthorizationDetails {
        users: vec![user],
        groups: vec![
            group("humans", vec![], &[REQUIRE_MFA]),
            group("admins", vec![inline("admin", ALLOW_ALL)], &[]),
            group("ops", vec![], &[BROKEN]),
        ],
        managed_policies: vec![
            managed(REQUIRE_MFA, &REQUIRE_MFA_POLICY),
            managed(READ, READ_ONLY),
            managed(BROKEN, "{\"Statement\": "),
            managed(VAULT, MFA_AGE_DENY),
        ],
        pages: 1,
    }
}

fn scp(id: &str, document: &str) -> ServiceControlPolicy {
    ServiceControlPolicy {
        id: id.to_string(),
        name: format!("{id}-name"),
        document: document.to_string(),
    }
}

fn attach(arns: &[&str]) -> Vec<String> {
    arns.iter().map(|a| a.to_string()).collect()
}

struct Row {
    case: &'static str,
    user: UserPolicies,
    scps: Option<Vec<ServiceControlPolicy>>,
    state: EnforcementState,
    by: Vec<String>,
    admin: Option<bool>,
    via: Vec<String>,
    /// A word every `unrecognised` reason list (enforcement's, then admin's) must name.
    names: &'static str,
}

fn row(case: &'static str, user: UserPolicies, state: EnforcementState, by: &[&str]) -> Row {
    Row {
        case,
        user,
        scps: None,
        state,
        by: attach(by),
        admin: Some(false),
        via: Vec::new(),
        names: "",
    }
}

#[test]
fn what_a_users_policies_say_together() {
    let user_inline = format!("{USER}:inline/require-mfa");
    let admins_inline = format!("{ADMINS}:inline/admin");
    let rows = vec![
        row("no policy", bare(), NotEnforced, &[]),
        row(
            "a policy that enforces nothing",
            with(|u| u.attached_managed_policies = attach(&[READ])),
            NotEnforced,
            &[],
        ),
        row(
            "an Allow with an MFA condition",
            with(|u| u.inline_policies = vec![inline("mfa", ALLOW_WITH_MFA)]),
            NotEnforced,
            &[],
        ),
        row(
            "the kit inline",
            with(|u| u.inline_policies = vec![inline("require-mfa", &REQUIRE_MFA_POLICY)]),
            Enforced,
            &[&user_inline],
        ),
        row(
            "the kit attached",
            with(|u| u.attached_managed_policies = attach(&[REQUIRE_MFA])),
            Enforced,
            &[REQUIRE_MFA],
        ),
        row(
            "the kit through a group",
            with(|u| u.groups = vec!["humans".to_string()]),
            Enforced,
            &[REQUIRE_MFA],
        ),
        row(
            "the kit attached and through a group: named once",
            with(|u| {
                u.groups = vec!["humans".to_string()];
                u.attached_managed_policies = attach(&[REQUIRE_MFA]);
            }),
            Enforced,
            &[REQUIRE_MFA],
        ),
        Row {
            admin: Some(true),
            via: vec![admins_inline.clone()],
            ..row(
                "admin by a group's inline policy",
                with(|u| u.groups = vec!["admins".to_string()]),
                NotEnforced,
                &[],
            )
        },
        Row {
            admin: Some(true),
            via: attach(&[ADMINISTRATOR_ACCESS]),
            ..row(
                "AdministratorAccess by ARN, not in the answer",
                with(|u| u.attached_managed_policies = attach(&[ADMINISTRATOR_ACCESS])),
                NotEnforced,
                &[],
            )
        },
        Row {
            names: "permissions boundary",
            ..row(
                "a permissions boundary alone",
                with(|u| u.permissions_boundary = Some(READ.to_string())),
                NotRecognised,
                &[],
            )
        },
        row(
            "a permissions boundary beside the kit",
            with(|u| {
                u.permissions_boundary = Some(READ.to_string());
                u.attached_managed_policies = attach(&[REQUIRE_MFA]);
            }),
            Enforced,
            &[REQUIRE_MFA],
        ),
        Row {
            names: "MultiFactorAuthAge",
            ..row(
                "an MFA-age Deny",
                with(|u| u.attached_managed_policies = attach(&[VAULT])),
                NotRecognised,
                &[],
            )
        },
        row(
            "an MFA-age Deny beside the kit",
            with(|u| u.attached_managed_policies = attach(&[VAULT, REQUIRE_MFA])),
            Enforced,
            &[REQUIRE_MFA],
        ),
        Row {
            admin: None,
            names: "not JSON",
            ..row(
                "a policy that is not JSON, through a group",
                with(|u| u.groups = vec!["ops".to_string()]),
                NotRecognised,
                &[],
            )
        },
        Row {
            admin: Some(true),
            via: vec![admins_inline],
            names: "not JSON",
            ..row(
                "not JSON, beside an admin grant",
                with(|u| u.groups = vec!["ops".to_string(), "admins".to_string()]),
                NotRecognised,
                &[],
            )
        },
        Row {
            admin: None,
            names: "group ghosts",
            ..row(
                "a group not in the answer",
                with(|u| u.groups = vec!["ghosts".to_string()]),
                NotRecognised,
                &[],
            )
        },
        Row {
            admin: None,
            names: GONE,
            ..row(
                "a managed policy not in the answer",
                with(|u| u.attached_managed_policies = attach(&[GONE])),
                NotRecognised,
                &[],
            )
        },
        Row {
            scps: Some(vec![scp("p-mfa", MFA_AGE_DENY)]),
            names: "SCP p-mfa",
            ..row("an SCP keyed on MFA", bare(), NotRecognised, &[])
        },
        Row {
            scps: Some(vec![scp("p-mfa", ALLOW_WITH_MFA)]),
            ..row(
                "an SCP keyed on MFA beside the kit",
                with(|u| u.attached_managed_policies = attach(&[REQUIRE_MFA])),
                Enforced,
                &[REQUIRE_MFA],
            )
        },
        Row {
            scps: Some(vec![scp("p-bad", "nope")]),
            names: "SCP p-bad",
            ..row("an SCP that is not JSON", bare(), NotRecognised, &[])
        },
        Row {
            scps: Some(vec![scp("p-read", READ_ONLY)]),
            ..row("an SCP not keyed on MFA", bare(), NotEnforced, &[])
        },
    ];
    for r in rows {
        let policies = AccountPolicies::new(&details(r.user), r.scps.as_deref());
        let facts = policies.user(USER);
        let case = r.case;
        assert_eq!(facts.enforcement.state, r.state, "{case}: {facts:?}");
        assert_eq!(facts.enforcement.by, r.by, "{case}");
        assert_eq!(facts.admin.equivalent, r.admin, "{case}: {facts:?}");
        assert_eq!(facts.admin.via, r.via, "{case}");
        let enforcement_says = facts.enforcement.unrecognised.join("; ");
        assert_eq!(
            r.state == NotRecognised,
            !enforcement_says.is_empty(),
            "{case}"
        );
        assert!(
            enforcement_says.contains(r.names),
            "{case}: {enforcement_says}"
        );
        let admin_says = facts.admin.unrecognised.join("; ");
        assert_eq!(r.admin.is_none(), !admin_says.is_empty(), "{case}");
        assert!(
            r.admin.is_some() || admin_says.contains(r.names),
            "{case}: {admin_says}"
        );
    }
}

#[test]
fn a_user_the_answer_did_not_list_is_said_not_guessed() {
    let policies = AccountPolicies::new(&details(bare()), None);
    let new = "arn:aws:iam::111122223333:user/new";
    let facts = policies.user(new);
    assert_eq!(facts.enforcement.state, NotRecognised);
    assert_eq!(facts.admin.equivalent, None);
    for reasons in [&facts.enforcement.unrecognised, &facts.admin.unrecognised] {
        assert!(reasons.iter().any(|r| r.contains(new)), "{reasons:?}");
    }
}

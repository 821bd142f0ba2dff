//! The facts each resource carries (`docs/controls.md`, "Beyond the five controls"), and that
//! they never change a status. The rules themselves are tested in their own modules.

use super::*;
use crate::authorization::{AuthorizationDetails, GroupPolicies, MfaDevice, UserPolicies};
use crate::facts::{EnforcementState, MfaDeviceFact, MfaKind};

use crate::remediation_kit::REQUIRE_MFA_POLICY;

/// The account's policies: `jess` is in `humans`, whose inline policy is the kit.
fn humans_enforce_mfa() -> AuthorizationDetails {
    let humans = format!("arn:aws:iam::{ACCOUNT}:group/humans");
    AuthorizationDetails {
        users: vec![UserPolicies {
            name: "jess".to_string(),
            arn: user("jess", true, false, false).arn,
            groups: vec!["humans".to_string()],
            inline_policies: vec![],
            attached_managed_policies: vec![],
            permissions_boundary: None,
        }],
        groups: vec![GroupPolicies {
            name: "humans".to_string(),
            arn: humans,
            inline_policies: vec![crate::authorization::InlinePolicy {
                name: "require-mfa".to_string(),
                document: REQUIRE_MFA_POLICY.to_string(),
            }],
            attached_managed_policies: vec![],
        }],
        managed_policies: vec![],
        pages: 1,
    }
}

fn resources(s: &AccountSnapshot, control: ControlId) -> Vec<ResourceFinding> {
    evaluate(s)
        .into_iter()
        .find(|r| r.control == control)
        .map(|r| r.resources)
        .expect("every control is evaluated")
}

fn with_users(users: Vec<IamUser>) -> AccountSnapshot {
    let mut s = snapshot();
    s.users = Ok(CredentialReport {
        generated_at: Some(at()),
        read_at: at(),
        freshness: ReportFreshness::GeneratedForThisAudit,
        users,
        root_usage: None,
    });
    s
}

#[test]
fn root_resources_carry_their_devices_under_both_controls() {
    let mut s = snapshot();
    s.root.summary = Ok(summary(true, false, true));
    for control in [ControlId::Iam9, ControlId::Iam6] {
        let [root] = resources(&s, control)
            .try_into()
            .expect("one root resource");
        assert_eq!(
            root.facts.mfa_devices,
            Some(vec![MfaDeviceFact {
                kind: MfaKind::HardwareOrFido,
                serial: None,
                enabled_at: None,
            }]),
            "{control:?}"
        );
        assert_eq!(root.facts.phishing_resistant, None, "{control:?}");
    }
}

#[test]
fn user_resources_carry_their_devices_under_both_controls() {
    let mut jess = user("jess", true, true, false);
    jess.mfa_devices = Some(Ok(vec![MfaDevice {
        serial_number: format!("arn:aws:iam::{ACCOUNT}:u2f/user/jess/key"),
        enabled_at: None,
    }]));
    let s = with_users(vec![jess, user("ci", false, false, true)]);
    for control in [ControlId::Iam5, ControlId::Iam19] {
        let found = resources(&s, control);
        let jess = found
            .iter()
            .find(|r| r.resource_id.ends_with("/jess"))
            .expect("jess");
        let kinds: Option<Vec<MfaKind>> = jess
            .facts
            .mfa_devices
            .as_ref()
            .map(|d| d.iter().map(|d| d.kind).collect());
        assert_eq!(kinds, Some(vec![MfaKind::Fido]), "{control:?}");
        assert_eq!(jess.facts.phishing_resistant, Some(true), "{control:?}");
    }
    // Devices not read: absent, never guessed.
    let ci = resources(&s, ControlId::Iam19)
        .into_iter()
        .find(|r| r.resource_id.ends_with("/ci"))
        .expect("ci");
    assert_eq!(ci.facts.mfa_devices, None);
    assert_eq!(ci.facts.phishing_resistant, None);
}

#[test]
fn user_resources_carry_their_enforcement_where_policies_were_read() {
    let users = vec![
        user("jess", true, false, false),
        user("ci", false, false, true),
    ];
    let enforcement_of = |s: &AccountSnapshot, name: &str| {
        resources(s, ControlId::Iam19)
            .into_iter()
            .find(|r| r.resource_id.ends_with(&format!("/{name}")))
            .and_then(|r| r.facts.mfa_enforcement)
    };
    let mut s = with_users(users);
    assert_eq!(enforcement_of(&s, "jess"), None, "policies not read");
    let policies_error = |s: &AccountSnapshot| {
        resources(s, ControlId::Iam19)
            .into_iter()
            .map(|r| r.facts.policies_error)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        policies_error(&s),
        vec![None, None],
        "not read: nothing to say"
    );
    s.authorization = Some(Err(data_error("iam:GetAccountAuthorizationDetails")));
    assert_eq!(enforcement_of(&s, "jess"), None, "policies unreadable");
    // A read that failed is said on every user, never silent.
    for error in policies_error(&s) {
        let error = error.unwrap_or_default();
        assert!(
            error.contains("iam:GetAccountAuthorizationDetails"),
            "{error}"
        );
    }

    s.authorization = Some(Ok(humans_enforce_mfa()));
    let jess = enforcement_of(&s, "jess").expect("read");
    assert_eq!(jess.state, EnforcementState::Enforced);
    assert_eq!(
        jess.by,
        vec![format!(
            "arn:aws:iam::{ACCOUNT}:group/humans:inline/require-mfa"
        )]
    );
    let ci = enforcement_of(&s, "ci").expect("read");
    assert_eq!(
        ci.state,
        EnforcementState::NotRecognised,
        "not in the answer"
    );
    let iam5 = resources(&s, ControlId::Iam5);
    assert_eq!(
        iam5[0].facts.mfa_enforcement.as_ref().map(|e| e.state),
        Some(EnforcementState::Enforced),
        "IAM.5 too"
    );
    // Out of the group, jess is not enforced; an SCP keyed on MFA is seen and not read.
    let mut details = humans_enforce_mfa();
    details.users[0].groups.clear();
    s.authorization = Some(Ok(details));
    let state = |s: &AccountSnapshot| enforcement_of(s, "jess").map(|e| e.state);
    assert_eq!(state(&s), Some(EnforcementState::NotEnforced));
    s.scps_in_force = Some(Ok(vec![crate::authorization::ServiceControlPolicy {
        id: "p-mfa".to_string(),
        name: "mfa-everywhere".to_string(),
        document: REQUIRE_MFA_POLICY.to_string(),
    }]));
    assert_eq!(state(&s), Some(EnforcementState::NotRecognised));
    // Root has no identity policies.
    assert_eq!(
        resources(&s, ControlId::Iam9)[0].facts.mfa_enforcement,
        None
    );
}

#[test]
fn a_users_admin_policies_are_absent_from_the_json_when_not_read() {
    let admin_in_json =
        |s: &AccountSnapshot| -> Vec<(Option<serde_json::Value>, Option<serde_json::Value>)> {
            resources(s, ControlId::Iam19)
                .into_iter()
                .map(|r| {
                    let facts = serde_json::to_value(&r.facts).expect("facts are JSON");
                    let fact = |name: &str| facts["stakes"].get(name).cloned();
                    (fact("admin_equivalent"), fact("admin_via"))
                })
                .collect()
        };
    let mut s = with_users(vec![user("jess", true, false, false)]);
    // Not read, or unreadable: an empty `admin_via` would say no policy grants it.
    assert_eq!(admin_in_json(&s), vec![(None, None)], "not read");
    s.authorization = Some(Err(data_error("iam:GetAccountAuthorizationDetails")));
    assert_eq!(admin_in_json(&s), vec![(None, None)], "unreadable");
    // Read: both said, none granting it.
    s.authorization = Some(Ok(humans_enforce_mfa()));
    assert_eq!(
        admin_in_json(&s),
        vec![(Some(serde_json::json!(false)), Some(serde_json::json!([])))]
    );
}

#[test]
fn root_priority_on_a_failed_iam9_only_and_stakes_on_both() {
    use crate::facts::Priority;
    let mut s = snapshot();
    s.root.summary = Ok(summary(true, false, false));
    let iam9 = resources(&s, ControlId::Iam9).remove(0);
    let iam6 = resources(&s, ControlId::Iam6).remove(0);
    assert_eq!((iam9.status, iam6.status), (F, F));
    assert_eq!(iam9.facts.priority, Some(Priority::Critical));
    assert_eq!(iam6.facts.priority, None, "IAM.6 has no priority");
    for root in [&iam9, &iam6] {
        let stakes = root.facts.stakes.as_ref().expect("root's stakes");
        assert_eq!(stakes.admin_equivalent, Some(true));
        assert!(stakes.console_password);
    }
    // The credential report's <root_account> row says when root last signed in.
    if let Ok(report) = &mut s.users {
        report.root_usage = Some(crate::authorization::CredentialUse {
            password_last_used: Some(at()),
            active_access_keys: vec![],
        });
    }
    s.root.summary = Ok(summary(true, false, true));
    let iam9 = resources(&s, ControlId::Iam9).remove(0);
    let stakes = iam9.facts.stakes.as_ref().expect("root's stakes");
    assert_eq!(stakes.password_last_used, Some(at()));
    assert_eq!(iam9.status, P);
    assert_eq!(iam9.facts.priority, None, "PASSED has no priority");
    assert!(iam9.facts.stakes.is_some());
}

#[test]
fn user_priority_on_failed_users_from_the_reports_read_time() {
    use crate::authorization::{AccessKeyUse, CredentialUse};
    use crate::facts::Priority;
    let used_days_before_read = |days: i64| CredentialUse {
        password_last_used: None,
        active_access_keys: vec![AccessKeyUse {
            last_used_date: Some(at() - chrono::Duration::days(days)),
            last_used_service: Some("s3".to_string()),
        }],
    };
    let mut recent = user("ci", false, false, true);
    recent.usage = Some(used_days_before_read(30));
    let mut old = user("batch", false, false, true);
    old.usage = Some(used_days_before_read(120));
    let mut idle = user("idle", false, false, false);
    idle.usage = Some(CredentialUse {
        password_last_used: None,
        active_access_keys: vec![],
    });
    let mut fine = user("jess", true, true, false);
    fine.usage = idle.usage.clone();
    let mut s = with_users(vec![recent, old, idle, fine]);
    let mut details = humans_enforce_mfa();
    for name in ["ci", "batch", "idle"] {
        let mut u = details.users[0].clone();
        u.arn = user(name, false, false, false).arn;
        u.groups.clear();
        details.users.push(u);
    }
    let priorities = |s: &AccountSnapshot| -> Vec<Option<Priority>> {
        resources(s, ControlId::Iam19)
            .iter()
            .map(|r| r.facts.priority)
            .collect()
    };
    // Policies not read: a user with a key could be critical; one without any is low.
    assert_eq!(priorities(&s), vec![None, None, Some(Priority::Low), None]);
    s.authorization = Some(Ok(details));
    assert_eq!(
        priorities(&s),
        vec![
            Some(Priority::High),
            Some(Priority::Medium),
            Some(Priority::Low),
            None
        ],
        "the last one PASSED"
    );
    let stakes = resources(&s, ControlId::Iam19)[0].facts.stakes.clone();
    assert_eq!(stakes.and_then(|s| s.admin_equivalent), Some(false));
}

/// The snapshot with every input of the facts emptied: what the controls saw before them.
fn without_fact_inputs(mut s: AccountSnapshot) -> AccountSnapshot {
    s.authorization = None;
    s.scps_in_force = None;
    if let Ok(report) = &mut s.users {
        report.root_usage = None;
        for user in &mut report.users {
            user.usage = None;
            user.mfa_devices = None;
        }
    }
    if let Ok(regions) = &mut s.user_pools {
        for region in regions {
            for pool in region.pools.iter_mut().flatten() {
                pool.second_factors = None;
            }
        }
    }
    s
}

#[test]
fn facts_never_change_a_status() {
    let mut jess = user("jess", true, false, true);
    jess.mfa_devices = Some(Ok(vec![MfaDevice {
        serial_number: "arn:aws:iam::111122223333:oath/odd".to_string(),
        enabled_at: None,
    }]));
    let mut s = with_users(vec![jess, user("ci", false, true, true)]);
    s.root.summary = Ok(summary(true, true, false));
    s.authorization = Some(Ok(humans_enforce_mfa()));
    s.scps_in_force = Some(Ok(vec![]));
    s.user_pools = Ok(vec![region(
        "us-east-1",
        Ok(vec![pool("a", "us-east-1", Ok(MfaConfiguration::On))]),
    )]);
    let statuses = |s: &AccountSnapshot| -> Vec<(ControlId, Status, Vec<Status>)> {
        evaluate(s)
            .into_iter()
            .map(|r| {
                (
                    r.control,
                    r.status,
                    r.resources.iter().map(|f| f.status).collect(),
                )
            })
            .collect()
    };
    let with_facts = evaluate(&s);
    // Positive control: the facts were there to change something.
    assert!(with_facts.iter().all(|r| !r.resources.is_empty()));
    let found = with_facts.iter().flat_map(|r| &r.resources);
    assert!(found.clone().all(|f| !f.facts.is_empty()));
    assert_eq!(statuses(&s), statuses(&without_fact_inputs(s.clone())));
}

#[test]
fn pool_resources_carry_their_factors_in_scope_or_not() {
    use crate::authorization::SecondFactor;
    let mut sms_only = pool("sms", "us-east-1", Ok(MfaConfiguration::On));
    sms_only.second_factors = Some(Ok(vec![SecondFactor::Sms]));
    let passkeys = pool_signing_in_with(
        "passkeys",
        "us-east-1",
        Ok(MfaConfiguration::Off),
        allowing(&[FirstFactor::WebAuthn]),
    );
    let mut s = snapshot();
    s.user_pools = Ok(vec![region("us-east-1", Ok(vec![sms_only, passkeys]))]);
    let [sms_only, passkeys] = resources(&s, ControlId::Cognito5)
        .try_into()
        .expect("two pools");
    assert_eq!(sms_only.status, P);
    assert_eq!(sms_only.facts.weak_mfa, Some(true));
    assert_eq!(sms_only.facts.second_factors, Some(vec![SecondFactor::Sms]));
    assert_eq!(
        sms_only.facts.sign_in_factors,
        Some(vec![FirstFactor::Password])
    );
    assert_eq!(passkeys.status, NA);
    assert_eq!(
        passkeys.facts.sign_in_factors,
        Some(vec![FirstFactor::WebAuthn])
    );
    assert_eq!(passkeys.facts.weak_mfa, None, "second factors not read");
}

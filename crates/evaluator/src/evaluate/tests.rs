//! One table per data source; each row is a case of `docs/controls.md`.

use super::*;
use crate::snapshot::{
    IamUser, PoolSettings, RegionUserPools, ReportFreshness, RootSnapshot, UserPool, UserSource,
};
use chrono::{TimeZone, Utc};
use Status::{Error as E, Failed as F, NotApplicable as NA, Passed as P};

const ACCOUNT: &str = "111122223333";

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0)
        .single()
        .expect("valid date")
}

fn data_error(operation: &str) -> DataError {
    DataError {
        operation: operation.to_string(),
        region: "us-east-1".to_string(),
        code: Some("AccessDenied".to_string()),
        message: "denied".to_string(),
        request_id: None,
    }
}

fn snapshot() -> AccountSnapshot {
    AccountSnapshot {
        account_id: ACCOUNT.to_string(),
        partition: "aws".to_string(),
        root: RootSnapshot {
            summary: Ok(summary(false, false, false)),
            assigned_virtual_devices: Ok(Vec::new()),
        },
        users: Ok(CredentialReport {
            generated_at: Some(at()),
            read_at: at(),
            freshness: ReportFreshness::GeneratedForThisAudit,
            users: Vec::new(),
            root_usage: None,
        }),
        user_pools: Ok(Vec::new()),
        authorization: None,
        scps_in_force: None,
    }
}

fn summary(password: bool, keys: bool, mfa: bool) -> AccountSummary {
    AccountSummary {
        account_mfa_enabled: mfa,
        account_password_present: password,
        account_access_keys_present: keys,
        read_at: at(),
    }
}

fn device(serial: &str, user_arn: &str) -> VirtualMfaDevice {
    VirtualMfaDevice {
        serial_number: serial.to_string(),
        user_arn: Some(user_arn.to_string()),
    }
}

/// A row that repeats an earlier row's input cannot fail on its own: every row must differ.
fn assert_distinct<'a, T: PartialEq + std::fmt::Debug + 'a>(
    rows: impl Iterator<Item = (&'a str, T)>,
) {
    let rows: Vec<(&str, T)> = rows.collect();
    for (i, (case, input)) in rows.iter().enumerate() {
        if let Some((earlier, _)) = rows[..i].iter().find(|(_, other)| other == input) {
            panic!("case {case:?} has the same input as {earlier:?}");
        }
    }
}

fn status_of(snapshot: &AccountSnapshot, control: ControlId) -> Status {
    evaluate(snapshot)
        .into_iter()
        .find(|r| r.control == control)
        .map(|r| {
            assert_eq!(r.error.is_some(), r.status == Status::Error, "{r:?}");
            r.status
        })
        .expect("every control is evaluated")
}

/// (case, password, keys, AccountMFAEnabled, assigned virtual devices, IAM.9, IAM.6)
type RootCase<'a> = (
    &'a str,
    bool,
    bool,
    bool,
    Vec<VirtualMfaDevice>,
    Status,
    Status,
);

#[test]
fn root_controls() {
    let root = format!("arn:aws:iam::{ACCOUNT}:root");
    let root_device = format!("arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device");
    let user_device = format!("arn:aws:iam::{ACCOUNT}:mfa/root-account-mfa-device");
    let cases: Vec<RootCase> = vec![
        ("no root credentials", false, false, false, vec![], P, P),
        (
            "no root credentials, a virtual device left on root",
            false,
            false,
            true,
            vec![device(&root_device, &root)],
            P,
            P,
        ),
        ("password, no MFA", true, false, false, vec![], F, F),
        ("access keys only, no MFA", false, true, false, vec![], F, F),
        ("password and keys, no MFA", true, true, false, vec![], F, F),
        (
            "virtual MFA on root",
            true,
            false,
            true,
            vec![device("arn:aws:iam::111122223333:mfa/phone", &root)],
            P,
            F,
        ),
        ("hardware MFA only", true, false, true, vec![], P, P),
        (
            "hardware plus virtual",
            true,
            false,
            true,
            vec![device(&root_device, &root)],
            P,
            F,
        ),
        ("keys and hardware", false, true, true, vec![], P, P),
        (
            "a user's device named like root's",
            true,
            false,
            true,
            vec![device(
                &user_device,
                &format!("arn:aws:iam::{ACCOUNT}:user/ops"),
            )],
            P,
            P,
        ),
        (
            "a user whose name contains root",
            true,
            false,
            true,
            vec![device(
                "arn:aws:iam::111122223333:mfa/x",
                &format!("arn:aws:iam::{ACCOUNT}:user/root"),
            )],
            P,
            P,
        ),
        (
            "a user under path /root/",
            true,
            false,
            true,
            vec![device(
                "arn:aws:iam::111122223333:mfa/y",
                &format!("arn:aws:iam::{ACCOUNT}:user/root/admin"),
            )],
            P,
            P,
        ),
        (
            "another account's root",
            true,
            false,
            true,
            vec![device(
                "arn:aws:iam::999999999999:mfa/z",
                "arn:aws:iam::999999999999:root",
            )],
            P,
            P,
        ),
        (
            "another partition's root ARN",
            true,
            false,
            true,
            vec![device(
                "arn:aws-cn:iam::111122223333:mfa/z",
                "arn:aws-cn:iam::111122223333:root",
            )],
            P,
            P,
        ),
    ];
    assert_distinct(
        cases
            .iter()
            .map(|(case, p, k, m, d, ..)| (*case, (*p, *k, *m, d.clone()))),
    );
    for (case, password, keys, mfa, devices, iam9, iam6) in cases {
        let mut s = snapshot();
        s.root.summary = Ok(summary(password, keys, mfa));
        s.root.assigned_virtual_devices = Ok(devices);
        assert_eq!(status_of(&s, ControlId::Iam9), iam9, "IAM.9: {case}");
        assert_eq!(status_of(&s, ControlId::Iam6), iam6, "IAM.6: {case}");
    }
}

#[test]
fn root_controls_when_data_is_missing() {
    let mut s = snapshot();
    s.root.summary = Err(data_error("iam:GetAccountSummary"));
    assert_eq!(status_of(&s, ControlId::Iam9), E);
    assert_eq!(status_of(&s, ControlId::Iam6), E);

    // Without the device list IAM.9 is still decided; IAM.6 is not, when root has credentials.
    let mut s = snapshot();
    s.root.summary = Ok(summary(true, false, true));
    s.root.assigned_virtual_devices = Err(data_error("iam:ListVirtualMFADevices"));
    assert_eq!(status_of(&s, ControlId::Iam9), P);
    assert_eq!(status_of(&s, ControlId::Iam6), E);

    // ...and when root has no credentials, the devices do not matter.
    s.root.summary = Ok(summary(false, false, false));
    assert_eq!(status_of(&s, ControlId::Iam6), P);
}

#[test]
fn root_partition_is_part_of_the_root_arn() {
    let mut s = snapshot();
    s.partition = "aws-cn".to_string();
    s.root.summary = Ok(summary(true, false, true));
    s.root.assigned_virtual_devices = Ok(vec![device(
        "arn:aws-cn:iam::111122223333:mfa/phone",
        "arn:aws-cn:iam::111122223333:root",
    )]);
    assert_eq!(status_of(&s, ControlId::Iam6), F);
    let result = &evaluate(&s)[1];
    assert_eq!(
        result.resources[0].resource_id,
        "arn:aws-cn:iam::111122223333:root"
    );
}

fn user(name: &str, password: bool, mfa: bool, key: bool) -> IamUser {
    IamUser {
        name: name.to_string(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/staff/{name}"),
        password_enabled: password,
        mfa_active: mfa,
        access_key_1_active: key,
        access_key_2_active: false,
        in_report: true,
        mfa_source: UserSource::CredentialReport,
        console_source: UserSource::CredentialReport,
        mfa_devices: None,
        usage: None,
    }
}

#[test]
fn user_controls() {
    // (case, users, IAM.5, IAM.19)
    let cases: Vec<(&str, Vec<IamUser>, Status, Status)> = vec![
        ("no IAM users", vec![], NA, NA),
        (
            "console user with MFA",
            vec![user("a", true, true, false)],
            P,
            P,
        ),
        (
            "console user without MFA",
            vec![user("a", true, false, false)],
            F,
            F,
        ),
        (
            "programmatic user without MFA",
            vec![user("a", false, false, true)],
            NA,
            F,
        ),
        (
            "programmatic user with MFA",
            vec![user("a", false, true, true)],
            NA,
            P,
        ),
        // Also a user with no credentials at all, or whose login profile was deleted: the
        // report shows them alike. A device never enabled or deactivated leaves mfa_active
        // false, as no device does. Those differ only in IAM itself, so they are cases of the
        // seeded organization (tests/emulator/seed.py: console_never_enabled,
        // console_deactivated, deleted_login_profile, no_credentials), checked end to end.
        (
            "user without an active key or a password",
            vec![user("a", false, false, false)],
            NA,
            F,
        ),
        (
            "one failing among passing",
            vec![user("a", true, true, false), user("b", true, false, false)],
            F,
            F,
        ),
        (
            "console passes, programmatic fails",
            vec![user("a", true, true, false), user("b", false, false, true)],
            P,
            F,
        ),
    ];
    assert_distinct(cases.iter().map(|(case, users, ..)| (*case, users)));
    for (case, users, iam5, iam19) in cases {
        let mut s = snapshot();
        s.users = Ok(CredentialReport {
            generated_at: Some(at()),
            read_at: at(),
            freshness: ReportFreshness::GeneratedForThisAudit,
            users,
            root_usage: None,
        });
        assert_eq!(status_of(&s, ControlId::Iam5), iam5, "IAM.5: {case}");
        assert_eq!(status_of(&s, ControlId::Iam19), iam19, "IAM.19: {case}");
    }
}

#[test]
fn user_findings_name_each_user_and_carry_evidence() {
    let mut s = snapshot();
    s.users = Ok(CredentialReport {
        generated_at: Some(at()),
        read_at: at(),
        freshness: ReportFreshness::GeneratedForThisAudit,
        users: vec![
            user("jess", true, false, false),
            user("ci", false, false, true),
        ],
        root_usage: None,
    });
    let results = evaluate(&s);
    let iam5 = &results[2];
    assert_eq!(
        iam5.resources.len(),
        1,
        "only the console user is in IAM.5's scope"
    );
    assert_eq!(
        iam5.resources[0].resource_id,
        "arn:aws:iam::111122223333:user/staff/jess"
    );
    assert_eq!(
        iam5.resources[0].evidence["source"],
        "iam:GetCredentialReport"
    );
    assert_eq!(iam5.resources[0].evidence["mfa_active"], false);
    let iam19 = &results[3];
    assert_eq!(iam19.resources.len(), 2);
    assert!(iam19.resources.iter().all(|r| r.status == F));
}

#[test]
fn a_user_listed_twice_is_one_finding_failed_if_either_row_fails() {
    let mut s = snapshot();
    s.users = Ok(CredentialReport {
        generated_at: Some(at()),
        read_at: at(),
        freshness: ReportFreshness::GeneratedForThisAudit,
        users: vec![
            user("jess", true, true, false),
            user("ci", false, true, true),
            user("jess", true, false, false),
        ],
        root_usage: None,
    });
    let results = evaluate(&s);
    for control in [&results[2], &results[3]] {
        let jess: Vec<&ResourceFinding> = control
            .resources
            .iter()
            .filter(|r| r.resource_id.ends_with("/jess"))
            .collect();
        assert_eq!(jess.len(), 1, "{:?}", control.control);
        assert_eq!(jess[0].status, F);
        assert_eq!(jess[0].evidence["mfa_active"], false);
        assert_eq!(jess[0].evidence["rows_in_report"], 2);
        assert_eq!(control.status, F);
    }
    assert_eq!(results[3].resources.len(), 2, "jess and ci");
}

#[test]
fn user_controls_when_report_is_missing() {
    let mut s = snapshot();
    s.users = Err(data_error("iam:GetCredentialReport"));
    assert_eq!(status_of(&s, ControlId::Iam5), E);
    assert_eq!(status_of(&s, ControlId::Iam19), E);
    // The root controls do not depend on the report.
    assert_eq!(status_of(&s, ControlId::Iam9), P);
}

/// A pool made before choice-based sign-in (no sign-in policy: password only).
fn pool(name: &str, region: &str, setting: Result<MfaConfiguration, DataError>) -> UserPool {
    pool_signing_in_with(name, region, setting, SignInPolicy::Absent)
}

fn pool_signing_in_with(
    name: &str,
    region: &str,
    setting: Result<MfaConfiguration, DataError>,
    sign_in: SignInPolicy,
) -> UserPool {
    UserPool {
        id: format!("{region}_{name}"),
        name: Some(name.to_string()),
        arn: format!("arn:aws:cognito-idp:{region}:{ACCOUNT}:userpool/{region}_{name}"),
        settings: setting.map(|mfa_configuration| PoolSettings {
            mfa_configuration,
            sign_in,
        }),
        read_at: at(),
        second_factors: None,
    }
}

fn allowing(factors: &[FirstFactor]) -> SignInPolicy {
    SignInPolicy::Allowed(factors.to_vec())
}

fn region(name: &str, pools: Result<Vec<UserPool>, DataError>) -> RegionUserPools {
    RegionUserPools {
        region: name.to_string(),
        pools,
    }
}

#[test]
fn user_pool_control() {
    use MfaConfiguration::{Off, On, Optional};
    let denied = || Err(data_error("cognito-idp:ListUserPools"));
    // (case, regions, Cognito.5)
    let cases: Vec<(&str, Vec<RegionUserPools>, Status)> = vec![
        ("no regions", vec![], NA),
        (
            "regions without pools",
            vec![
                region("us-east-1", Ok(vec![])),
                region("eu-west-1", Ok(vec![])),
            ],
            NA,
        ),
        (
            "MFA ON",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(On))]),
            )],
            P,
        ),
        (
            "MFA OPTIONAL",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(Optional))]),
            )],
            F,
        ),
        (
            "MFA OFF",
            vec![region(
                "us-east-1",
                Ok(vec![pool("a", "us-east-1", Ok(Off))]),
            )],
            F,
        ),
        (
            "ON in one region, OFF in another",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(On))])),
                region("eu-west-1", Ok(vec![pool("b", "eu-west-1", Ok(Off))])),
            ],
            F,
        ),
        (
            "one region unreadable",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(On))])),
                region("eu-west-1", denied()),
            ],
            E,
        ),
        (
            "one region unreadable, a failing pool elsewhere",
            vec![
                region("us-east-1", Ok(vec![pool("a", "us-east-1", Ok(Off))])),
                region("eu-west-1", denied()),
            ],
            E,
        ),
        (
            "one pool's setting unreadable",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool("a", "us-east-1", Ok(On)),
                    pool(
                        "b",
                        "us-east-1",
                        Err(data_error("cognito-idp:DescribeUserPool")),
                    ),
                ]),
            )],
            E,
        ),
        (
            "a sign-in policy of the password alone, MFA OFF",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Off),
                    allowing(&[FirstFactor::Password]),
                )]),
            )],
            F,
        ),
        (
            "passwordless sign-in allowed, MFA OFF: not evaluated",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Off),
                    allowing(&[FirstFactor::Password, FirstFactor::EmailOtp]),
                )]),
            )],
            NA,
        ),
        (
            "only passkeys, MFA OPTIONAL: not evaluated",
            vec![region(
                "us-east-1",
                Ok(vec![pool_signing_in_with(
                    "a",
                    "us-east-1",
                    Ok(Optional),
                    allowing(&[FirstFactor::WebAuthn]),
                )]),
            )],
            NA,
        ),
        (
            "a passwordless pool beside a failing password-only one",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool_signing_in_with(
                        "a",
                        "us-east-1",
                        Ok(Off),
                        allowing(&[FirstFactor::SmsOtp, FirstFactor::Password]),
                    ),
                    pool("b", "us-east-1", Ok(Optional)),
                ]),
            )],
            F,
        ),
        (
            "a passwordless pool beside a passing password-only one",
            vec![region(
                "us-east-1",
                Ok(vec![
                    pool_signing_in_with(
                        "a",
                        "us-east-1",
                        Ok(Off),
                        allowing(&[FirstFactor::WebAuthn, FirstFactor::Password]),
                    ),
                    pool("b", "us-east-1", Ok(On)),
                ]),
            )],
            P,
        ),
    ];
    assert_distinct(cases.iter().map(|(case, regions, _)| (*case, regions)));
    for (case, regions, expected) in cases {
        let mut s = snapshot();
        s.user_pools = Ok(regions);
        assert_eq!(
            status_of(&s, ControlId::Cognito5),
            expected,
            "Cognito.5: {case}"
        );
    }
}

#[test]
fn a_pool_out_of_scope_says_why_and_names_its_sign_in_factors() {
    let mut s = snapshot();
    s.user_pools = Ok(vec![region(
        "us-east-1",
        Ok(vec![
            pool_signing_in_with(
                "passkeys",
                "us-east-1",
                Ok(MfaConfiguration::Off),
                allowing(&[
                    FirstFactor::Password,
                    FirstFactor::WebAuthn,
                    FirstFactor::EmailOtp,
                ]),
            ),
            pool("legacy", "us-east-1", Ok(MfaConfiguration::On)),
        ]),
    )]);
    let result = &evaluate(&s)[4];
    let [passkeys, legacy] = result.resources.as_slice() else {
        panic!("two pools: {:?}", result.resources)
    };
    assert_eq!(passkeys.status, NA);
    assert_eq!(
        passkeys.evidence["sign_in_factors"],
        serde_json::json!(["PASSWORD", "WEB_AUTHN", "EMAIL_OTP"])
    );
    let why = passkeys.evidence["not_evaluated"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("WEB_AUTHN, EMAIL_OTP"), "{why}");
    assert_eq!(passkeys.evidence["sign_in_policy"], true);
    assert_eq!(legacy.status, P);
    assert_eq!(
        legacy.evidence["sign_in_factors"],
        serde_json::json!(["PASSWORD"])
    );
    assert_eq!(legacy.evidence["sign_in_policy"], false);
    assert!(legacy.evidence.get("not_evaluated").is_none());
    assert_eq!(legacy.evidence["source"], "cognito-idp:DescribeUserPool");
}

#[test]
fn an_errored_control_names_the_region_and_keeps_what_was_read() {
    let mut s = snapshot();
    let mut error = data_error("cognito-idp:ListUserPools");
    error.region = "eu-west-1".to_string();
    s.user_pools = Ok(vec![
        region(
            "us-east-1",
            Ok(vec![pool("a", "us-east-1", Ok(MfaConfiguration::On))]),
        ),
        region("eu-west-1", Err(error)),
    ]);
    let result = &evaluate(&s)[4];
    assert_eq!(result.status, E);
    assert_eq!(
        result.error.as_ref().map(|e| e.region.as_str()),
        Some("eu-west-1")
    );
    assert_eq!(result.resources.len(), 1);
    // IAM controls are still decided.
    assert_eq!(status_of(&s, ControlId::Iam9), P);
}

#[test]
fn regions_that_cannot_be_known_error_the_pool_control_alone() {
    let mut s = snapshot();
    s.user_pools = Err(data_error("account:ListRegions"));
    let result = &evaluate(&s)[4];
    assert_eq!(result.status, E);
    assert_eq!(
        result.error.as_ref().map(|e| e.operation.as_str()),
        Some("account:ListRegions")
    );
    assert!(result.resources.is_empty());
    assert_eq!(s.regions_searched(), None);
    for control in [
        ControlId::Iam9,
        ControlId::Iam6,
        ControlId::Iam5,
        ControlId::Iam19,
    ] {
        assert_ne!(status_of(&s, control), E, "{control:?}");
    }
}

/// Security Hub's catalogue of the five controls, as AWS publishes it (the Security Hub
/// controls reference): written out here rather than derived, so that a wrong entry in the
/// code's tables shows as a difference.
const SECURITY_HUB_CATALOGUE: [(&str, &str, &str, &str); 5] = [
    (
        "IAM.9",
        "MFA should be enabled for the root user",
        "CRITICAL",
        "root-account-mfa-enabled",
    ),
    (
        "IAM.6",
        "Hardware MFA should be enabled for the root user",
        "CRITICAL",
        "root-account-hardware-mfa-enabled",
    ),
    (
        "IAM.5",
        "MFA should be enabled for all IAM users that have a console password",
        "MEDIUM",
        "mfa-enabled-for-iam-console-access",
    ),
    (
        "IAM.19",
        "MFA should be enabled for all IAM users",
        "MEDIUM",
        "iam-user-mfa-enabled",
    ),
    (
        "Cognito.5",
        "MFA should be enabled for Cognito user pools",
        "MEDIUM",
        "cognito-user-pool-mfa-enabled",
    ),
];

#[test]
fn every_control_has_its_catalogue_entry() {
    let catalogue: Vec<_> = ControlId::ALL
        .into_iter()
        .map(|control| {
            assert!(!control.remediation().is_empty(), "{control:?}");
            assert_eq!(control.as_str().parse::<ControlId>(), Ok(control));
            (
                control.as_str(),
                control.title(),
                control.severity().as_str(),
                control.config_rule(),
            )
        })
        .collect();
    assert_eq!(catalogue, SECURITY_HUB_CATALOGUE);
    let ids: Vec<_> = evaluate(&snapshot()).iter().map(|r| r.control).collect();
    assert_eq!(ids, ControlId::ALL);
}

/// The facts beyond the controls, as each resource carries them.
mod facts;

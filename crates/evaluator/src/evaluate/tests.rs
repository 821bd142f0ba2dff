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
/// Cognito.5.
mod pools;
/// IAM.5 and IAM.19.
mod users;

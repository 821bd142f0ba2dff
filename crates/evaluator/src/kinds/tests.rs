//! Each row a case of "Kinds of second factor" in `docs/controls.md`.

use super::*;
use chrono::{TimeZone, Utc};
use MfaKind::{Fido, HardwareOrFido, HardwareTotp, Sms, Virtual};

#[test]
fn kinds_from_serials() {
    // (serial, kind; None: an error naming the serial)
    let cases: [(&str, Option<MfaKind>); 22] = [
        ("arn:aws:iam::111122223333:mfa/jess-phone", Some(Virtual)),
        ("arn:aws:iam::111122223333:mfa/staff/jess", Some(Virtual)),
        ("arn:aws-cn:iam::111122223333:mfa/jess", Some(Virtual)),
        (
            "arn:aws-us-gov:iam::111122223333:u2f/user/jess/key-ABC",
            Some(Fido),
        ),
        (
            "arn:aws:iam::111122223333:u2f/user/jess/passkey",
            Some(Fido),
        ),
        ("arn:aws:iam::111122223333:sms-mfa/jess", Some(Sms)),
        ("GAHT12345678", Some(HardwareTotp)),
        ("12345678", Some(HardwareTotp)),
        // An ARN of another shape: never guessed.
        ("arn:aws:iam::111122223333:user/jess", None),
        ("arn:aws:iam::111122223333:mfa/", None),
        ("arn:aws:iam::111122223333:mfa", None),
        ("arn:aws:iam::111122223333:totp/jess", None),
        ("arn:aws:sts::111122223333:mfa/jess", None),
        ("arn:aws:iam:us-east-1:111122223333:mfa/jess", None),
        ("arn:aws:iam:::mfa/jess", None),
        ("arn:aws:iam::aws:mfa/jess", None),
        ("arn::iam::111122223333:mfa/jess", None),
        ("arn:aws:iam::111122223333", None),
        ("ARN:aws:iam::111122223333:mfa/jess", None),
        ("arn:AWS:iam::111122223333:mfa/jess", None),
        ("", None),
        ("GAHT 1234", None),
    ];
    for (serial, expected) in cases {
        let kind = mfa_kind(serial);
        assert_eq!(kind.as_ref().ok().copied(), expected, "{serial:?}");
        if let Err(error) = kind {
            assert!(
                error.to_string().contains(&format!("{serial:?}")),
                "{error}"
            );
        }
    }
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .single()
        .expect("valid date")
}

fn device(serial: &str) -> MfaDevice {
    MfaDevice {
        serial_number: serial.to_string(),
        enabled_at: Some(at()),
    }
}

fn data_error() -> DataError {
    DataError {
        operation: "iam:ListMFADevices".to_string(),
        region: "us-east-1".to_string(),
        code: Some("AccessDenied".to_string()),
        message: "denied".to_string(),
        request_id: None,
    }
}

const VIRTUAL: &str = "arn:aws:iam::111122223333:mfa/jess";
const FIDO: &str = "arn:aws:iam::111122223333:u2f/user/jess/key";
const ODD: &str = "arn:aws:iam::111122223333:oath/jess";

#[test]
fn user_devices_and_phishing_resistance() {
    // (case, devices read, kinds listed, phishing-resistant, an error)
    type Case<'a> = (
        &'a str,
        Option<Result<Vec<MfaDevice>, DataError>>,
        Option<Vec<MfaKind>>,
        Option<bool>,
        bool,
    );
    let cases: Vec<Case> = vec![
        ("not read", None, None, None, false),
        ("read failed", Some(Err(data_error())), None, None, true),
        (
            "no device",
            Some(Ok(vec![])),
            Some(vec![]),
            Some(false),
            false,
        ),
        (
            "one virtual",
            Some(Ok(vec![device(VIRTUAL)])),
            Some(vec![Virtual]),
            Some(false),
            false,
        ),
        (
            "virtual then fido: one fido settles it",
            Some(Ok(vec![device(VIRTUAL), device(FIDO)])),
            Some(vec![Virtual, Fido]),
            Some(true),
            false,
        ),
        (
            "sms and hardware",
            Some(Ok(vec![
                device("arn:aws:iam::111122223333:sms-mfa/jess"),
                device("GAHT1"),
            ])),
            Some(vec![Sms, HardwareTotp]),
            Some(false),
            false,
        ),
        (
            "an unknown serial beside a virtual: unknown",
            Some(Ok(vec![device(VIRTUAL), device(ODD)])),
            None,
            None,
            true,
        ),
        (
            "an unknown serial beside a fido: resistant all the same",
            Some(Ok(vec![device(ODD), device(FIDO)])),
            None,
            Some(true),
            true,
        ),
    ];
    for (case, read, kinds, resistant, error) in cases {
        let facts = user_devices(read.as_ref());
        let listed = facts
            .devices
            .as_ref()
            .map(|d| d.iter().map(|d| d.kind).collect::<Vec<_>>());
        assert_eq!(listed, kinds, "{case}");
        assert_eq!(facts.phishing_resistant, resistant, "{case}");
        assert_eq!(facts.error.is_some(), error, "{case}: {:?}", facts.error);
    }
}

#[test]
fn a_user_device_keeps_its_serial_and_date_and_an_odd_one_is_named() {
    let facts = user_devices(Some(&Ok(vec![device(FIDO)])));
    assert_eq!(
        facts.devices,
        Some(vec![MfaDeviceFact {
            kind: Fido,
            serial: Some(FIDO.to_string()),
            enabled_at: Some(at()),
        }])
    );
    let facts = user_devices(Some(&Ok(vec![device(ODD)])));
    assert!(facts.error.unwrap_or_default().contains(ODD));
}

const ROOT: &str = "arn:aws:iam::111122223333:root";

fn summary(mfa: bool) -> AccountSummary {
    AccountSummary {
        account_mfa_enabled: mfa,
        account_password_present: true,
        account_access_keys_present: false,
        read_at: at(),
    }
}

fn assigned(serial: &str, user_arn: &str) -> VirtualMfaDevice {
    VirtualMfaDevice {
        serial_number: serial.to_string(),
        user_arn: Some(user_arn.to_string()),
    }
}

#[test]
fn root_devices_and_phishing_resistance() {
    let list_failed = || {
        Err(DataError {
            operation: "iam:ListVirtualMFADevices".to_string(),
            ..data_error()
        })
    };
    let root_virtual = "arn:aws:iam::111122223333:mfa/root-account-mfa-device";
    // (case, AccountMFAEnabled, assigned devices, kinds, serials, phishing-resistant)
    type Case<'a> = (
        &'a str,
        bool,
        Result<Vec<VirtualMfaDevice>, DataError>,
        Option<Vec<MfaKind>>,
        Option<bool>,
    );
    let cases: Vec<Case> = vec![
        ("no MFA", false, Ok(vec![]), Some(vec![]), Some(false)),
        (
            "no MFA, list unreadable: still no device",
            false,
            list_failed(),
            Some(vec![]),
            Some(false),
        ),
        (
            "virtual on root: may also hold a key, unknown",
            true,
            Ok(vec![assigned(root_virtual, ROOT)]),
            Some(vec![Virtual]),
            None,
        ),
        (
            "MFA, no virtual: hardware or FIDO",
            true,
            Ok(vec![]),
            Some(vec![HardwareOrFido]),
            None,
        ),
        (
            "MFA, a user's device named like root's: hardware or FIDO",
            true,
            Ok(vec![assigned(
                root_virtual,
                "arn:aws:iam::111122223333:user/root",
            )]),
            Some(vec![HardwareOrFido]),
            None,
        ),
        ("MFA, list unreadable", true, list_failed(), None, None),
    ];
    for (case, mfa, devices, kinds, resistant) in cases {
        let facts = root_devices(&summary(mfa), &devices, ROOT);
        let listed = facts
            .devices
            .as_ref()
            .map(|d| d.iter().map(|d| d.kind).collect::<Vec<_>>());
        assert_eq!(listed, kinds, "{case}");
        assert_eq!(facts.phishing_resistant, resistant, "{case}");
        assert_eq!(facts.error.is_some(), kinds.is_none(), "{case}");
    }
}

#[test]
fn root_serials_are_the_virtual_devices_or_none() {
    let serial = "arn:aws:iam::111122223333:mfa/root-account-mfa-device";
    let facts = root_devices(&summary(true), &Ok(vec![assigned(serial, ROOT)]), ROOT);
    let serials: Option<Vec<Option<String>>> = facts
        .devices
        .map(|d| d.into_iter().map(|d| d.serial).collect());
    assert_eq!(serials, Some(vec![Some(serial.to_string())]));
    let facts = root_devices(&summary(true), &Ok(vec![]), ROOT);
    let serials: Option<Vec<Option<String>>> = facts
        .devices
        .map(|d| d.into_iter().map(|d| d.serial).collect());
    assert_eq!(serials, Some(vec![None]));
}

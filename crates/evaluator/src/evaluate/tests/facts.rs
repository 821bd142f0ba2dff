//! The facts each resource carries (`docs/controls.md`, "Beyond the five controls"), and that
//! they never change a status. The rules themselves are tested in their own modules.

use super::*;
use crate::authorization::MfaDevice;
use crate::facts::{MfaDeviceFact, MfaKind};

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

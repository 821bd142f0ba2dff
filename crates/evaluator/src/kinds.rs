//! The kind of each second factor (`docs/controls.md`, "Kinds of second factor"), read from a
//! device's serial number, and whether an identity's devices resist phishing.
//!
//! An IAM user's devices come from `iam:ListMFADevices`; root's cannot be listed by a role in
//! the account, so root's kinds come from `GetAccountSummary` and the virtual devices assigned
//! to root. A serial of a shape this version does not know is an error naming it, never a guess.

use crate::authorization::MfaDevice;
use crate::evaluate::root_virtual_devices;
use crate::facts::{MfaDeviceFact, MfaKind};
use crate::snapshot::{AccountSummary, DataError, VirtualMfaDevice};
use std::fmt;

/// A serial number that is an ARN, but not of an MFA device shape this version knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSerial {
    pub serial: String,
}

impl fmt::Display for UnknownSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MFA device serial {:?} is an ARN of a shape this version does not know (expected \
             arn:<partition>:iam::<account>:mfa/, u2f/ or sms-mfa/)",
            self.serial
        )
    }
}

/// The kind of a device from its serial: `arn:<partition>:iam::<account>:mfa/<name>` is
/// virtual, `…:u2f/…` FIDO, `…:sms-mfa/…` SMS, a serial that is no ARN (`GAHT12345678`) a
/// hardware TOTP token. An ARN of any other shape (another service, a region, no account, an
/// empty name, another resource type) is an [`UnknownSerial`].
pub fn mfa_kind(serial: &str) -> Result<MfaKind, UnknownSerial> {
    let unknown = || UnknownSerial {
        serial: serial.to_string(),
    };
    // `arn:` in any case is an ARN: a token serial never starts so, and guessing
    // "hardware" for a mis-cased ARN would hide it.
    let is_arn = serial
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("arn:"));
    if !is_arn {
        return if serial.is_empty() || serial.chars().any(char::is_whitespace) {
            Err(unknown())
        } else {
            Ok(MfaKind::HardwareTotp)
        };
    }
    let fields: Vec<&str> = serial.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = fields.as_slice() else {
        return Err(unknown());
    };
    let partition_ok = !partition.is_empty()
        && partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let account_ok = account.len() == 12 && account.chars().all(|c| c.is_ascii_digit());
    if *arn != "arn" || !partition_ok || *service != "iam" || !region.is_empty() || !account_ok {
        return Err(unknown());
    }
    let (resource_type, name) = resource.split_once('/').ok_or_else(unknown)?;
    if name.is_empty() {
        return Err(unknown());
    }
    match resource_type {
        "mfa" => Ok(MfaKind::Virtual),
        "u2f" => Ok(MfaKind::Fido),
        "sms-mfa" => Ok(MfaKind::Sms),
        _ => Err(unknown()),
    }
}

/// What an identity's devices say: each with its kind (or why they could not be told) and
/// whether they resist phishing (`None` when that cannot be known).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct DeviceFacts {
    pub devices: Option<Vec<MfaDeviceFact>>,
    pub error: Option<String>,
    pub phishing_resistant: Option<bool>,
}

/// An IAM user's enabled devices (`None`: not read). Phishing-resistant when at least one is
/// `fido`; a serial not understood leaves the list absent (its error named), and leaves
/// phishing resistance unknown unless another device is `fido`.
pub(crate) fn user_devices(read: Option<&Result<Vec<MfaDevice>, DataError>>) -> DeviceFacts {
    let devices = match read {
        None => return DeviceFacts::default(),
        Some(Err(error)) => {
            return DeviceFacts {
                error: Some(error.to_string()),
                ..DeviceFacts::default()
            }
        }
        Some(Ok(devices)) => devices,
    };
    let mut told = Vec::new();
    let mut unknown = Vec::new();
    for device in devices {
        match mfa_kind(&device.serial_number) {
            Ok(kind) => told.push(MfaDeviceFact {
                kind,
                serial: Some(device.serial_number.clone()),
                enabled_at: device.enabled_at,
            }),
            Err(error) => unknown.push(error.to_string()),
        }
    }
    let any_fido = told.iter().any(|d| d.kind == MfaKind::Fido);
    if unknown.is_empty() {
        DeviceFacts {
            devices: Some(told),
            error: None,
            phishing_resistant: Some(any_fido),
        }
    } else {
        DeviceFacts {
            devices: None,
            error: Some(unknown.join("; ")),
            phishing_resistant: any_fido.then_some(true),
        }
    }
}

/// Root's devices: each virtual device assigned to root (`User.Arn` exactly the root ARN) is
/// `virtual`; MFA enabled with none assigned is one `hardware_or_fido` device whose serial a
/// role cannot read. Phishing resistance is known only when root has no MFA at all (`false`):
/// with a device, root may also hold a FIDO key a role cannot list, or may not.
pub(crate) fn root_devices(
    summary: &AccountSummary,
    assigned_virtual: &Result<Vec<VirtualMfaDevice>, DataError>,
    root_arn: &str,
) -> DeviceFacts {
    let on_root: Vec<MfaDeviceFact> = match assigned_virtual {
        Ok(devices) => root_virtual_devices(devices, root_arn)
            .into_iter()
            .map(|d| MfaDeviceFact {
                kind: MfaKind::Virtual,
                serial: Some(d.serial_number.clone()),
                // ListVirtualMFADevices' EnableDate is not in the snapshot.
                enabled_at: None,
            })
            .collect(),
        // Without MFA root has no device at all, whatever the list would say.
        Err(_) if !summary.account_mfa_enabled => Vec::new(),
        Err(error) => {
            return DeviceFacts {
                error: Some(error.to_string()),
                ..DeviceFacts::default()
            }
        }
    };
    let devices = if summary.account_mfa_enabled && on_root.is_empty() {
        vec![MfaDeviceFact {
            kind: MfaKind::HardwareOrFido,
            serial: None,
            enabled_at: None,
        }]
    } else {
        on_root
    };
    DeviceFacts {
        phishing_resistant: devices.is_empty().then_some(false),
        devices: Some(devices),
        error: None,
    }
}

#[cfg(test)]
mod tests;

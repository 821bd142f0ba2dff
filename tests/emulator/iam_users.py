"""IAM users' MFA devices and credential use as AWS keeps them, where stock moto does not.

- `iam:EnableMFADevice` as AWS refuses it: a passkey or FIDO security key (`arn:…:u2f/…`) is
  registered in the console only, and SMS MFA (`arn:…:sms-mfa/…`) can no longer be enrolled, so
  the API answers `NoSuchEntity` for both; a virtual device (`arn:…:mfa/…`) must have been made
  by `CreateVirtualMFADevice` (`NoSuchEntity` otherwise); a user holds at most eight devices
  (`LimitExceeded`). Stock moto enables any serial at all. A hardware TOTP token's serial (no
  ARN, e.g. `GAHT12345678`) is enabled as AWS enables it.
- Devices that exist although the API cannot make them: a FIDO key or passkey, an SMS device
  (AWS still lists the ones enrolled before it stopped SMS MFA), or any serial, enabled on a user
  with POST /_mfa_ext/mfa-device. Like every device, it appears in `iam:ListMFADevices` with its
  `EnableDate` and counts in the credential report's `mfa_active`.
- Credential use as AWS records it, which moto never does (no one signs in to it): a user's
  `password_last_used` and each access key's last use (date, service, region), and the root
  user's, set with POST /_mfa_ext/credential-use; they appear in the credential report.
- The credential report's user rows as AWS writes them: `password_last_used` is the date, or
  `no_information` for a password never used, or `N/A` for a user without a password (stock
  moto: `not_supported`); `password_last_changed` and `password_next_rotation` are `N/A` without
  a password (moto: the user's creation date and `not_supported`); an access key's
  `last_used_date`, `last_used_region` and `last_used_service` are its last use or `N/A` (moto
  writes `not_supported` for region and service whatever happened).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.iam.models import AccessKeyLastUsed, IAMBackend, MFADevice

MAX_DEVICES = 8
DATE = "%Y-%m-%dT%H:%M:%S+00:00"


class ControlError(ValueError):
    """A control API request that cannot be done (answered 400)."""


def moment(value: Any) -> datetime | None:
    """A time as the control API takes it: RFC 3339 text, {"days_ago": N}, or null (never)."""
    if value is None:
        return None
    if isinstance(value, dict) and "days_ago" in value:
        return datetime.now(timezone.utc).replace(microsecond=0) - timedelta(
            days=float(value["days_ago"]))
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as error:
            raise ControlError(f"not an RFC 3339 time: {value!r}") from error
        if parsed.tzinfo is None:
            raise ControlError(f"a time without its offset: {value!r}")
        return parsed.astimezone(timezone.utc)
    raise ControlError(f"a time is RFC 3339 text, {{\"days_ago\": N}} or null, not {value!r}")


# ---------------------------------------------------------------------------------------------
# EnableMFADevice
# ---------------------------------------------------------------------------------------------


def serial_kind(serial: str) -> str:
    """`virtual`, `fido`, `sms`, `hardware_totp` or `other` (an ARN of another shape)."""
    if not serial.startswith("arn:"):
        return "hardware_totp"
    resource = serial.split(":", 5)[-1]
    for prefix, kind in (("mfa/", "virtual"), ("u2f/", "fido"), ("sms-mfa/", "sms")):
        if resource.startswith(prefix):
            return kind
    return "other"


def refuse_enable(backend: IAMBackend, params: dict[str, list[str]]) -> tuple[str, str] | None:
    """Why AWS refuses this `EnableMFADevice` (error code, message), or None."""
    user_name = (params.get("UserName") or [""])[0]
    serial = (params.get("SerialNumber") or [""])[0]
    user = backend.users.get(user_name)
    if user is None:
        return None  # moto answers NoSuchEntity for the user, as AWS does
    kind = serial_kind(serial)
    if kind in ("fido", "sms", "other"):
        return ("NoSuchEntity",
                f"MFA device {serial} cannot be enabled through the API"
                + (": passkeys and security keys are registered in the console"
                   if kind == "fido" else ""))
    if kind == "virtual" and serial not in backend.virtual_mfa_devices:
        return "NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist."
    if len(user.mfa_devices) >= MAX_DEVICES and serial not in user.mfa_devices:
        return "LimitExceeded", f"Cannot exceed quota for MFA devices per user: {MAX_DEVICES}."
    return None


def enable_device(backend: IAMBackend, body: dict[str, Any]) -> None:
    """POST /_mfa_ext/mfa-device: a device of any kind enabled on a user, as the console does."""
    user = backend.users.get(str(body.get("user_name", "")))
    if user is None:
        raise ControlError(f"no user {body.get('user_name')!r} in account {backend.account_id}")
    serial = str(body.get("serial", ""))
    if not serial:
        raise ControlError("a device needs its serial")
    if serial in user.mfa_devices:
        raise ControlError(f"{serial} is already enabled on {user.name}")
    if len(user.mfa_devices) >= MAX_DEVICES:
        raise ControlError(f"{user.name} already holds {MAX_DEVICES} devices, AWS's most")
    device = MFADevice(serial, "", "")
    enabled = moment(body.get("enabled_at"))
    if enabled is not None:
        device.enable_date = enabled
    user.mfa_devices[serial] = device


# ---------------------------------------------------------------------------------------------
# Credential use
# ---------------------------------------------------------------------------------------------


@dataclass
class KeyUse:
    date: datetime | None = None
    service: str = "N/A"
    region: str = "N/A"


@dataclass
class RootUse:
    password_last_used: datetime | None = None
    keys: list[KeyUse] = field(default_factory=list)


ROOT_USE: dict[str, RootUse] = {}
LOCK = threading.Lock()


def root_use(account_id: str) -> RootUse:
    with LOCK:
        return ROOT_USE.get(account_id, RootUse())


def key_use(entry: Any) -> KeyUse:
    if entry is None:
        return KeyUse()
    if not isinstance(entry, dict):
        raise ControlError(f"an access key's use is an object or null, not {entry!r}")
    date = moment(entry.get("last_used_date"))
    if date is None:
        return KeyUse()
    service = entry.get("last_used_service")
    if not service:
        raise ControlError("a key's last use names its service (last_used_service)")
    return KeyUse(date, str(service), str(entry.get("last_used_region") or "us-east-1"))


def set_credential_use(backend: IAMBackend, body: dict[str, Any]) -> None:
    """POST /_mfa_ext/credential-use: when a user's (or root's) password and keys were last
    used. Fields left out are left as they are."""
    name = str(body.get("user_name", ""))
    keys = body.get("access_keys")
    if keys is not None and (not isinstance(keys, list) or len(keys) > 2):
        raise ControlError("access_keys is a list of at most two (key 1, key 2)")
    if name == "<root_account>":
        with LOCK:
            use = ROOT_USE.setdefault(backend.account_id, RootUse())
            if "password_last_used" in body:
                use.password_last_used = moment(body["password_last_used"])
            if keys is not None:
                use.keys = [key_use(k) for k in keys]
        return
    user = backend.users.get(name)
    if user is None:
        raise ControlError(f"no user {name!r} in account {backend.account_id}")
    if "password_last_used" in body:
        user.password_last_used = moment(body["password_last_used"])
    if keys is not None:
        if len(keys) > len(user.access_keys):
            raise ControlError(f"{name} has {len(user.access_keys)} access keys, not {len(keys)}")
        for key, entry in zip(user.access_keys, keys):
            use = key_use(entry)
            key.last_used = (None if use.date is None
                             else AccessKeyLastUsed(use.date, use.service, use.region))


# ---------------------------------------------------------------------------------------------
# The credential report's rows
# ---------------------------------------------------------------------------------------------


def key_columns(key: Any | None) -> list[str]:
    """active, last_rotated, last_used_date, last_used_region, last_used_service."""
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    used = key.last_used
    if used is None:
        last = ["N/A", "N/A", "N/A"]
    else:
        stamp = used.timestamp if isinstance(used, AccessKeyLastUsed) else used
        last = [stamp.strftime(DATE), getattr(used, "region", None) or "N/A",
                getattr(used, "service", None) or "N/A"]
    return ["true" if key.status == "Active" else "false", key.create_date.strftime(DATE)] + last


def user_row(backend: IAMBackend, user: Any) -> str:
    if user.password:
        used = (user.password_last_used.strftime(DATE) if user.password_last_used
                else "no_information")
        changed = user.create_date.strftime(DATE)
        policy = backend.account_password_policy
        rotation = ((user.create_date + timedelta(days=policy.max_password_age)).strftime(DATE)
                    if policy is not None and policy.expire_passwords else "N/A")
    else:
        used = user.password_last_used.strftime(DATE) if user.password_last_used else "N/A"
        changed = rotation = "N/A"
    keys = list(user.access_keys[:2]) + [None] * (2 - len(user.access_keys[:2]))
    certificates = list(user.signing_certificates.values())[:2]
    certificate_columns = []
    for index in range(2):
        certificate = certificates[index] if index < len(certificates) else None
        certificate_columns += (["true" if certificate.status == "Active" else "false",
                                 certificate.upload_date.strftime(DATE)]
                                if certificate is not None else ["false", "N/A"])
    fields = ([user.name, user.arn, user.create_date.strftime(DATE),
               "true" if user.password else "false", used, changed, rotation,
               "true" if user.mfa_devices else "false"]
              + key_columns(keys[0]) + key_columns(keys[1]) + certificate_columns)
    return ",".join(fields)


def root_use_columns(account_id: str, password_present: bool,
                     access_keys_present: bool) -> dict[str, str]:
    """The root row's use columns, from what was set with /_mfa_ext/credential-use."""
    use = root_use(account_id)
    if use.password_last_used is not None:
        password = use.password_last_used.strftime(DATE)
    else:
        password = "no_information" if password_present else "N/A"
    columns = {"password_last_used": password}
    for index in (1, 2):
        key = use.keys[index - 1] if index <= len(use.keys) else KeyUse()
        present = access_keys_present and index == 1
        used = present and key.date is not None
        columns[f"access_key_{index}_active"] = "true" if present else "false"
        columns[f"access_key_{index}_last_rotated"] = (
            "2020-01-01T00:00:00+00:00" if present else "N/A")
        columns[f"access_key_{index}_last_used_date"] = (
            key.date.strftime(DATE) if used and key.date else "N/A")
        columns[f"access_key_{index}_last_used_region"] = key.region if used else "N/A"
        columns[f"access_key_{index}_last_used_service"] = key.service if used else "N/A"
    return columns

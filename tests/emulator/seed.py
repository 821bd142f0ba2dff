#!/usr/bin/env python3
"""Seeds the project's emulator with a deterministic demo organization and writes what a correct
audit of it must find.

The organization covers every case of the five controls: each root state, every kind of IAM user,
user pools ON/OPTIONAL/OFF in three regions (some with a sign-in policy: password only, or allowing
passkeys or one-time codes, which Cognito.5 does not evaluate) and one in an opt-in region that a
single account enabled, a suspended account, an account
whose audit role is missing, and an account with more users than one API page. The expected results are computed here
from what was created, by the rules of the controls, independently of the auditor's own code.

It covers the facts beyond the five controls too (docs/controls.md, "Beyond the five
controls"): every kind of MFA device (virtual, hardware TOTP, FIDO, virtual and FIDO on one user,
SMS); each enforcement state (the project's require-mfa policy on a group, AWS's documented
self-manage-MFA policy inline on a user, a Null-shaped deny inline on a group, a deny with an MFA
condition of another shape, nothing); what is at stake (AdministratorAccess on a user and on a
group, iam:* inline, an admin policy with a condition, credentials used 3, 10, 120 and 200 days
ago, none at all); the guardrail SCP (deploy/remediation/protect-mfa-scp.json) attached to an
OU, to one account elsewhere and to the management account, where it never applies, and an SCP
that is no guardrail on the root; user pools whose only second factor is SMS, and pools with
TOTP, email and passkeys. Each assessed account's `facts` in the expected file says what the rules
make of them (see facts_for):

  "facts": {
    "mfa_guardrail_scps": ["p-…"],   # guardrail SCPs in force; [] on the management account
    "root": {"mfa_kinds": ["virtual"] | ["hardware_or_fido"] | [],
             "stakes": {"console_password", "password_last_used", "access_keys"},
             "priority": "critical" | null},  # on a FAILED IAM.9 only
    "users": {"<user ARN>": {
        "mfa_kinds": ["virtual", "fido"],    # in the order enabled, as ListMFADevices lists them
        "mfa_devices": [{"kind", "serial"}],
        "phishing_resistant": bool,
        "mfa_enforcement": {"state": "enforced" | "not_enforced" | "not_recognised",
                            "by": [policy], "unrecognised": [policy]},
        "admin_equivalent": bool, "admin_via": [policy],
        "stakes": {"console_password": bool, "password_last_used": "RFC 3339" | null,
                   "access_keys": [{"active": true, "last_used_date", "last_used_service"}]},
        "priority": "critical" | "high" | "medium" | "low" | null}},  # null: the user has MFA
    "pools": {"<pool ARN>": {"sign_in_factors": [...],
                             "second_factors": [...] | null,  # password-only pools, MFA not OFF
                             "weak_mfa": bool | null}}}       # null: the pool is not in scope

A policy is named by its ARN (managed) or as `<user or group ARN>:inline/<name>`. Times are
those the seed gave the emulator (RFC 3339, UTC, whole seconds); "high" counts 90 days back from
`seeded_at`. The top level gains "scps" (each seeded SCP: id, guardrail, targets) and "seeded_at".

Usage: seed.py --endpoint http://127.0.0.1:PORT --expected out.json [--scale N]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from urllib.parse import urlparse

import boto3
from botocore.config import Config
import policy_documents as documents
from regions import DEFAULT_REGIONS

MANAGEMENT_ACCOUNT = "123456789012"  # moto's default account is the management account
AUDIT_ROLE = "MfaAuditRole"
EXTERNAL_ID = "mfa-auditor-demo-external-id"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
CONTROLS = ["IAM.9", "IAM.6", "IAM.5", "IAM.19", "Cognito.5"]
PASSED, FAILED, NOT_APPLICABLE = "PASSED", "FAILED", "NOT_APPLICABLE"

# Root states: (password_present, access_keys_present, virtual_mfa, hardware_mfa)
ROOT_NONE = (False, False, False, False)
ROOT_NO_MFA = (True, False, False, False)
ROOT_VIRTUAL = (True, False, True, False)
ROOT_HARDWARE = (True, False, False, True)
ROOT_BOTH = (True, False, True, True)
ROOT_KEYS_NO_MFA = (False, True, False, False)
ROOT_KEYS_HARDWARE = (False, True, False, True)

# User kinds. Each is (console, mfa_enabled) once created; see create_user for what is done.
USER_KINDS = {
    "console_virtual": (True, True),
    "console_hardware": (True, True),
    "console_none": (True, False),
    "console_never_enabled": (True, False),
    "console_deactivated": (True, False),
    "console_two_devices": (True, True),
    "programmatic_none": (False, False),
    "programmatic_inactive_key": (False, False),
    "programmatic_virtual": (False, True),
    "no_credentials": (False, False),
    "deleted_login_profile": (False, False),
    "root_named_device": (False, True),  # owns a device named like the root device: a trap
    # The kinds of device beyond virtual and hardware TOTP (issue 23).
    "console_fido": (True, True),  # a passkey or FIDO security key, enrolled in the console
    "console_virtual_fido": (True, True),  # an authenticator app and a security key
    "console_sms": (True, True),  # SMS, enrolled before AWS stopped it, still listed
    "programmatic_two_keys": (False, False),  # two active access keys
}
# The kinds the oversized account repeats (those of the five controls).
BASIC_KINDS = list(USER_KINDS)[:12]
# Each kind's enabled devices, in the order they are enabled (docs/controls.md's kinds).
DEVICES = {
    "console_virtual": ["virtual"],
    "programmatic_virtual": ["virtual"],
    "root_named_device": ["virtual"],
    "console_hardware": ["hardware_totp"],
    "console_two_devices": ["virtual", "hardware_totp"],
    "console_fido": ["fido"],
    "console_virtual_fido": ["virtual", "fido"],
    "console_sms": ["sms"],
}
# Each kind's access keys and their status, key 1 first.
KEYS = {
    "programmatic_none": ["Active"],
    "programmatic_virtual": ["Active"],
    "programmatic_inactive_key": ["Inactive"],
    "programmatic_two_keys": ["Active", "Active"],
}
ADMINISTRATOR_ACCESS = documents.ADMINISTRATOR_ACCESS
# When credentials count as recently used (docs/controls.md, priority "high").
RECENT = timedelta(days=90)


@dataclass
class Use:
    """When credentials were last used, in days before the seed ran (None: never): the
    password, and each access key as (days, service)."""
    password_days: float | None = None
    keys: list = field(default_factory=list)


@dataclass
class GroupSpec:
    name: str
    # AWS managed policy ARNs, or the names of the account's customer managed policies.
    managed: list[str] = field(default_factory=list)
    # Inline policies: name -> a key of policy_documents.DOCUMENTS.
    inline: dict[str, str] = field(default_factory=dict)


@dataclass
class UserSpec:
    name: str
    kind: str
    path: str = "/"
    groups: list[str] = field(default_factory=list)
    managed: list[str] = field(default_factory=list)
    inline: dict[str, str] = field(default_factory=dict)
    use: Use | None = None


@dataclass
class AccountSpec:
    name: str
    ou: str  # path below Root, e.g. "Workloads/Prod"
    root: tuple[bool, bool, bool, bool] = ROOT_NONE
    users: list[UserSpec] = field(default_factory=list)
    # (region, name, MFA setting) or (region, name, MFA setting, AllowedFirstAuthFactors): without
    # the fourth (or with None), a pool made before choice-based sign-in (no sign-in policy). A
    # fifth, the second factors offered (SMS, SOFTWARE_TOKEN, EMAIL, WEB_AUTHN); without it,
    # SOFTWARE_TOKEN when MFA is not OFF.
    pools: list[tuple] = field(default_factory=list)
    audit_role: bool = True
    suspended: bool = False
    # Opt-in regions this account enabled (regions.py); AWS's 17 default regions are always on.
    opt_in_regions: list[str] = field(default_factory=list)
    # Customer managed policies: name -> a key of policy_documents.DOCUMENTS.
    local_policies: dict[str, str] = field(default_factory=dict)
    groups: list[GroupSpec] = field(default_factory=list)
    # SCPs (names of SCPS) attached to the account itself.
    scps: list[str] = field(default_factory=list)
    root_use: Use | None = None

    def enabled_regions(self) -> list[str]:
        """Every region enabled in the account, as ListRegions names them (in name order)."""
        return sorted(list(DEFAULT_REGIONS) + self.opt_in_regions)


# Service control policies: name -> (document, where attached besides accounts: "root" or
# "ou:<path>"). Accounts name theirs in AccountSpec.scps.
SCPS = {
    "ProtectMfa": ("protect_mfa_scp", ["ou:Workloads/Prod"]),
    "DenyLeaveOrganization": ("deny_leave_organization", ["root"]),
}

OUS = [
    "Security",
    "Security/Audit",
    "Workloads",
    "Workloads/Prod",
    "Workloads/Prod/Payments",
    "Workloads/Dev",
    "Sandbox",
    "Suspended",
]


def users(*kinds: str, prefix: str = "") -> list[UserSpec]:
    return [UserSpec(f"{prefix}{kind.replace('_', '-')}", kind) for kind in kinds]


def demo_accounts(scale: int) -> list[AccountSpec]:
    accounts = [
        AccountSpec("security-tooling", "Security", ROOT_HARDWARE,
                    users("console_hardware", "programmatic_virtual"),
                    [("us-east-1", "staff-sso", "ON")]),
        AccountSpec("log-archive", "Security", ROOT_NONE),
        AccountSpec("audit", "Security/Audit", ROOT_KEYS_HARDWARE,
                    users("programmatic_none")),
        AccountSpec("prod-web", "Workloads/Prod", ROOT_NO_MFA,
                    users("console_virtual", "console_none", "programmatic_none")
                    + [UserSpec("jess", "console_virtual", "/staff/")],
                    [("us-east-1", "customers", "ON"), ("eu-west-1", "customers-eu", "OPTIONAL")]),
        AccountSpec("prod-api", "Workloads/Prod", ROOT_VIRTUAL,
                    users("console_never_enabled", "console_deactivated"),
                    [("ap-southeast-2", "partners", "OFF")]),
        AccountSpec("prod-data", "Workloads/Prod", ROOT_BOTH,
                    users("console_two_devices", "deleted_login_profile")),
        AccountSpec("payments-core", "Workloads/Prod/Payments", ROOT_HARDWARE,
                    users("console_virtual", "console_hardware"),
                    [("us-east-1", "payers", "ON"), ("eu-west-1", "payers-eu", "ON"),
                     ("ap-southeast-2", "payers-apac", "ON"),
                     ("us-east-1", "payers-signin", "ON", ["PASSWORD"])]),
        AccountSpec("payments-ledger", "Workloads/Prod/Payments", ROOT_KEYS_NO_MFA,
                    users("programmatic_inactive_key", "no_credentials")),
        # IAM.6 trap: root has hardware MFA only; a user named like root owns a device named
        # like the root device. Correct answer: IAM.6 PASSED.
        AccountSpec("payments-edge", "Workloads/Prod/Payments", ROOT_HARDWARE,
                    [UserSpec("root-operator", "root_named_device")]),
        AccountSpec("dev-web", "Workloads/Dev", ROOT_NO_MFA,
                    users("console_none", "programmatic_none", "no_credentials"),
                    [("us-east-1", "dev-users", "OFF"), ("us-east-1", "dev-admins", "OPTIONAL")]),
        AccountSpec("dev-api", "Workloads/Dev", ROOT_NONE,
                    users("programmatic_virtual", "console_virtual"),
                    [("us-east-1", "passkey-app", "OFF", ["PASSWORD", "WEB_AUTHN"])]),
        # An opt-in region enabled in this account alone, with a pool that only a search of
        # every enabled region ([audit] regions = ["*"]) finds.
        AccountSpec("dev-data", "Workloads/Dev", ROOT_VIRTUAL, [],
                    [("eu-west-1", "analysts", "ON"), ("af-south-1", "analysts-za", "OFF")],
                    opt_in_regions=["af-south-1"]),
        AccountSpec("dev-ml", "Workloads/Dev", ROOT_NONE,
                    users("deleted_login_profile")),
        AccountSpec("staging", "Workloads", ROOT_HARDWARE,
                    users("console_virtual", "console_deactivated", "programmatic_none")),
        AccountSpec("shared-services", "Workloads", ROOT_NONE, [],
                    [("ap-southeast-2", "internal", "OPTIONAL"),
                     ("us-east-1", "otp-portal", "OFF", ["PASSWORD", "EMAIL_OTP", "SMS_OTP"])]),
        AccountSpec("networking", "Workloads", ROOT_KEYS_HARDWARE, []),
        AccountSpec("sandbox-alice", "Sandbox", ROOT_NO_MFA, users("console_none")),
        AccountSpec("sandbox-bob", "Sandbox", ROOT_VIRTUAL,
                    users("console_virtual", "no_credentials")),
        AccountSpec("sandbox-carol", "Sandbox", ROOT_BOTH, [],
                    [("us-east-1", "experiments", "OFF")]),
        AccountSpec("sandbox-dave", "Sandbox", ROOT_NONE, users("programmatic_inactive_key")),
        AccountSpec("sandbox-erin", "Sandbox", ROOT_HARDWARE, []),
        AccountSpec("sandbox-frank", "Sandbox", ROOT_KEYS_NO_MFA,
                    users("console_two_devices")),
        AccountSpec("sandbox-grace", "Sandbox", ROOT_NONE,
                    users("console_hardware", "console_never_enabled")),
        AccountSpec("legacy-suspended", "Suspended", ROOT_NO_MFA, suspended=True),
        AccountSpec("no-audit-role", "Workloads/Dev", ROOT_NO_MFA, users("console_none"),
                    audit_role=False),
        # More users, and more assigned virtual devices, than one page of IAM's list APIs (100):
        # every kind repeated, then enough users with a virtual device to pass a page.
        AccountSpec("big-iam", "Workloads/Prod", ROOT_HARDWARE,
                    [UserSpec(f"user-{i:03d}", kind, "/bulk/" if i % 2 else "/")
                     for i, kind in enumerate(BASIC_KINDS * 10)]
                    + [UserSpec(f"phone-{i:03d}", "console_virtual") for i in range(80)],
                    [("us-east-1", "big-pool", "ON")]),
        workforce(),
        admins(),
    ]
    # Scale-out accounts for benchmarks: the same mix again and again.
    extra = max(0, scale - len(accounts))
    # Every ordinary account, not the oversized one: the benchmark is about accounts, not users.
    templates = [a for a in accounts if a.audit_role and not a.suspended and a.name != "big-iam"]
    for i in range(extra):
        template = templates[i % len(templates)]
        accounts.append(replace(template, name=f"{template.name}-{i:04d}"))
    return accounts


def workforce() -> AccountSpec:
    """Every kind of device, and every state of enforcement; the guardrail SCP attached to the
    account itself; pools whose second factors are SMS alone, TOTP, email and passkeys."""
    required = ["mfa-required"]
    return AccountSpec(
        "workforce", "Workloads", ROOT_HARDWARE,
        [UserSpec("ana", "console_fido", groups=required),
         UserSpec("ben", "console_virtual_fido", groups=required),
         UserSpec("carl", "console_hardware", groups=required),
         UserSpec("dana", "console_sms", inline={"SelfManageMfa": "aws_self_manage_mfa"}),
         # Enforced, yet without MFA: her password was used 3 days ago.
         UserSpec("eve", "console_none", groups=required, use=Use(password_days=3)),
         UserSpec("finn", "console_virtual", inline={"RecentMfaOnly": "recent_mfa_only"}),
         UserSpec("gus", "console_fido"),
         UserSpec("hal", "programmatic_none", groups=["contractors"],
                  use=Use(keys=[(200, "ec2")]))],
        [("us-east-1", "sms-only", "ON", ["PASSWORD"], ["SMS"]),
         ("us-east-1", "passkey-mfa", "ON", None, ["SOFTWARE_TOKEN", "WEB_AUTHN"]),
         ("eu-west-1", "email-or-totp", "OPTIONAL", None, ["SOFTWARE_TOKEN", "EMAIL"]),
         ("ap-southeast-2", "sms-and-totp", "ON", None, ["SMS", "SOFTWARE_TOKEN"])],
        local_policies={"RequireMFA": "require_mfa"},
        groups=[GroupSpec("mfa-required", managed=["RequireMFA"]),
                GroupSpec("contractors", inline={"DenyWithoutMfa": "deny_without_mfa_null"})],
        scps=["ProtectMfa"])


def admins() -> AccountSpec:
    """What is at stake: administrators and credentials used recently, long ago, or never."""
    admin = [ADMINISTRATOR_ACCESS]
    return AccountSpec(
        "admins", "Sandbox", ROOT_NO_MFA,
        [UserSpec("breakglass", "programmatic_none", managed=admin, use=Use(keys=[(3, "iam")])),
         UserSpec("ops-lead", "console_none", groups=["Admins"], use=Use(password_days=200)),
         UserSpec("iam-manager", "no_credentials", inline={"IamEverything": "iam_everything"}),
         UserSpec("deployer", "programmatic_none", use=Use(keys=[(3, "s3")])),
         UserSpec("analyst", "console_none", use=Use(password_days=10)),
         UserSpec("old-ci", "programmatic_two_keys", use=Use(keys=[(200, "ec2"), (120, "s3")])),
         UserSpec("scoped-admin", "programmatic_none",
                  inline={"AdminFromOffice": "admin_from_office"}),
         UserSpec("admin-with-mfa", "console_virtual", managed=admin),
         UserSpec("dormant", "no_credentials")],
        groups=[GroupSpec("Admins", managed=admin)],
        root_use=Use(password_days=5))


# ------------------------------------------------------------------------------------------------


def client(endpoint: str, service: str, region: str = "us-east-1", creds: dict | None = None):
    kwargs = {}
    if creds:
        kwargs = {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }
    else:
        kwargs = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        config=Config(retries={"max_attempts": 2}), **kwargs)


def ext(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{endpoint}/_mfa_ext/{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def create_user(iam, account_id: str, spec: UserSpec, endpoint: str | None = None,
                now: datetime | None = None) -> list[tuple[str, str]]:
    """Creates the user as its kind says (policies and groups: the account's, made first);
    returns its enabled devices, (kind, serial), in the order they were enabled. A FIDO key and
    an SMS device exist only through the emulator's control API (`endpoint`)."""
    iam.create_user(UserName=spec.name, Path=spec.path)
    kind = spec.kind
    enabled: list[tuple[str, str]] = []

    def virtual_device(name: str, enable: bool):
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
            "SerialNumber"]
        if enable:
            iam.enable_mfa_device(UserName=spec.name, SerialNumber=serial,
                                  AuthenticationCode1="123456", AuthenticationCode2="654321")
            enabled.append(("virtual", serial))
        return serial

    def hardware_device():
        serial = f"GAHT{zlib.crc32(f'{account_id}/{spec.name}'.encode()) % 10**8:08d}"
        iam.enable_mfa_device(UserName=spec.name, SerialNumber=serial,
                              AuthenticationCode1="123456", AuthenticationCode2="654321")
        enabled.append(("hardware_totp", serial))

    def console_device(device_kind: str, serial: str):
        # As the console enrols a passkey or security key, and as SMS devices survive: the API
        # cannot (iam_users.py).
        if endpoint is None:
            raise ValueError(f"a {device_kind} device needs the emulator's control API")
        ext(endpoint, "mfa-device", {"account_id": account_id, "user_name": spec.name,
                                     "serial": serial})
        enabled.append((device_kind, serial))

    def fido_key():
        suffix = f"{zlib.crc32(f'fido/{account_id}/{spec.name}'.encode()):010d}"
        console_device("fido", f"arn:aws:iam::{account_id}:u2f/user/{spec.name}/"
                               f"security-key-{suffix}")

    if kind.startswith("console") or kind == "deleted_login_profile":
        iam.create_login_profile(UserName=spec.name, Password="Demo-Passw0rd!")
    for status in KEYS.get(kind, []):
        key = iam.create_access_key(UserName=spec.name)["AccessKey"]["AccessKeyId"]
        if status == "Inactive":
            iam.update_access_key(UserName=spec.name, AccessKeyId=key, Status="Inactive")
    if kind in ("console_virtual", "programmatic_virtual"):
        virtual_device(f"{spec.name}-phone", True)
    elif kind == "console_hardware":
        hardware_device()
    elif kind == "console_never_enabled":
        virtual_device(f"{spec.name}-phone", False)
    elif kind == "console_deactivated":
        serial = virtual_device(f"{spec.name}-phone", True)
        iam.deactivate_mfa_device(UserName=spec.name, SerialNumber=serial)
        enabled.clear()
    elif kind == "console_two_devices":
        virtual_device(f"{spec.name}-phone", True)
        hardware_device()
    elif kind == "deleted_login_profile":
        iam.delete_login_profile(UserName=spec.name)
    elif kind == "root_named_device":
        # One account can hold one device of that name; the first such user takes it.
        try:
            virtual_device("root-account-mfa-device", True)
        except iam.exceptions.EntityAlreadyExistsException:
            virtual_device(f"{spec.name}-root-account-mfa-device", True)
    elif kind == "console_fido":
        fido_key()
    elif kind == "console_virtual_fido":
        virtual_device(f"{spec.name}-phone", True)
        fido_key()
    elif kind == "console_sms":
        console_device("sms", f"arn:aws:iam::{account_id}:sms-mfa/{spec.name}")

    for group in spec.groups:
        iam.add_user_to_group(GroupName=group, UserName=spec.name)
    for name, document in spec.inline.items():
        iam.put_user_policy(UserName=spec.name, PolicyName=name,
                            PolicyDocument=documents.text(document))
    for reference in spec.managed:
        iam.attach_user_policy(UserName=spec.name, PolicyArn=policy_arn(account_id, reference))
    if spec.use is not None:
        if endpoint is None or now is None:
            raise ValueError("credential use needs the emulator's control API and the time")
        ext(endpoint, "credential-use", credential_use(account_id, spec.name, spec.use, now))
    return enabled


def policy_arn(account_id: str, reference: str) -> str:
    """An AWS managed policy's ARN as it is, a customer managed policy's from its name."""
    return reference if reference.startswith("arn:") else \
        f"arn:aws:iam::{account_id}:policy/{reference}"


def days_before(now: datetime, days: float | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def rfc3339(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_use(account_id: str, user_name: str, use: Use, now: datetime) -> dict:
    """The control API's request that records `use` (iam_users.py)."""
    body: dict = {"account_id": account_id, "user_name": user_name,
                  "password_last_used": rfc3339(days_before(now, use.password_days))}
    if use.keys:
        body["access_keys"] = [
            None if key is None else {"last_used_date": rfc3339(days_before(now, key[0])),
                                      "last_used_service": key[1],
                                      "last_used_region": "us-east-1"}
            for key in use.keys]
    return body


def create_account_policies(iam, account_id: str, spec: AccountSpec) -> None:
    """The account's customer managed policies and groups, before its users."""
    for name, document in spec.local_policies.items():
        iam.create_policy(PolicyName=name, PolicyDocument=documents.text(document))
    for group in spec.groups:
        iam.create_group(GroupName=group.name)
        for reference in group.managed:
            iam.attach_group_policy(GroupName=group.name,
                                    PolicyArn=policy_arn(account_id, reference))
        for name, document in group.inline.items():
            iam.put_group_policy(GroupName=group.name, PolicyName=name,
                                 PolicyDocument=documents.text(document))


def expected_for(account_id: str, spec: AccountSpec, pool_arns: dict[tuple[str, str], str],
                 regions: list[str]) -> dict:
    """What the audit must find when user pools are searched in `regions`."""
    password, keys, virtual, hardware = spec.root
    root_resource = f"arn:aws:iam::{account_id}:root"
    credentials = password or keys
    iam9 = PASSED if not credentials or virtual or hardware else FAILED
    iam6 = PASSED if not credentials or (hardware and not virtual) else FAILED

    iam5: dict[str, str] = {}
    iam19: dict[str, str] = {}
    for user in spec.users:
        console, mfa = USER_KINDS[user.kind]
        arn = f"arn:aws:iam::{account_id}:user{user.path}{user.name}"
        if console:
            iam5[arn] = PASSED if mfa else FAILED
        iam19[arn] = PASSED if mfa else FAILED
    # Security Hub evaluates Cognito.5 only on pools whose sign-in is password-only.
    cognito = {pool_arns[(pool[0], pool[1])]:
               NOT_APPLICABLE if not password_only(pool) else PASSED if pool[2] == "ON" else FAILED
               for pool in spec.pools if pool[0] in regions}

    def control(resources: dict[str, str]) -> dict:
        statuses = set(resources.values())
        status = (FAILED if FAILED in statuses else PASSED if PASSED in statuses
                  else NOT_APPLICABLE)
        return {"status": status, "resources": resources}

    return {
        "IAM.9": {"status": iam9, "resources": {root_resource: iam9}},
        "IAM.6": {"status": iam6, "resources": {root_resource: iam6}},
        "IAM.5": control(iam5),
        "IAM.19": control(iam19),
        "Cognito.5": control(cognito),
    }


def first_factors(pool: tuple) -> list[str] | None:
    """The pool's AllowedFirstAuthFactors; None: no sign-in policy."""
    return pool[3] if len(pool) > 3 else None


def password_only(pool: tuple) -> bool:
    factors = first_factors(pool)
    return factors is None or set(factors) == {"PASSWORD"}


def seeded_state(account_id: str, spec: AccountSpec, pool_arns: dict) -> dict:
    """What was created, field by field, for tests of the collector."""
    password, keys, virtual, hardware = spec.root
    return {
        # Virtual devices assigned to anyone (root included): ListVirtualMFADevices's items.
        "assigned_virtual_devices": sum("virtual" in DEVICES.get(u.kind, []) for u in spec.users)
                                    + int(virtual),
        "root": {"password_present": password, "access_keys_present": keys,
                 "virtual_mfa": virtual, "hardware_mfa": hardware},
        "users": [{"arn": f"arn:aws:iam::{account_id}:user{u.path}{u.name}", "kind": u.kind,
                   "console": USER_KINDS[u.kind][0], "mfa": USER_KINDS[u.kind][1]}
                  for u in spec.users],
        "pools": [{"arn": pool_arns[(pool[0], pool[1])], "region": pool[0], "name": pool[1],
                   "mfa": pool[2], "first_factors": first_factors(pool)} for pool in spec.pools],
        "enabled_regions": spec.enabled_regions(),
    }


SECOND_FACTORS = ("SMS", "SOFTWARE_TOKEN", "EMAIL", "WEB_AUTHN")


def second_factors(pool: tuple) -> list[str]:
    """The pool's second factors: the fifth element, else TOTP when MFA is not OFF."""
    if len(pool) > 4:
        return list(pool[4])
    return [] if pool[2] == "OFF" else ["SOFTWARE_TOKEN"]


def mfa_configuration(factors: list[str]) -> dict:
    """SetUserPoolMfaConfig's parameters that offer these second factors."""
    config: dict = {}
    if "SMS" in factors:
        config["SmsMfaConfiguration"] = {
            "SmsAuthenticationMessage": "Your code is {####}",
            "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms",
                                 "ExternalId": "mfa-auditor-demo", "SnsRegion": "us-east-1"}}
    if "SOFTWARE_TOKEN" in factors:
        config["SoftwareTokenMfaConfiguration"] = {"Enabled": True}
    if "EMAIL" in factors:
        config["EmailMfaConfiguration"] = {"Subject": "Your code", "Message": "Your code is {####}"}
    if "WEB_AUTHN" in factors:
        config["WebAuthnConfiguration"] = {
            "RelyingPartyId": "auth.example.com", "UserVerification": "required",
            "FactorConfiguration": "MULTI_FACTOR_WITH_USER_VERIFICATION"}
    return config


def facts_for(account_id: str, spec: AccountSpec, pool_arns: dict, devices: dict[str, list],
              guardrails: list[str], now: datetime) -> dict:
    """What docs/controls.md ("Beyond the five controls") says of what was created.

    Users: the kinds of their enabled devices, phishing_resistant (a fido device among them),
    the enforcement of MFA by the identity policies that apply to them (their own and their
    groups', inline or managed: `by` names each enforcing policy, a managed one by its ARN, an
    inline one as `<user or group ARN>:inline/<name>`; `unrecognised` names the denies of
    another MFA shape when nothing enforces), admin_equivalent and the policies that make it
    (`admin_via`, named alike), the stakes read from the credential report (console password,
    its last use, each active key's last use), and the priority of a user without MFA.
    Root: its kind of MFA as a role can tell it, its stakes, and the priority of its FAILED
    IAM.9. Pools: their sign-in factors, and for a password-only pool the second factors and
    whether SMS is the only one under MFA ON."""
    groups = {group.name: group for group in spec.groups}
    users = {}
    for user in spec.users:
        arn = f"arn:aws:iam::{account_id}:user{user.path}{user.name}"
        applied = [(f"{arn}:inline/{name}", document) for name, document in user.inline.items()]
        applied += [(policy_arn(account_id, ref), local_document(spec, ref))
                    for ref in user.managed]
        for group_name in user.groups:
            group = groups[group_name]
            group_arn = f"arn:aws:iam::{account_id}:group/{group.name}"
            applied += [(f"{group_arn}:inline/{name}", document)
                        for name, document in group.inline.items()]
            applied += [(policy_arn(account_id, ref), local_document(spec, ref))
                        for ref in group.managed]

        def named(label: str) -> list[str]:
            return sorted({name for name, document in applied
                           if label in documents.labels(document)})

        enforcing, unrecognised = named("enforces"), named("unrecognised")
        admin_via = named("admin")
        state = ("enforced" if enforcing else "not_recognised" if unrecognised
                 else "not_enforced")
        console, mfa = USER_KINDS[user.kind]
        use = user.use or Use()
        password_used = days_before(now, use.password_days) if console else None
        keys = []
        for index, status in enumerate(KEYS.get(user.kind, [])):
            if status != "Active":
                continue
            last = use.keys[index] if index < len(use.keys) else None
            keys.append({"active": True,
                         "last_used_date": rfc3339(days_before(now, last[0]) if last else None),
                         "last_used_service": last[1] if last else None})
        enabled = devices.get(arn, [])
        users[arn] = {
            "mfa_kinds": [kind for kind, _ in enabled],
            "mfa_devices": [{"kind": kind, "serial": serial} for kind, serial in enabled],
            "phishing_resistant": any(kind == "fido" for kind, _ in enabled),
            "mfa_enforcement": {"state": state, "by": enforcing,
                                "unrecognised": unrecognised if state == "not_recognised"
                                else []},
            "admin_equivalent": bool(admin_via),
            "admin_via": admin_via,
            "stakes": {"console_password": console,
                       "password_last_used": rfc3339(password_used), "access_keys": keys},
            "priority": None if mfa else priority(
                bool(admin_via), console, password_used,
                [days_before(now, k[0]) if k else None
                 for k, status in zip(use.keys + [None] * 2, KEYS.get(user.kind, []))
                 if status == "Active"], now),
        }
    return {
        "mfa_guardrail_scps": guardrails,
        "root": root_facts(spec, now),
        "users": users,
        "pools": {pool_arns[(pool[0], pool[1])]: pool_facts(pool) for pool in spec.pools},
    }


def local_document(spec: AccountSpec, reference: str) -> str:
    """The document of a managed policy: an AWS managed one is its own label (its ARN)."""
    return reference if reference.startswith("arn:") else spec.local_policies[reference]


def priority(admin: bool, console: bool, password_used: datetime | None,
             keys_used: list[datetime | None], now: datetime) -> str:
    """docs/controls.md: the first rule that matches."""
    active = console or bool(keys_used)
    if admin and active:
        return "critical"
    recent = [moment for moment in [password_used] + keys_used
              if moment is not None and now - moment <= RECENT]
    if recent:
        return "high"
    return "medium" if active else "low"


def root_facts(spec: AccountSpec, now: datetime) -> dict:
    password, keys, virtual, hardware = spec.root
    use = spec.root_use or Use()
    last = use.keys[0] if use.keys else None
    return {
        # A role sees a virtual device assigned to root; any other device only as "MFA on".
        "mfa_kinds": ["virtual"] if virtual else ["hardware_or_fido"] if hardware else [],
        "stakes": {"console_password": password,
                   "password_last_used": rfc3339(days_before(now, use.password_days))
                   if password else None,
                   "access_keys": [{"active": True,
                                    "last_used_date": rfc3339(days_before(now, last[0]))
                                    if last else None,
                                    "last_used_service": last[1] if last else None}]
                   if keys else []},
        "priority": "critical" if (password or keys) and not (virtual or hardware) else None,
    }


def pool_facts(pool: tuple) -> dict:
    in_scope = password_only(pool)
    offered = [f for f in SECOND_FACTORS if f in second_factors(pool)]
    return {
        "sign_in_factors": first_factors(pool) or ["PASSWORD"],
        "second_factors": offered if in_scope and pool[2] != "OFF" else None,
        "weak_mfa": (pool[2] == "ON" and offered == ["SMS"]) if in_scope else None,
    }


def guardrails_in_force(account_id: str, spec: AccountSpec, scp_ids: dict[str, str],
                        management: bool) -> list[str]:
    """The guardrail SCPs in force on the account: attached to it, to an OU above it or to the
    root. None on the management account, whatever is attached: SCPs never apply to it."""
    if management:
        return []
    above = {"root"} | {"ou:" + "/".join(spec.ou.split("/")[:n])
                        for n in range(1, len(spec.ou.split("/")) + 1) if spec.ou}
    found = {scp_ids[name] for name, (document, targets) in SCPS.items()
             if "guardrail" in documents.labels(document)
             and (above & set(targets) or name in spec.scps)}
    return sorted(found)


def audit_role_trust(management: str, external_id: str) -> str:
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{management}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }],
    })


def seed(endpoint: str, scale: int, allowed_host: str | None = None,
         external_id: str = EXTERNAL_ID) -> dict:
    host = urlparse(endpoint).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1" or host == allowed_host):
        raise SystemExit(f"seed.py: refusing to seed {endpoint}: loopback only")
    # Deterministic ids: moto draws account and OU ids from its own seedable generator.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/seed?a=42", method="POST"),
                           timeout=30).read()

    now = datetime.now(timezone.utc).replace(microsecond=0)
    org = client(endpoint, "organizations")
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_ids = {"": root_id}
    for path in OUS:
        parent, _, name = path.rpartition("/")
        ou_ids[path] = org.create_organizational_unit(ParentId=ou_ids[parent], Name=name)[
            "OrganizationalUnit"]["Id"]
    scp_ids = create_scps(org, root_id, ou_ids)

    specs = demo_accounts(scale)
    management_spec = AccountSpec(
        "management", "", ROOT_HARDWARE,
        [UserSpec("admin-console-virtual", "console_virtual", managed=[ADMINISTRATOR_ACCESS]),
         UserSpec("admin-programmatic-none", "programmatic_none",
                  managed=[ADMINISTRATOR_ACCESS])],
        # Attached to the management account, where no SCP ever applies.
        scps=["ProtectMfa"])
    expected_accounts = {}
    scps_of: dict[str, list[str]] = {}
    sts = client(endpoint, "sts")
    for spec in [management_spec] + specs:
        if spec is management_spec:
            account_id = MANAGEMENT_ACCOUNT
        else:
            status = org.create_account(AccountName=spec.name, Email=f"{spec.name}@example.com")
            account_id = status["CreateAccountStatus"]["AccountId"]
            if spec.ou:
                org.move_account(AccountId=account_id, SourceParentId=root_id,
                                 DestinationParentId=ou_ids[spec.ou])
        for name in spec.scps:
            org.attach_policy(PolicyId=scp_ids[name], TargetId=account_id)
        password, keys, virtual, hardware = spec.root
        ext(endpoint, "root", {"account_id": account_id, "password_present": password,
                               "access_keys_present": keys, "virtual_mfa": virtual,
                               "hardware_mfa": hardware})
        if spec is management_spec:
            creds = None
        else:
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
                RoleSessionName="seed")["Credentials"]
        iam = client(endpoint, "iam", creds=creds)
        if spec.audit_role:
            iam.create_role(RoleName=AUDIT_ROLE,
                            AssumeRolePolicyDocument=audit_role_trust(MANAGEMENT_ACCOUNT, external_id))
        create_account_policies(iam, account_id, spec)
        devices = {f"arn:aws:iam::{account_id}:user{user.path}{user.name}":
                   create_user(iam, account_id, user, endpoint, now) for user in spec.users}
        if spec.root_use is not None:
            ext(endpoint, "credential-use",
                credential_use(account_id, "<root_account>", spec.root_use, now))
        if spec.opt_in_regions:
            ext(endpoint, "regions", {"account_id": account_id, "enabled": spec.opt_in_regions})
        pool_arns = {}
        for pool_spec in spec.pools:
            region, name, setting = pool_spec[:3]
            cognito = client(endpoint, "cognito-idp", region=region, creds=creds)
            factors = first_factors(pool_spec)
            policies = ({} if factors is None else
                        {"Policies": {"SignInPolicy": {"AllowedFirstAuthFactors": factors}}})
            pool = cognito.create_user_pool(PoolName=name, **policies)["UserPool"]
            if setting != "OFF":
                cognito.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration=setting,
                                                 **mfa_configuration(second_factors(pool_spec)))
            pool_arns[(region, name)] = pool["Arn"]
        if spec.suspended:
            org.close_account(AccountId=account_id)

        ou_path = "/".join(["Root"] + ([spec.ou] if spec.ou else []))
        entry: dict = {"account_name": spec.name, "ou_path": ou_path,
                       "seeded": seeded_state(account_id, spec, pool_arns)}
        if spec.suspended:
            entry.update(outcome="skipped", skip_reason="suspended")
        elif not spec.audit_role:
            entry.update(outcome="error", error={"operation": "sts:AssumeRole",
                                                 "code": "AccessDenied"})
        else:
            # As the demo configuration searches (REGIONS), and with regions = ["*"].
            entry.update(outcome="assessed",
                         controls=expected_for(account_id, spec, pool_arns, REGIONS),
                         controls_all_enabled=expected_for(account_id, spec, pool_arns,
                                                           spec.enabled_regions()),
                         facts=facts_for(account_id, spec, pool_arns, devices,
                                         guardrails_in_force(account_id, spec, scp_ids,
                                                             spec is management_spec), now))
        expected_accounts[account_id] = entry
        scps_of[account_id] = spec.scps

    # Names as the organization knows them (moto names its management account itself).
    names = {}
    for page in org.get_paginator("list_accounts").paginate():
        names.update({account["Id"]: account["Name"] for account in page["Accounts"]})
    for account_id, entry in expected_accounts.items():
        entry["account_name"] = names.get(account_id, entry["account_name"])

    return {
        "organization_id": organization["Id"],
        "management_account_id": MANAGEMENT_ACCOUNT,
        "audit_role_name": AUDIT_ROLE,
        "external_id": external_id,
        "regions": REGIONS,
        "accounts": expected_accounts,
        # OU ids by path below Root ("Workloads/Prod"), for tests that route by OU.
        "ou_ids": {path: ou_id for path, ou_id in ou_ids.items() if path},
        # The SCPs seeded besides p-FullAWSAccess: name -> id, whether it is a guardrail (denies
        # weakening MFA), and what it is attached to (the root, OUs, accounts).
        "scps": {name: {"id": scp_ids[name],
                        "guardrail": "guardrail" in documents.labels(document),
                        "targets": sorted(
                            [root_id if t == "root" else ou_ids[t[3:]] for t in targets]
                            + [account_id for account_id, entry in expected_accounts.items()
                               if name in scps_of.get(account_id, [])])}
                 for name, (document, targets) in SCPS.items()},
        "seeded_at": rfc3339(now),
    }


def create_scps(org, root_id: str, ou_ids: dict[str, str]) -> dict[str, str]:
    """SCPs enabled in the root, the seeded SCPs made and attached to the root and OUs (accounts
    attach theirs as they are made): name -> policy id."""
    org.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    ids = {}
    for name, (document, targets) in SCPS.items():
        ids[name] = org.create_policy(
            Name=name, Type="SERVICE_CONTROL_POLICY", Description=f"mfa-auditor demo: {name}",
            Content=documents.text(document))["Policy"]["PolicySummary"]["Id"]
        for target in targets:
            org.attach_policy(PolicyId=ids[name],
                              TargetId=root_id if target == "root" else ou_ids[target[3:]])
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description="Seed the mfa-auditor demo organization.")
    parser.add_argument("--endpoint", required=True, help="the emulator, e.g. http://127.0.0.1:5000")
    parser.add_argument("--expected", required=True, help="where to write the expected results")
    parser.add_argument("--scale", type=int, default=0,
                        help="add accounts until the organization has this many (benchmarks)")
    parser.add_argument("--allow-host", help="a non-loopback emulator host to accept: the compose "
                                                 "service name, inside docker-compose's network")
    parser.add_argument("--external-id", default=EXTERNAL_ID,
                        help="the ExternalId the audit roles' trust policies require")
    args = parser.parse_args()
    expected = seed(args.endpoint.rstrip("/"), args.scale, args.allow_host, args.external_id)
    with open(args.expected, "w") as handle:
        json.dump(expected, handle, indent=2, sort_keys=True)
    print(f"seed.py: {len(expected['accounts'])} accounts seeded", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

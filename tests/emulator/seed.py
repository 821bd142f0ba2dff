#!/usr/bin/env python3
"""Seeds the project's emulator with a deterministic demo organization and writes what a correct
audit of it must find.

The organization covers every case of the five controls: each root state, every kind of IAM user,
user pools ON/OPTIONAL/OFF in three regions (some with a sign-in policy: password only, or allowing
passkeys or one-time codes, which Cognito.5 does not evaluate) and one in an opt-in region that a
single account enabled, a suspended account, an account
whose audit role is missing, and an account with more users than one API page. The expected results are computed here
from what was created, by the rules of the controls, independently of the auditor's own code.

Usage: seed.py --endpoint http://127.0.0.1:PORT --expected out.json [--scale N]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlparse

import boto3
from botocore.config import Config
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
}


@dataclass
class UserSpec:
    name: str
    kind: str
    path: str = "/"


@dataclass
class AccountSpec:
    name: str
    ou: str  # path below Root, e.g. "Workloads/Prod"
    root: tuple[bool, bool, bool, bool] = ROOT_NONE
    users: list[UserSpec] = field(default_factory=list)
    # (region, name, MFA setting) or (region, name, MFA setting, AllowedFirstAuthFactors): without
    # the fourth, a pool made before choice-based sign-in (no sign-in policy).
    pools: list[tuple] = field(default_factory=list)
    audit_role: bool = True
    suspended: bool = False
    # Opt-in regions this account enabled (regions.py); AWS's 17 default regions are always on.
    opt_in_regions: list[str] = field(default_factory=list)

    def enabled_regions(self) -> list[str]:
        """Every region enabled in the account, as ListRegions names them (in name order)."""
        return sorted(list(DEFAULT_REGIONS) + self.opt_in_regions)


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
                     for i, kind in enumerate(list(USER_KINDS) * 10)]
                    + [UserSpec(f"phone-{i:03d}", "console_virtual") for i in range(80)],
                    [("us-east-1", "big-pool", "ON")]),
    ]
    # Scale-out accounts for benchmarks: the same mix again and again.
    extra = max(0, scale - len(accounts))
    # Every ordinary account, not the oversized one: the benchmark is about accounts, not users.
    templates = [a for a in accounts if a.audit_role and not a.suspended and a.name != "big-iam"]
    for i in range(extra):
        template = templates[i % len(templates)]
        accounts.append(AccountSpec(f"{template.name}-{i:04d}", template.ou, template.root,
                                    template.users, template.pools,
                                    opt_in_regions=template.opt_in_regions))
    return accounts


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


def create_user(iam, account_id: str, spec: UserSpec) -> None:
    iam.create_user(UserName=spec.name, Path=spec.path)
    kind = spec.kind

    def virtual_device(name: str, enable: bool):
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"][
            "SerialNumber"]
        if enable:
            iam.enable_mfa_device(UserName=spec.name, SerialNumber=serial,
                                  AuthenticationCode1="123456", AuthenticationCode2="654321")
        return serial

    def hardware_device():
        serial = f"GAHT{zlib.crc32(f'{account_id}/{spec.name}'.encode()) % 10**8:08d}"
        iam.enable_mfa_device(UserName=spec.name, SerialNumber=serial,
                              AuthenticationCode1="123456", AuthenticationCode2="654321")

    if kind.startswith("console") or kind == "deleted_login_profile":
        iam.create_login_profile(UserName=spec.name, Password="Demo-Passw0rd!")
    if kind.startswith("programmatic"):
        key = iam.create_access_key(UserName=spec.name)["AccessKey"]["AccessKeyId"]
        if kind == "programmatic_inactive_key":
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
    with_virtual = {"console_virtual", "programmatic_virtual", "console_two_devices",
                    "root_named_device"}
    return {
        # Virtual devices assigned to anyone (root included): ListVirtualMFADevices's items.
        "assigned_virtual_devices": sum(u.kind in with_virtual for u in spec.users) + int(virtual),
        "root": {"password_present": password, "access_keys_present": keys,
                 "virtual_mfa": virtual, "hardware_mfa": hardware},
        "users": [{"arn": f"arn:aws:iam::{account_id}:user{u.path}{u.name}", "kind": u.kind,
                   "console": USER_KINDS[u.kind][0], "mfa": USER_KINDS[u.kind][1]}
                  for u in spec.users],
        "pools": [{"arn": pool_arns[(pool[0], pool[1])], "region": pool[0], "name": pool[1],
                   "mfa": pool[2], "first_factors": first_factors(pool)} for pool in spec.pools],
        "enabled_regions": spec.enabled_regions(),
    }


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

    org = client(endpoint, "organizations")
    organization = org.create_organization(FeatureSet="ALL")["Organization"]
    root_id = org.list_roots()["Roots"][0]["Id"]
    ou_ids = {"": root_id}
    for path in OUS:
        parent, _, name = path.rpartition("/")
        ou_ids[path] = org.create_organizational_unit(ParentId=ou_ids[parent], Name=name)[
            "OrganizationalUnit"]["Id"]

    specs = demo_accounts(scale)
    management_spec = AccountSpec("management", "", ROOT_HARDWARE,
                                  users("console_virtual", "programmatic_none", prefix="admin-"))
    expected_accounts = {}
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
        for user in spec.users:
            create_user(iam, account_id, user)
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
                cognito.set_user_pool_mfa_config(
                    UserPoolId=pool["Id"], MfaConfiguration=setting,
                    SoftwareTokenMfaConfiguration={"Enabled": True})
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
                                                           spec.enabled_regions()))
        expected_accounts[account_id] = entry

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
    }


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

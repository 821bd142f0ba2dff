#!/usr/bin/env python3
"""Checks the emulator's answers to the operations the facts beyond the five controls read
(issue 23) against AWS's API: each answer's raw XML or JSON has only the members botocore's
service model knows, at the places it knows them, and says what AWS says.

Usage: check_answers.py --endpoint http://127.0.0.1:PORT [--expected EXPECTED.json]

It works on an emulator as it is, seeded or not: it makes an organization when there is none,
enables SCPs when they are not, and makes one member account of its own ("answers-check-N"),
where it builds what it reads. With --expected (seed.py's file, of this emulator's seeding) it
also reads every assessed account as the auditor does (through the audit role) and checks that
the answers hold the facts the file records: each user's devices and their kinds, the credential
report's use columns, the policies that `by`, `admin_via` and `unrecognised` name applying to the
user in GetAccountAuthorizationDetails, the guardrail SCPs in force, the pools' second factors.
Exit 0 when every check passes; otherwise each failure is printed and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any, Callable
from urllib.parse import quote, unquote, urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

FAILURES: list[str] = []
PASSED: list[str] = []


def check(condition: bool, what: str) -> None:
    (PASSED if condition else FAILURES).append(what)
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)


def refused(call: Callable[[], Any], code: str, what: str) -> None:
    try:
        call()
    except ClientError as error:
        got = error.response["Error"]["Code"]
        check(got == code, f"{what}: refused with {code} (got {got})")
        return
    check(False, f"{what}: refused with {code} (it was answered)")


# ---------------------------------------------------------------------------------------------
# Raw answers and botocore's model
# ---------------------------------------------------------------------------------------------


class Raw:
    """The last raw answer body of each operation a client made."""

    def __init__(self, client: Any) -> None:
        self.bodies: dict[str, bytes] = {}
        client.meta.events.register("before-parse.*.*", self.keep)
        self.model = client.meta.service_model

    def keep(self, operation_model: Any, response_dict: dict, **_: Any) -> None:
        body = response_dict.get("body")
        if isinstance(body, bytes):
            self.bodies[operation_model.name] = body

    def members_known(self, operation: str) -> None:
        """Every member of the raw answer is one the operation's output shape has."""
        body = self.bodies[operation]
        shape = self.model.operation_model(operation).output_shape
        unknown: list[str] = []
        if body.lstrip().startswith(b"<"):
            root = ET.fromstring(body)
            result = next((child for child in root if child.tag.endswith("Result")), None)
            if result is not None:
                xml_members(result, shape, operation, unknown)
        else:
            json_members(json.loads(body), shape, operation, unknown)
        check(not unknown, f"{operation}: every member is in AWS's model {unknown[:5]}")


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def xml_members(node: ET.Element, shape: Any, path: str, unknown: list[str]) -> None:
    if shape.type_name == "structure":
        for child in node:
            name = local(child.tag)
            if name not in shape.members:
                unknown.append(f"{path}.{name}")
                continue
            xml_members(child, shape.members[name], f"{path}.{name}", unknown)
    elif shape.type_name == "list":
        for child in node:
            xml_members(child, shape.member, f"{path}[]", unknown)


def json_members(value: Any, shape: Any, path: str, unknown: list[str]) -> None:
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, item in value.items():
            if name not in shape.members:
                unknown.append(f"{path}.{name}")
                continue
            json_members(item, shape.members[name], f"{path}.{name}", unknown)
    elif shape.type_name == "list" and isinstance(value, list):
        for item in value:
            json_members(item, shape.member, f"{path}[]", unknown)


def xml_documents(body: bytes) -> list[str]:
    """Every policy document of a GetAccountAuthorizationDetails answer, as written."""
    names = {"PolicyDocument", "Document", "AssumeRolePolicyDocument"}
    return [element.text or "" for element in ET.fromstring(body).iter()
            if local(element.tag) in names]


# ---------------------------------------------------------------------------------------------
# The fixture: one member account of our own
# ---------------------------------------------------------------------------------------------


def client(endpoint: str, service: str, creds: dict | None = None, region: str = "us-east-1"):
    keys = ({"aws_access_key_id": creds["AccessKeyId"],
             "aws_secret_access_key": creds["SecretAccessKey"],
             "aws_session_token": creds["SessionToken"]} if creds else
            {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        config=Config(retries={"max_attempts": 1}), **keys)


def ext(endpoint: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{endpoint}/_mfa_ext/{path}", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def organization(endpoint: str) -> tuple[Any, str, bool]:
    """(organizations client, root id, whether SCPs were already enabled)."""
    org = client(endpoint, "organizations")
    try:
        org.describe_organization()
    except ClientError:
        org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]
    enabled = any(t["Type"] == "SERVICE_CONTROL_POLICY" and t["Status"] == "ENABLED"
                  for t in root.get("PolicyTypes", []))
    return org, root["Id"], enabled


def member_account(endpoint: str, org: Any) -> tuple[str, dict]:
    name = f"answers-check-{int(time.time() * 1000) % 10**9}"
    account_id = org.create_account(AccountName=name, Email=f"{name}@example.com")[
        "CreateAccountStatus"]["AccountId"]
    creds = client(endpoint, "sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="check-answers")["Credentials"]
    return account_id, creds


# ---------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
INLINE = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "NotAction": ["iam:ListMFADevices"], "Resource": "arn:aws:s3:::b/*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}, indent=2)


def check_devices(endpoint: str, iam: Any, raw: Raw, account_id: str) -> None:
    iam.create_user(UserName="holder")
    virtual = iam.create_virtual_mfa_device(VirtualMFADeviceName="holder-phone")[
        "VirtualMFADevice"]["SerialNumber"]
    codes = {"AuthenticationCode1": "123456", "AuthenticationCode2": "654321"}
    iam.enable_mfa_device(UserName="holder", SerialNumber=virtual, **codes)
    iam.enable_mfa_device(UserName="holder", SerialNumber="GAHT00012345", **codes)
    fido = f"arn:aws:iam::{account_id}:u2f/user/holder/security-key-CHECKANSWERS"
    sms = f"arn:aws:iam::{account_id}:sms-mfa/holder"
    refused(lambda: iam.enable_mfa_device(UserName="holder", SerialNumber=fido, **codes),
            "NoSuchEntity", "EnableMFADevice of a FIDO key (console only)")
    refused(lambda: iam.enable_mfa_device(UserName="holder", SerialNumber=sms, **codes),
            "NoSuchEntity", "EnableMFADevice of an SMS device (no longer enrolled)")
    refused(lambda: iam.enable_mfa_device(
        UserName="holder", SerialNumber=f"arn:aws:iam::{account_id}:mfa/never-made", **codes),
        "NoSuchEntity", "EnableMFADevice of a virtual device never created")
    ext(endpoint, "mfa-device", {"account_id": account_id, "user_name": "holder",
                                 "serial": fido, "enabled_at": "2026-01-02T03:04:05Z"})
    ext(endpoint, "mfa-device", {"account_id": account_id, "user_name": "holder", "serial": sms})
    devices = iam.list_mfa_devices(UserName="holder")["MFADevices"]
    raw.members_known("ListMFADevices")
    serials = {d["SerialNumber"]: d for d in devices}
    check(set(serials) == {virtual, "GAHT00012345", fido, sms},
          f"ListMFADevices lists the virtual, hardware, FIDO and SMS devices: {sorted(serials)}")
    check(all(d.get("UserName") == "holder" and d.get("EnableDate") for d in devices),
          "ListMFADevices: each device has UserName and EnableDate")
    check(serials.get(fido, {}).get("EnableDate", "").isoformat() == "2026-01-02T03:04:05+00:00"
          if fido in serials else False, "ListMFADevices: the FIDO key's EnableDate as set")
    for index in range(4):
        ext(endpoint, "mfa-device", {"account_id": account_id, "user_name": "holder",
                                     "serial": f"GAHT9900000{index}"})
    extra = iam.create_virtual_mfa_device(VirtualMFADeviceName="holder-ninth")[
        "VirtualMFADevice"]["SerialNumber"]
    refused(lambda: iam.enable_mfa_device(UserName="holder", SerialNumber=extra, **codes),
            "LimitExceeded", "EnableMFADevice of a ninth device")


def report_rows(iam: Any) -> dict[str, dict[str, str]]:
    iam.generate_credential_report()
    for _ in range(50):
        try:
            content = iam.get_credential_report()["Content"].decode()
            break
        except ClientError:
            time.sleep(0.1)
    lines = content.strip().split("\n")
    header = lines[0].split(",")
    return {line.split(",")[0]: dict(zip(header, line.split(","))) for line in lines[1:]}


def check_credential_report(endpoint: str, iam: Any, account_id: str) -> None:
    iam.create_user(UserName="used")
    iam.create_login_profile(UserName="used", Password="Check-Passw0rd!")
    iam.create_access_key(UserName="used")
    iam.create_access_key(UserName="used")
    iam.create_user(UserName="unused")
    iam.create_login_profile(UserName="unused", Password="Check-Passw0rd!")
    iam.create_user(UserName="keyless")
    ext(endpoint, "credential-use", {
        "account_id": account_id, "user_name": "used", "password_last_used": {"days_ago": 3},
        "access_keys": [{"last_used_date": "2026-05-01T10:00:00Z", "last_used_service": "s3",
                         "last_used_region": "eu-west-1"}, None]})
    ext(endpoint, "credential-use", {"account_id": account_id, "user_name": "<root_account>",
                                     "password_last_used": "2026-06-01T00:00:00Z"})
    rows = report_rows(iam)
    used, unused, keyless = rows.get("used", {}), rows.get("unused", {}), rows.get("keyless", {})
    root = rows.get("<root_account>", {})
    check(root.get("arn") == f"arn:aws:iam::{account_id}:root", "report: a <root_account> row")
    check(root.get("password_last_used") == "2026-06-01T00:00:00+00:00",
          f"report: root's password_last_used as set ({root.get('password_last_used')})")
    check(rows.get("holder", {}).get("mfa_active") == "true",
          "report: FIDO, SMS and hardware devices count in mfa_active")
    check(used.get("password_last_used", "").startswith(("20",)) and
          used.get("password_last_used", "").endswith("+00:00"),
          f"report: password_last_used is a date ({used.get('password_last_used')})")
    check(unused.get("password_last_used") == "no_information",
          "report: a password never used is no_information")
    check(keyless.get("password_last_used") == "N/A"
          and keyless.get("password_last_changed") == "N/A"
          and keyless.get("password_next_rotation") == "N/A",
          "report: a user without a password has N/A password columns")
    check([used.get(f"access_key_1_last_used_{c}") for c in ("date", "region", "service")]
          == ["2026-05-01T10:00:00+00:00", "eu-west-1", "s3"],
          "report: key 1's last use (date, region, service) as set")
    check([used.get(f"access_key_2_last_used_{c}") for c in ("date", "region", "service")]
          == ["N/A"] * 3, "report: a key never used is N/A in date, region and service")
    check(used.get("access_key_2_active") == "true", "report: key 2 active")
    check(all(keyless.get(f"access_key_{n}_{c}") == "N/A" for n in (1, 2)
              for c in ("last_rotated", "last_used_date", "last_used_region",
                        "last_used_service")), "report: no key: N/A in every key column")


def check_authorization_details(iam: Any, raw: Raw, account_id: str) -> None:
    iam.create_group(GroupName="admins")
    iam.add_user_to_group(GroupName="admins", UserName="used")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN)
    iam.attach_user_policy(UserName="unused", PolicyArn=ADMIN)
    iam.put_user_policy(UserName="used", PolicyName="deny-without-mfa", PolicyDocument=INLINE)
    iam.put_group_policy(GroupName="admins", PolicyName="group-inline", PolicyDocument=INLINE)
    local = iam.create_policy(PolicyName="Local", PolicyDocument=INLINE)["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=local, SetAsDefault=True, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*",
                                                 "Resource": "*"}]}))
    iam.attach_group_policy(GroupName="admins", PolicyArn=local)
    filters = ["User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]

    whole = iam.get_account_authorization_details(Filter=filters, MaxItems=1000)
    raw.members_known("GetAccountAuthorizationDetails")
    body = raw.bodies["GetAccountAuthorizationDetails"]
    documents = xml_documents(body)
    check(bool(documents) and all(d == quote(unquote(d), safe="") for d in documents),
          "GetAccountAuthorizationDetails: every document URL-encoded (RFC 3986)")
    check(quote(INLINE, safe="") in documents,
          "GetAccountAuthorizationDetails: a document decodes to the text as written")
    check(not whole["RoleDetailList"], "GetAccountAuthorizationDetails: no role without Role")
    policies = {p["Arn"]: p for p in whole["Policies"]}
    check(ADMIN in policies and policies[ADMIN].get("AttachmentCount") == 2,
          "Policies: AdministratorAccess (attached to a user and a group) with AttachmentCount 2")
    check(all(p["Arn"] == local or ":aws:policy/" in p["Arn"] and p["AttachmentCount"] > 0
              for p in policies.values()),
          f"Policies: AWS managed policies in use only ({len(policies)} listed)")
    for policy in policies.values():
        versions = policy.get("PolicyVersionList", [])
        defaults = [v for v in versions if v.get("IsDefaultVersion")]
        check(all(policy.get(k) is not None for k in (
            "PolicyName", "PolicyId", "Arn", "DefaultVersionId", "AttachmentCount",
            "PermissionsBoundaryUsageCount", "IsAttachable")),
            f"Policies: {policy['Arn']} has its name, id, default version and counts")
        check(len(defaults) == 1 and defaults[0]["VersionId"] == policy["DefaultVersionId"],
              f"Policies: {policy['Arn']}: exactly one IsDefaultVersion, the DefaultVersionId")
    admin_default = next((v for v in policies.get(ADMIN, {}).get("PolicyVersionList", [])
                          if v["IsDefaultVersion"]), {})
    check(admin_default.get("Document", {}).get("Statement") ==
          [{"Action": "*", "Effect": "Allow", "Resource": "*"}],
          "Policies: AdministratorAccess's default document allows * on *")
    check(len(policies.get(local, {}).get("PolicyVersionList", [])) == 2
          and policies[local]["DefaultVersionId"] == "v2",
          "Policies: a customer managed policy with both versions, v2 the default")
    users = {u["UserName"]: u for u in whole["UserDetailList"]}
    check(users.get("used", {}).get("GroupList") == ["admins"]
          and [p["PolicyName"] for p in users["used"].get("UserPolicyList", [])]
          == ["deny-without-mfa"], "UserDetailList: the user's groups and inline policies")
    check([p["PolicyArn"] for p in users.get("unused", {}).get("AttachedManagedPolicies", [])]
          == [ADMIN], "UserDetailList: the user's attached managed policies")
    groups = {g["GroupName"]: g for g in whole["GroupDetailList"]}
    check(sorted(p["PolicyArn"] for p in groups.get("admins", {}).get(
        "AttachedManagedPolicies", [])) == sorted([ADMIN, local])
          and [p["PolicyName"] for p in groups["admins"].get("GroupPolicyList", [])]
          == ["group-inline"], "GroupDetailList: the group's managed and inline policies")

    pages, marker = [], None
    while True:
        page = iam.get_account_authorization_details(
            Filter=filters, MaxItems=2, **({"Marker": marker} if marker else {}))
        pages.append(page)
        if not page["IsTruncated"]:
            check("Marker" not in page, "pagination: no Marker on the last page")
            break
        marker = page.get("Marker")
        check(bool(marker), "pagination: IsTruncated comes with a Marker")
        if not marker or len(pages) > 100:
            break
    counted = [sum(len(p[k]) for k in ("UserDetailList", "GroupDetailList", "RoleDetailList",
                                       "Policies")) for p in pages]
    check(len(pages) > 1 and all(n <= 2 for n in counted),
          f"pagination: MaxItems 2 gives pages of at most 2 items ({counted})")
    for key in ("UserDetailList", "GroupDetailList", "Policies"):
        check([i.get("Arn") for p in pages for i in p[key]] == [i.get("Arn") for i in whole[key]],
              f"pagination: the pages' {key} is the whole answer's")
    refused(lambda: iam.get_account_authorization_details(MaxItems=1001), "ValidationError",
            "GetAccountAuthorizationDetails with MaxItems 1001")


# ---------------------------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------------------------

GUARDRAIL = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Action": ["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"],
    "Resource": "*"}]}, indent=2)


def all_pages(call: Callable[..., dict], key: str, **kwargs: Any) -> tuple[list, list[int]]:
    items, sizes, token = [], [], None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        items += page[key]
        sizes.append(len(page[key]))
        token = page.get("NextToken")
        if not token or len(sizes) > 500:
            return items, sizes


def check_scps(org: Any, raw: Raw, root_id: str, scps_enabled: bool, account_id: str) -> None:
    guardrail = org.create_policy(Content=GUARDRAIL, Description="check", Type=
                                  "SERVICE_CONTROL_POLICY", Name=f"guardrail-{account_id}")[
        "Policy"]["PolicySummary"]["Id"]
    if not scps_enabled:
        refused(lambda: org.attach_policy(PolicyId=guardrail, TargetId=account_id),
                "PolicyTypeNotEnabledException", "AttachPolicy of an SCP before SCPs are enabled")
        org.enable_policy_type(RootId=root_id, PolicyType="SERVICE_CONTROL_POLICY")
    org.attach_policy(PolicyId=guardrail, TargetId=account_id)

    policies, _ = all_pages(org.list_policies, "Policies", Filter="SERVICE_CONTROL_POLICY")
    raw.members_known("ListPolicies")
    by_id = {p["Id"]: p for p in policies}
    full = by_id.get("p-FullAWSAccess", {})
    check(full.get("Name") == "FullAWSAccess" and full.get("AwsManaged") is True
          and full.get("Type") == "SERVICE_CONTROL_POLICY",
          "ListPolicies: p-FullAWSAccess, AWS managed")
    check(guardrail in by_id and by_id[guardrail]["AwsManaged"] is False,
          "ListPolicies: a customer SCP, not AWS managed")
    described = org.describe_policy(PolicyId=guardrail)["Policy"]
    raw.members_known("DescribePolicy")
    check(described.get("Content") == GUARDRAIL,
          "DescribePolicy: Content is the JSON text as written (not URL-encoded)")
    check(json.loads(org.describe_policy(PolicyId="p-FullAWSAccess")["Policy"]["Content"])
          ["Statement"][0].get("Effect") == "Allow", "DescribePolicy: FullAWSAccess's JSON")

    targets, sizes = all_pages(org.list_targets_for_policy, "Targets",
                               PolicyId="p-FullAWSAccess")
    raw.members_known("ListTargetsForPolicy")
    check(all(n <= 20 for n in sizes), f"ListTargetsForPolicy: pages of at most 20 ({sizes})")
    check(all(t.get("Type") in ("ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT")
              and t.get("TargetId") and t.get("Arn") and t.get("Name") for t in targets),
          "ListTargetsForPolicy: each target has TargetId, Arn, Name, Type")
    attached = {t["TargetId"] for t in targets}
    ous, parents = [], [root_id]
    while parents:
        children, _ = all_pages(org.list_organizational_units_for_parent,
                                "OrganizationalUnits", ParentId=parents.pop())
        ous += [c["Id"] for c in children]
        parents += [c["Id"] for c in children]
    accounts, _ = all_pages(org.list_accounts, "Accounts")
    missing = ({root_id} | set(ous) | {a["Id"] for a in accounts}) - attached
    check(not missing, f"FullAWSAccess attached to the root, every OU and account "
                       f"(missing {sorted(missing)[:5]})")
    mine, _ = all_pages(org.list_targets_for_policy, "Targets", PolicyId=guardrail)
    check([(t["TargetId"], t["Type"]) for t in mine] == [(account_id, "ACCOUNT")],
          "ListTargetsForPolicy: an SCP attached to an account has one ACCOUNT target")
    refused(lambda: org.list_targets_for_policy(PolicyId="p-FullAWSAccess", MaxResults=21),
            "InvalidInputException", "ListTargetsForPolicy with MaxResults 21")


# ---------------------------------------------------------------------------------------------
# Cognito
# ---------------------------------------------------------------------------------------------

SMS = {"SmsAuthenticationMessage": "Your code is {####}",
       "SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/cognito-sms",
                            "ExternalId": "check", "SnsRegion": "us-east-1"}}


def check_pools(cognito: Any, raw: Raw) -> None:
    def pool(name: str, **config: Any) -> str:
        pool_id = cognito.create_user_pool(
            PoolName=name, Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}})[
            "UserPool"]["Id"]
        if config:
            cognito.set_user_pool_mfa_config(UserPoolId=pool_id, **config)
            raw.members_known("SetUserPoolMfaConfig")
        return pool_id

    sms = pool("check-sms", MfaConfiguration="ON", SmsMfaConfiguration=SMS)
    totp = pool("check-totp", MfaConfiguration="ON",
                SoftwareTokenMfaConfiguration={"Enabled": True})
    mixed = pool("check-email-passkey", MfaConfiguration="OPTIONAL",
                 EmailMfaConfiguration={"Subject": "Your code", "Message": "Code {####}"},
                 WebAuthnConfiguration={"RelyingPartyId": "example.com",
                                        "UserVerification": "required",
                                        "FactorConfiguration":
                                            "MULTI_FACTOR_WITH_USER_VERIFICATION"})
    off = pool("check-off")

    def config(pool_id: str) -> dict:
        answer = cognito.get_user_pool_mfa_config(UserPoolId=pool_id)
        raw.members_known("GetUserPoolMfaConfig")
        answer.pop("ResponseMetadata", None)
        return answer

    got = config(sms)
    check(got.get("MfaConfiguration") == "ON" and "SmsConfiguration" in got.get(
        "SmsMfaConfiguration", {}) and "SoftwareTokenMfaConfiguration" not in got,
          f"GetUserPoolMfaConfig: an SMS-only pool ({got})")
    got = config(totp)
    check(got.get("SoftwareTokenMfaConfiguration") == {"Enabled": True}
          and "SmsMfaConfiguration" not in got, f"GetUserPoolMfaConfig: a TOTP pool ({got})")
    got = config(mixed)
    check(got.get("MfaConfiguration") == "OPTIONAL"
          and got.get("EmailMfaConfiguration", {}).get("Subject") == "Your code"
          and got.get("WebAuthnConfiguration", {}).get("FactorConfiguration")
          == "MULTI_FACTOR_WITH_USER_VERIFICATION",
          f"GetUserPoolMfaConfig: email MFA and passkeys as MFA kept ({got})")
    check(config(off) == {"MfaConfiguration": "OFF"}, "GetUserPoolMfaConfig: a pool without MFA")
    check(cognito.describe_user_pool(UserPoolId=mixed)["UserPool"]["MfaConfiguration"]
          == "OPTIONAL", "DescribeUserPool: the MfaConfiguration set")
    refused(lambda: cognito.set_user_pool_mfa_config(UserPoolId=off, MfaConfiguration="ON"),
            "InvalidParameterException", "SetUserPoolMfaConfig ON without any second factor")
    refused(lambda: cognito.set_user_pool_mfa_config(
        UserPoolId=off, MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True},
        WebAuthnConfiguration={"FactorConfiguration": "TWO_FACTOR"}),
        "InvalidParameterException", "SetUserPoolMfaConfig with an unknown FactorConfiguration")


# ---------------------------------------------------------------------------------------------
# The seeded organization against its expected facts
# ---------------------------------------------------------------------------------------------


def kind_of(serial: str) -> str:
    """docs/controls.md: a device's kind from its serial."""
    if not serial.startswith("arn:"):
        return "hardware_totp"
    resource = serial.split(":", 5)[-1]
    for prefix, kind in (("mfa/", "virtual"), ("u2f/", "fido"), ("sms-mfa/", "sms")):
        if resource.startswith(prefix):
            return kind
    return "error"


def report_time(value: str) -> str | None:
    """A credential report's time as the expected file writes it (None: never, N/A)."""
    if not value or value in ("N/A", "no_information", "not_supported"):
        return None
    return value.replace("+00:00", "Z")


def stakes_of(row: dict[str, str], console: bool | None = None) -> dict:
    """What the credential report says is at stake; root's password is GetAccountSummary's
    (its row says `not_supported`)."""
    keys = [{"active": True,
             "last_used_date": report_time(row[f"access_key_{n}_last_used_date"]),
             "last_used_service": None if row[f"access_key_{n}_last_used_service"] == "N/A"
             else row[f"access_key_{n}_last_used_service"]}
            for n in (1, 2) if row.get(f"access_key_{n}_active") == "true"]
    if console is None:
        console = row.get("password_enabled") == "true"
    return {"console_password": console,
            "password_last_used": report_time(row.get("password_last_used", ""))
            if console else None, "access_keys": keys}


def policies_applying(details: dict, arn: str) -> set[str]:
    """The identity policies that apply to a user, named as the expected file names them."""
    user = next((u for u in details["UserDetailList"] if u["Arn"] == arn), None)
    if user is None:
        return set()
    names = {f"{arn}:inline/{p['PolicyName']}" for p in user.get("UserPolicyList", [])}
    names |= {p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])}
    groups = {g["GroupName"]: g for g in details["GroupDetailList"]}
    for group_name in user.get("GroupList", []):
        group = groups.get(group_name, {})
        names |= {f"{group.get('Arn')}:inline/{p['PolicyName']}"
                  for p in group.get("GroupPolicyList", [])}
        names |= {p["PolicyArn"] for p in group.get("AttachedManagedPolicies", [])}
    return names


def second_factors_of(config: dict) -> list[str]:
    offered = []
    if config.get("SmsMfaConfiguration"):
        offered.append("SMS")
    if config.get("SoftwareTokenMfaConfiguration", {}).get("Enabled"):
        offered.append("SOFTWARE_TOKEN")
    if config.get("EmailMfaConfiguration"):
        offered.append("EMAIL")
    if config.get("WebAuthnConfiguration", {}).get("FactorConfiguration") == \
            "MULTI_FACTOR_WITH_USER_VERIFICATION":
        offered.append("WEB_AUTHN")
    return offered


def scps_in_force(org: Any) -> dict[str, set[str]]:
    """Each target's SCPs: policy id -> every target it is attached to."""
    policies, _ = all_pages(org.list_policies, "Policies", Filter="SERVICE_CONTROL_POLICY")
    return {p["Id"]: {t["TargetId"] for t in all_pages(
        org.list_targets_for_policy, "Targets", PolicyId=p["Id"])[0]} for p in policies}


def check_seeded(endpoint: str, expected: dict) -> None:
    org = client(endpoint, "organizations")
    management = expected["management_account_id"]
    targets = scps_in_force(org)
    guardrail_ids = {s["id"] for s in expected.get("scps", {}).values() if s["guardrail"]}
    sts = client(endpoint, "sts")
    for account_id, entry in sorted(expected["accounts"].items()):
        facts = entry.get("facts")
        if entry["outcome"] != "assessed" or facts is None:
            continue
        name = entry["account_name"]
        chain, child = {account_id}, account_id
        while True:
            parent = org.list_parents(ChildId=child)["Parents"][0]
            chain.add(parent["Id"])
            if parent["Type"] == "ROOT":
                break
            child = parent["Id"]
        in_force = sorted(p for p, attached in targets.items()
                          if p in guardrail_ids and attached & chain)
        check((in_force if account_id != management else []) == facts["mfa_guardrail_scps"],
              f"{name}: guardrail SCPs in force {in_force} as expected")
        creds = None if account_id == management else sts.assume_role(
            RoleArn=f"arn:aws:iam::{account_id}:role/{expected['audit_role_name']}",
            RoleSessionName="check-answers", ExternalId=expected["external_id"])["Credentials"]
        iam = client(endpoint, "iam", creds)
        rows = {row["arn"]: row for row in report_rows(iam).values()}
        pages = list(iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]))
        details = {key: [item for page in pages for item in page[key]]
                   for key in ("UserDetailList", "GroupDetailList", "Policies")}
        root = rows.get(f"arn:aws:iam::{account_id}:root", {})
        summary = iam.get_account_summary()["SummaryMap"]
        root_stakes = stakes_of(root, summary.get("AccountPasswordPresent") == 1)
        check(root_stakes == facts["root"]["stakes"],
              f"{name}: root's stakes {root_stakes} as expected")
        for arn, user in facts["users"].items():
            devices = iam.list_mfa_devices(UserName=arn.rsplit("/", 1)[-1])["MFADevices"]
            got = [{"kind": kind_of(d["SerialNumber"]), "serial": d["SerialNumber"]}
                   for d in devices]
            check(got == user["mfa_devices"], f"{arn}: devices {got} as expected")
            check(stakes_of(rows.get(arn, {})) == user["stakes"],
                  f"{arn}: stakes {stakes_of(rows.get(arn, {}))} as expected")
            named = set(user["mfa_enforcement"]["by"] + user["mfa_enforcement"]["unrecognised"]
                        + user["admin_via"])
            applying = policies_applying(details, arn)
            check(named <= applying, f"{arn}: the policies named apply to it "
                                     f"({sorted(named - applying)} do not)")
        listed = {p["Arn"] for p in details["Policies"]}
        attached = {p["PolicyArn"] for u in details["UserDetailList"]
                    for p in u.get("AttachedManagedPolicies", [])}
        attached |= {p["PolicyArn"] for g in details["GroupDetailList"]
                     for p in g.get("AttachedManagedPolicies", [])}
        check(attached <= listed, f"{name}: every attached managed policy is in Policies")
        for pool_arn, pool in facts["pools"].items():
            region, pool_id = pool_arn.split(":")[3], pool_arn.rsplit("/", 1)[-1]
            if pool["second_factors"] is None or region not in expected["regions"]:
                continue
            config = client(endpoint, "cognito-idp", creds, region).get_user_pool_mfa_config(
                UserPoolId=pool_id)
            check(second_factors_of(config) == pool["second_factors"],
                  f"{pool_arn}: second factors {second_factors_of(config)} as expected")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--expected", help="seed.py's expected file: check the seeded facts")
    args = parser.parse_args()
    endpoint = args.endpoint.rstrip("/")
    host = urlparse(endpoint).hostname or ""
    if not (host == "localhost" or host.startswith("127.") or host == "::1"):
        print(f"check_answers.py: refusing {endpoint}: loopback only", file=sys.stderr)
        return 2
    if args.expected:
        with open(args.expected) as handle:
            check_seeded(endpoint, json.load(handle))
    org, root_id, scps_enabled = organization(endpoint)
    org_raw = Raw(org)
    account_id, creds = member_account(endpoint, org)
    iam = client(endpoint, "iam", creds)
    iam_raw = Raw(iam)
    cognito = client(endpoint, "cognito-idp", creds)
    check_devices(endpoint, iam, iam_raw, account_id)
    check_credential_report(endpoint, iam, account_id)
    check_authorization_details(iam, iam_raw, account_id)
    check_scps(org, org_raw, root_id, scps_enabled, account_id)
    check_pools(cognito, Raw(cognito))
    print(f"check_answers.py: {len(PASSED)} checks passed, {len(FAILURES)} failed "
          f"(account {account_id})")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())

"""The policy documents the demo organization is seeded with (seed.py), each labelled with what
the rules of docs/controls.md ("Beyond the five controls") say it is, by hand and independently
of the auditor's recogniser.

The project's own deploy/remediation policies are read from the repository when seed.py runs in
it; the copies here serve where the repository is not at hand (the emulator's container image,
which holds tests/emulator/*.py only), and seed.py says so when a copy has gone stale.
"""

from __future__ import annotations

import json
import os
import sys

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# deploy/remediation/require-mfa-policy.json: the reference shape of MFA enforcement.
REQUIRE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "SeeTheirOwnUserAndTheAccountsPasswordRules", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"],
         "Resource": "*"},
        {"Sid": "ManageTheirOwnPasswordAndMfaDevices", "Effect": "Allow",
         "Action": ["iam:ChangePassword", "iam:GetUser", "iam:ListMFADevices",
                    "iam:EnableMFADevice", "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "CreateTheirOwnVirtualMfaDevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "DeactivateTheirOwnDeviceOnlyWithMfa", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice"], "Resource": "arn:aws:iam::*:user/${aws:username}",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "DenyEverythingElseWithoutMfa", "Effect": "Deny",
         "NotAction": ["iam:ChangePassword", "iam:CreateVirtualMFADevice", "iam:EnableMFADevice",
                       "iam:GetAccountPasswordPolicy", "iam:GetUser", "iam:ListMFADevices",
                       "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
         "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}

# deploy/remediation/protect-mfa-scp.json: the SCP that keeps MFA devices in place.
PROTECT_MFA_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "KeepMfaDevicesOutsideBreakGlass", "Effect": "Deny",
         "Action": ["iam:DeactivateMFADevice", "iam:DeleteVirtualMFADevice"],
         "Resource": "*",
         "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/BreakGlass*"}}},
    ],
}

# AWS's documented example "IAM: Allows IAM users to self-manage an MFA device"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_iam_mfa-selfmanage.html):
# its last statement denies everything but MFA self-service without MFA.
AWS_SELF_MANAGE_MFA = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AllowListActions", "Effect": "Allow",
         "Action": ["iam:ListUsers", "iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowUserToCreateVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
        {"Sid": "AllowUserToManageTheirOwnMFA", "Effect": "Allow",
         "Action": ["iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices",
                    "iam:ResyncMFADevice"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Sid": "AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice"],
         "Resource": ["arn:aws:iam::*:user/${aws:username}"],
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "BlockMostAccessUnlessSignedInWithMFA", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                       "iam:ListUsers", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice"],
         "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}

# The third shape the rules recognise: a Null condition on aws:MultiFactorAuthPresent.
DENY_WITHOUT_MFA_NULL = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "DenyAllButMfaSelfServiceWithoutMfa", "Effect": "Deny",
         "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                       "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                       "sts:GetSessionToken"],
         "Resource": "*",
         "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}}},
    ],
}

# A Deny with an MFA condition of a shape the rules do not list (MFA within the last 12 hours,
# which also holds when there was none): not_recognised, never enforced.
RECENT_MFA_ONLY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "DenyUnlessMfaInTheLast12Hours", "Effect": "Deny", "Action": "*",
         "Resource": "*",
         "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "43200"}}},
    ],
}

# Admin-equivalent without AdministratorAccess: iam:* on every resource, no condition.
IAM_EVERYTHING = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "ManageIam", "Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
}

# Not admin-equivalent: everything, but only from the office's addresses (a condition).
ADMIN_FROM_OFFICE = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "EverythingFromTheOffice", "Effect": "Allow", "Action": "*", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    ],
}

# An SCP in force everywhere that has nothing to do with MFA: never a guardrail.
DENY_LEAVE_ORGANIZATION = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "StayInTheOrganization", "Effect": "Deny",
         "Action": "organizations:LeaveOrganization", "Resource": "*"},
    ],
}

# Each document: (its text's source, and what the rules make of it).
#   enforces: denies the identity everything (but MFA self-service) without MFA, in a shape the
#             rules list; unrecognised: a Deny with an MFA condition of another shape;
#   admin: grants * or iam:* on * without condition; guardrail: an SCP that denies weakening MFA.
DOCUMENTS = {
    "require_mfa": (REQUIRE_MFA, "deploy/remediation/require-mfa-policy.json", {"enforces"}),
    "aws_self_manage_mfa": (AWS_SELF_MANAGE_MFA, None, {"enforces"}),
    "deny_without_mfa_null": (DENY_WITHOUT_MFA_NULL, None, {"enforces"}),
    "recent_mfa_only": (RECENT_MFA_ONLY, None, {"unrecognised"}),
    "iam_everything": (IAM_EVERYTHING, None, {"admin"}),
    "admin_from_office": (ADMIN_FROM_OFFICE, None, set()),
    "protect_mfa_scp": (PROTECT_MFA_SCP, "deploy/remediation/protect-mfa-scp.json",
                        {"guardrail"}),
    "deny_leave_organization": (DENY_LEAVE_ORGANIZATION, None, set()),
}

ADMINISTRATOR_ACCESS = "arn:aws:iam::aws:policy/AdministratorAccess"
# AWS managed policies the seed attaches, and what the rules make of them.
AWS_MANAGED = {ADMINISTRATOR_ACCESS: {"admin"}}

_TEXTS: dict[str, str] = {}


def text(key: str) -> str:
    """The document's JSON text: the repository's file when there is one, else the copy here."""
    if key not in _TEXTS:
        document, path, _ = DOCUMENTS[key]
        written = json.dumps(document, indent=2)
        if path is not None and os.path.exists(os.path.join(REPOSITORY, path)):
            with open(os.path.join(REPOSITORY, path)) as handle:
                written = handle.read()
            if json.loads(written) != document:
                print(f"policy_documents.py: the copy of {path} is stale; seeding the "
                      "repository's", file=sys.stderr)
        _TEXTS[key] = written
    return _TEXTS[key]


def labels(key: str) -> set[str]:
    """What the rules make of a document (a key of DOCUMENTS) or an AWS managed policy (ARN)."""
    if key in AWS_MANAGED:
        return AWS_MANAGED[key]
    return DOCUMENTS[key][2]

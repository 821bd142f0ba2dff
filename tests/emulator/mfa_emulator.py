#!/usr/bin/env python3
"""The project's AWS emulator: moto's server plus what moto cannot show on its own.

Loopback only: it refuses to bind anything but 127.0.0.0/8 or ::1.

What this adds to stock moto (pinned in requirements.txt):
- Root-user state per account (password, access keys, hardware and virtual MFA): it appears in
  `iam:GetAccountSummary` (`AccountMFAEnabled`, `AccountPasswordPresent`,
  `AccountAccessKeysPresent`), as the `<root_account>` row of the credential report, and a virtual
  root device appears in `iam:ListVirtualMFADevices` assigned to `arn:aws:iam::<account>:root`.
- `sts:AssumeRole` is refused (AccessDenied, as AWS does) when the role does not exist in the target
  account or its trust policy's `sts:ExternalId` condition does not match.
- Fault injection for tests and benchmarks: throttling, AccessDenied, 5xx, delays, a credential
  report that stays in progress.
- AWS behaviours stock moto does not have, each opt-in through the fault set (see Faults):
  - rate-based throttling: a token bucket per account, service and region, throttling beyond
    it, as AWS's request-rate quotas do (`rate_limits`);
  - a proxy or load balancer between the client and AWS answering `502 Bad Gateway` with an
    HTML page, no AWS error code and no request id (`html_errors`);
  - a user pool deleted between `ListUserPools` and the read of its MFA setting: AWS then
    answers `ResourceNotFoundException` (`delete_pool_after_list`);
  - malformed pagination: `IsTruncated` without a `Marker`, or the same `NextToken` again
    (`paging_faults`);
  - an account that moves between the OU walk and `ListParents`, which then fails
    (`hide_from_walk` with `operation_errors`), and any operation failing with a given code;
  - a partition other than `aws` (`partition`): every ARN in every answer is written in it, as
    in AWS GovCloud, China or the ISO regions;
  - `DescribeOrganization` without some of its fields (`organization_drop_fields`), OUs and
    accounts without their `Name` (`unnamed_ous`, `unnamed_accounts`), any answer without a
    field or with an empty list where AWS always gives one (`answer_without`): a broken or
    hostile answer, which the auditor must not turn into an empty name or an empty list;
  - OUs and accounts named as AWS lets them be named (`ou_names`, `account_names`): an OU's
    `Name` may hold any character, 1 to 128 of them (the API reference's pattern is `[\s\S]*`),
    control characters and terminal escape sequences included, and an account's `Name` is
    printable ASCII when it is created (`[\u0020-\u007E]+`, 1 to 50), a spreadsheet formula
    included, though the `Account` type's pattern is `[\s\S]*`; every Organizations answer that
    names them names them so;
  - the distance to AWS: every answer `latency_seconds` late (`latency_seconds`);
  - sessions that end: AssumeRole's credentials expire `session_seconds` after they are issued,
    and a request signed with expired ones is refused with `ExpiredToken` (`session_seconds`);
  - Organizations as it answers since 2026-09-09, when AWS retired `Account.Status`: every
    `Account` of `ListAccounts`, `ListAccountsForParent` and `DescribeAccount` carries `State`
    and no `Status`, and a closed account is `CLOSED` (stock moto answers both fields, and a
    closed account `SUSPENDED`, as AWS did before) (`account_state_only`); an account in any of
    `State`'s five values, or with the field absent or unknown (`account_states`), and `Status`
    set or removed the same way (`account_statuses`).
- `iam:ListOrganizationsFeatures` (centralized root access), which moto does not implement,
  answered as AWS does: only to the management account (a member account gets
  `AccountNotManagementOrDelegatedAdministratorException`); `ServiceAccessNotEnabledException`
  until trusted access for IAM is enabled in Organizations, which is AWS's default; then the
  organization's id and its `EnabledFeatures` (`RootCredentialsManagement`, `RootSessions`).
  Set with POST /_mfa_ext/organization-features.
- `cognito-idp:DescribeUserPool` with the pool's current `MfaConfiguration`: stock moto repeats
  the value the pool was created with after `SetUserPoolMfaConfig` changed it; AWS does not.
  (moto keeps the pool's `Policies`, the sign-in policy among them, as it was given.)
- Regions as AWS enables them account by account (regions.py): `account:ListRegions`, which moto
  does not implement, with the 17 default regions and the opt-in regions each account enabled
  (set with POST /_mfa_ext/regions), and a call into an opt-in region the account has not
  enabled refused with `UnrecognizedClientException`, as AWS refuses it.
- The credential report as AWS serves it (credential_report.py): a snapshot with its real
  `GeneratedTime`, cached per account for `credential_report_cache_seconds` (AWS: four hours;
  default 0, a new report at every generation) and ready `credential_report_generation_seconds`
  after generation starts. Stock moto rebuilds it live at every read with a 2015 date.
- The facts beyond the five controls (issue 23), as AWS answers them where stock moto does not:
  - IAM users' MFA devices (iam_users.py): `EnableMFADevice` refuses what AWS refuses (a FIDO
    key or passkey, `arn:…:u2f/…`, is registered in the console only; SMS MFA,
    `arn:…:sms-mfa/…`, can no longer be enrolled; a virtual device never created; a ninth
    device), where moto enables any serial; FIDO, SMS and any other device enabled on a user
    through POST /_mfa_ext/mfa-device, then listed by `ListMFADevices` with its `EnableDate` and
    counted in the credential report's `mfa_active`, as AWS lists the ones that exist;
  - credential use (iam_users.py): a user's and root's `password_last_used` and each access
    key's last use (date, service, region), which moto never records, set through POST
    /_mfa_ext/credential-use; the credential report's user rows as AWS writes them (`N/A` where
    moto writes `not_supported` or a made-up date);
  - identity policies (iam_policies.py): AWS managed policies (`AdministratorAccess`, ...) exist
    in every account, where moto knows none unless it loads all of them everywhere;
    `GetAccountAuthorizationDetails` paginated by `MaxItems`/`Marker`, its managed policies
    with `PolicyName` and `PolicyId`, the AWS managed ones in use only, every document
    URL-encoded (RFC 3986), where moto answers everything at once, without names and ids,
    listing either no AWS managed policy or all ~1,500 of them;
  - service control policies (organization_policies.py): `ListTargetsForPolicy` in pages of at
    most 20 (`p-FullAWSAccess` is attached to every OU and account), `MaxResults` over 20 and
    foreign `NextToken`s refused, `AttachPolicy` of an SCP refused until SCPs are enabled in the
    root, where moto answers every target at once and attaches anything;
  - user pools' second factors (user_pool_mfa.py): `SetUserPoolMfaConfig` and
    `GetUserPoolMfaConfig` with `EmailMfaConfiguration` and `WebAuthnConfiguration`
    (`FactorConfiguration` `SINGLE_FACTOR` | `MULTI_FACTOR_WITH_USER_VERIFICATION`), which moto
    drops, and MFA on with email as its only factor, which moto refuses.
  check_answers.py asserts each of these answers' shape against a running emulator (and, with
  --expected, that the seeded demo organization's answers hold the facts seed.py expects).
- A request log and per-operation counters, so tests can check which operations reached AWS.

Control API (JSON over HTTP, same port), under /_mfa_ext/:
  POST /_mfa_ext/root      {"account_id", "password_present", "access_keys_present",
                            "virtual_mfa", "hardware_mfa"}
  POST /_mfa_ext/faults    see Faults below; replaces the whole fault set
  POST /_mfa_ext/organization-features  {"trusted_access": bool, "features": [names]}
  POST /_mfa_ext/regions   {"account_id", "enabled": [opt-in regions]}: the account's opt-in
                           regions (regions.py)
  POST /_mfa_ext/mfa-device  {"account_id", "user_name", "serial", "enabled_at" (optional)}: a
                           device of any kind enabled on an IAM user, as the console enables a
                           passkey or security key (`arn:aws:iam::<account>:u2f/user/<name>/<id>`)
                           and as SMS devices (`arn:aws:iam::<account>:sms-mfa/<name>`) survive
                           (iam_users.py)
  POST /_mfa_ext/credential-use  {"account_id", "user_name" (or "<root_account>"),
                           "password_last_used", "access_keys": [key 1, key 2]}, each key
                           {"last_used_date", "last_used_service", "last_used_region"} or null
                           (never used); a time is RFC 3339 text, {"days_ago": N} or null; a
                           field left out is left as it was (iam_users.py)
  GET  /_mfa_ext/requests  the request log, oldest first: service, operation, account (the
                           account a member-account session acts in, or that AssumeRole enters;
                           empty for the caller's own calls), region, status, time
  POST /_mfa_ext/requests/clear
  GET  /_mfa_ext/issued-credentials  every key id, secret key and token AssumeRole issued
  GET  /_mfa_ext/health
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import iam_policies
import iam_users
import organization_policies
import regions
import user_pool_mfa
from credential_report import CredentialReports
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from moto.iam.exceptions import ReportNotPresentException
from moto.iam.models import AccountSummary, IAMBackend, VirtualMfaDevice, iam_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.organizations.models import organizations_backends

PARTITION = "aws"
ROLE_ARN_RE = re.compile(r"^arn:[a-z0-9-]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$")
ACCESS_KEY_RE = re.compile(r"<AccessKeyId>([^<]+)</AccessKeyId>")
SECRET_RE = re.compile(r"<SecretAccessKey>([^<]+)</SecretAccessKey>")
TOKEN_RE = re.compile(r"<SessionToken>([^<]+)</SessionToken>")
CREDENTIAL_RE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


# ---------------------------------------------------------------------------------------------
# Root-user state
# ---------------------------------------------------------------------------------------------


@dataclass
class RootState:
    password_present: bool = True
    access_keys_present: bool = False
    virtual_mfa: bool = False
    hardware_mfa: bool = False

    @property
    def mfa_enabled(self) -> bool:
        return self.virtual_mfa or self.hardware_mfa


ROOT_STATES: dict[str, RootState] = {}
STATE_LOCK = threading.Lock()


def root_state(account_id: str) -> RootState:
    with STATE_LOCK:
        return ROOT_STATES.get(account_id, RootState())


def root_arn(account_id: str) -> str:
    return f"arn:{PARTITION}:iam::{account_id}:root"


def set_root_state(account_id: str, state: RootState) -> None:
    with STATE_LOCK:
        ROOT_STATES[account_id] = state
    backend: IAMBackend = iam_backends[account_id][PARTITION]
    # A root virtual device is a real virtual MFA device whose User is the root ARN. Its name is
    # deliberately not "root-account-mfa-device": the auditor must decide by User.Arn alone.
    serial = f"arn:{PARTITION}:iam::{account_id}:mfa/root-virtual-{account_id}"
    if state.virtual_mfa:
        device = backend.virtual_mfa_devices.get(serial)
        if device is None:
            device = VirtualMfaDevice(account_id, "us-east-1", f"/root-virtual-{account_id}")
            backend.virtual_mfa_devices[serial] = device
        device.enable_date = datetime.now(timezone.utc)
        # moto renders a device's User from `device.user`; AWS shows root as a user whose Arn is
        # the account's root ARN.
        device.user = device.user_attribute = {
            "Path": "/",
            "UserName": account_id,
            "UserId": account_id,
            "Arn": root_arn(account_id),
            "CreateDate": datetime(2020, 1, 1, tzinfo=timezone.utc),
        }
    else:
        backend.virtual_mfa_devices.pop(serial, None)


_original_summary_map = AccountSummary.summary_map


def _summary_map(self: AccountSummary) -> dict[str, Any]:
    summary = _original_summary_map.fget(self)  # type: ignore[attr-defined]
    state = root_state(self._iam_backend.account_id)
    summary["AccountMFAEnabled"] = int(state.mfa_enabled)
    summary["AccountPasswordPresent"] = int(state.password_present)
    summary["AccountAccessKeysPresent"] = int(state.access_keys_present)
    return summary


AccountSummary.summary_map = property(_summary_map)  # type: ignore[assignment]

CREDENTIAL_REPORT_HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")


def _get_credential_report(self: IAMBackend) -> str:
    """The report as AWS writes it: the `<root_account>` row, then each user's (iam_users.py)."""
    if not self.credential_report:
        raise ReportNotPresentException("Credential report not present")
    state = root_state(self.account_id)
    use = iam_users.root_use_columns(self.account_id, state.password_present,
                                     state.access_keys_present)
    root = [
        "<root_account>",
        root_arn(self.account_id),
        "2020-01-01T00:00:00+00:00",
        "not_supported",  # AWS reports the root password this way
        use["password_last_used"],
        "not_supported",
        "not_supported",
        "true" if state.mfa_enabled else "false",
    ]
    for index in (1, 2):
        root += [use[f"access_key_{index}_{column}"] for column in
                 ("active", "last_rotated", "last_used_date", "last_used_region",
                  "last_used_service")]
    root += ["false", "N/A", "false", "N/A"]
    rows = [CREDENTIAL_REPORT_HEADER, ",".join(root)]
    rows += [iam_users.user_row(self, user) for user in self.users.values()]
    return "\n".join(rows) + "\n"


IAMBackend.get_credential_report = _get_credential_report  # type: ignore[assignment]



# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


@dataclass
class Faults:
    """What to break. Every field is optional in the JSON that sets it."""

    # Throttle every Nth call to these services ("iam", "cognito-idp", "sts", "organizations").
    throttle_services: list[str] = field(default_factory=list)
    throttle_every: int = 0
    # sts:AssumeRole into these accounts answers AccessDenied.
    deny_assume_role: list[str] = field(default_factory=list)
    # Cognito calls from an account in a region fail: [{"account", "region", "error"}], where
    # error is an AWS error code (answered 400) or "500".
    cognito_faults: list[dict] = field(default_factory=list)
    # Every call made with this account's session is delayed this many seconds.
    delay_account: str = ""
    delay_seconds: float = 0.0
    # GetCredentialReport answers ReportInProgress this many times per account before the report.
    report_in_progress_polls: int = 0
    # The credential report's cache period and generation time, as AWS has them (four hours,
    # seconds); see credential_report.py. Setting the fault set forgets every report.
    credential_report_cache_seconds: float = 0.0
    credential_report_generation_seconds: float = 0.0
    # Every AWS answer this late, as from a client far from the region (the latency model of
    # the latency benchmark).
    latency_seconds: float = 0.0
    # AssumeRole's sessions end this long after they are issued, whatever was asked (as a
    # role's shorter maximum session would); then every request they sign is refused with
    # ExpiredToken, as AWS refuses it. 0: moto's own expiry, never enforced.
    session_seconds: float = 0.0
    # Hostile data, written over moto's answers:
    # ListAccounts shows this account id (12 digits) as another string.
    account_id_rewrite: dict = field(default_factory=dict)   # {"from": id, "to": text}
    # GetCredentialReport's Content for some accounts: [{"account": id, "content_b64": ...}]
    credential_report_contents: list[dict] = field(default_factory=list)
    # The MfaConfiguration DescribeUserPool and GetUserPoolMfaConfig answer for an account's
    # pools: {"account": id, "value": text, or null for the field absent}
    mfa_configuration_value: dict = field(default_factory=dict)
    # AWS's request-rate quotas: {"iam": {"per_second": 5, "burst": 5}, ...}. A token bucket per
    # (service, account, region) refills at per_second up to burst; a request finding it empty is
    # throttled with the service's own code, as AWS does.
    rate_limits: dict = field(default_factory=dict)
    # A proxy answering instead of AWS: every Nth call to these services in each account gets
    # an HTML page with this status and no AWS error code or request id. {"services": [...], "every": N,
    # "status": 502}
    html_errors: dict = field(default_factory=dict)
    # After ListUserPools answers in this account and region, its first pool is deleted: the
    # read that follows meets ResourceNotFoundException. [{"account", "region"}]
    delete_pool_after_list: list[dict] = field(default_factory=list)
    # [{"account", "operation", "kind"}]: kind "truncated_without_marker" (IAM, XML: IsTruncated
    # true and no Marker) or "repeated_token" (JSON services: the same NextToken on every page).
    paging_faults: list[dict] = field(default_factory=list)
    # Accounts ListAccountsForParent leaves out, as if they moved while the tree was walked.
    hide_from_walk: list[str] = field(default_factory=list)
    # [{"operation", "error", "status" (default 400), "account" (optional)}]: the operation
    # fails with that AWS error code.
    operation_errors: list[dict] = field(default_factory=list)
    # The partition every ARN in every answer is written in ("aws-iso-f", "aws-us-gov", ...).
    partition: str = ""
    # Fields DescribeOrganization leaves out of its Organization: ["MasterAccountId", ...].
    organization_drop_fields: list[str] = field(default_factory=list)
    # Organizations as AWS answers since it retired Account.Status (2026-09-09): State only, a
    # closed account CLOSED.
    account_state_only: bool = False
    # An account's State and Status as Organizations answers them: {"<account id>": value},
    # where value is one of State's values (PENDING_ACTIVATION, ACTIVE, SUSPENDED,
    # PENDING_CLOSURE, CLOSED), any other text, or null for the field absent.
    account_states: dict = field(default_factory=dict)
    account_statuses: dict = field(default_factory=dict)
    # OUs, accounts and user pools (ids) whose Name every answer leaves out.
    unnamed_ous: list[str] = field(default_factory=list)
    unnamed_accounts: list[str] = field(default_factory=list)
    unnamed_pools: list[str] = field(default_factory=list)
    # Answers without a field that decides something, or with an empty list where AWS always
    # gives at least one item: [{"operation": "ListUserPools", "field": "UserPools",
    # "account": id (optional), "empty": false}]. A broken or hostile answer, which the auditor
    # must not read as "nothing there".
    answer_without: list[dict] = field(default_factory=list)
    # What account:ListRegions answers for some regions, whatever the account enabled:
    # {"us-east-1": "ENABLED_SOMETIMES"}, or null for RegionOptStatus absent (regions.py).
    region_statuses: dict = field(default_factory=dict)
    # OUs and accounts (ids) and the Name every Organizations answer gives them instead of
    # moto's: {"<id>": "any text"}.
    ou_names: dict = field(default_factory=dict)
    account_names: dict = field(default_factory=dict)


FAULTS = Faults()
# Centralized root access: AWS's default is trusted access for IAM not enabled.
ORGANIZATION_FEATURES: dict[str, Any] = {"trusted_access": False, "features": []}
FAULT_COUNTERS: dict[str, int] = {}
REPORT_POLLS: dict[str, int] = {}
# (service, account, region) -> (tokens, last refill, monotonic seconds)
BUCKETS: dict[tuple[str, str, str], tuple[float, float]] = {}
LOOP_TOKEN = "mfa-emulator-loop"


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------

ACCESS_KEY_ACCOUNTS: dict[str, str] = {}
# Every session credential AssumeRole handed out, for tests that look for leaks.
ISSUED_SECRETS: list[str] = []
REQUEST_LOG: list[dict[str, Any]] = []
LOG_LOCK = threading.Lock()


def query_error(code: str, message: str, status: int = 400) -> Response:
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>"
        f"<Message>{message}</Message></Error><RequestId>mfa-emulator</RequestId></ErrorResponse>"
    )
    return Response(body, status=status, content_type="text/xml")


def json_error(code: str, message: str, status: int = 400) -> Response:
    return Response(json.dumps({"__type": code, "message": message}), status=status,
                    content_type="application/x-amz-json-1.1")


def error_for(service: str, code: str, message: str, status: int = 400) -> Response:
    if service in ("organizations", "cognito-idp", "account"):
        return json_error(code, message, status)
    return query_error(code, message, status)


def throttle_code(service: str) -> str:
    return {
        "iam": "Throttling",
        "sts": "Throttling",
        "organizations": "TooManyRequestsException",
        "cognito-idp": "TooManyRequestsException",
        "account": "TooManyRequestsException",
    }.get(service, "ThrottlingException")


class Extension:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith("/_mfa_ext/"):
            return self.control(request)(environ, start_response)

        body = request.get_data(cache=True)
        if FAULTS.partition:
            # Moto lives in `aws`: ARNs the client sends in the other partition are translated
            # back, as answers are translated out (see rewrite).
            theirs = f"arn:{FAULTS.partition}:".encode()
            body = body.replace(theirs, b"arn:aws:").replace(
                theirs.replace(b":", b"%3A"), b"arn%3Aaws%3A")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

        auth = request.headers.get("Authorization", "")
        match = CREDENTIAL_RE.search(auth)
        access_key, region, service = match.groups() if match else ("", "", "")
        target = request.headers.get("X-Amz-Target", "")
        if target:
            operation = target.rsplit(".", 1)[-1]
            params: dict[str, list[str]] = {}
        elif service == "account":
            # REST-JSON: the operation is the path, `/listRegions`.
            operation = request.path.strip("/")[:1].upper() + request.path.strip("/")[1:]
            params = {}
        else:
            params = parse_qs(body.decode("utf-8", "replace"))
            operation = (params.get("Action") or [""])[0]
        account = ACCESS_KEY_ACCOUNTS.get(access_key, "")
        if service == "sts" and operation == "AssumeRole":
            # Logged against the account it enters, so calls can be counted per account.
            role = ROLE_ARN_RE.match((params.get("RoleArn") or [""])[0])
            account = role.group(1) if role else account

        entry = {"service": service, "operation": operation, "account": account,
                 "region": region, "time": time.time()}
        if target and LOOP_TOKEN.encode() in body:
            # The looping token means "the first page again": moto never saw it.
            request_json = json.loads(body)
            request_json.pop("NextToken", None)
            body = json.dumps(request_json).encode()
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        response = self.fault(service, operation, account, region, params, body)
        if response is None and session_expired(access_key):
            code = "ExpiredTokenException" if service in ("organizations", "cognito-idp") else "ExpiredToken"
            response = error_for(service, code, "The security token included in the request is expired")
        if response is None:
            response = self.refusal(service, operation, account, params, body)
        if response is None:
            captured: dict[str, Any] = {}

            def capture(status: str, headers: Any, exc_info: Any = None) -> Any:
                captured["status"] = status
                captured["headers"] = headers
                return lambda _data: None

            own = own_answer(service, operation, account, region, params, body)
            if service == "iam" and operation in REPORT_OPERATIONS:
                chunks = credential_report_answer(operation, account, capture)
            elif own is not None:
                own_status, content_type, chunks = own
                capture(f"{own_status} {'OK' if own_status == 200 else 'Error'}",
                        [("Content-Type", content_type), ("Content-Length", str(len(chunks)))])
            else:
                chunks = b"".join(self.moto(environ, capture))
            status = int(captured["status"].split()[0])
            answered = chunks
            if status == 200 and operation == "DescribeUserPool":
                chunks = current_mfa_configuration(account, region, chunks)
            if status == 200 and service == "organizations" and operation == "ListTargetsForPolicy":
                chunks = organization_policies.page_targets(body, chunks)
            rewritten = rewrite(FAULTS, service, operation, account, chunks)
            if status == 200 and operation == "ListUserPools":
                delete_first_pool(FAULTS, account, region, chunks)
            if rewritten is not answered:
                chunks = rewritten
                captured["headers"] = [(k, str(len(chunks)) if k.lower() == "content-length" else v)
                                       for k, v in captured["headers"]]
            if service == "sts" and operation == "AssumeRole" and status == 200:
                text = chunks.decode("utf-8", "replace")
                key = ACCESS_KEY_RE.search(text)
                role = ROLE_ARN_RE.match((params.get("RoleArn") or [""])[0])
                if key and role:
                    ACCESS_KEY_ACCOUNTS[key.group(1)] = role.group(1)
                if key and FAULTS.session_seconds:
                    chunks = end_session_after(key.group(1), FAULTS.session_seconds, chunks)
                    captured["headers"] = [
                        (k, str(len(chunks)) if k.lower() == "content-length" else v)
                        for k, v in captured["headers"]]
                with LOG_LOCK:
                    ISSUED_SECRETS.extend(m.group(1) for pattern in (ACCESS_KEY_RE, SECRET_RE, TOKEN_RE)
                                          for m in [pattern.search(text)] if m)
            entry["status"] = status
            with LOG_LOCK:
                REQUEST_LOG.append(entry)
            start_response(captured["status"], captured["headers"])
            return [chunks]
        entry["status"] = response.status_code
        with LOG_LOCK:
            REQUEST_LOG.append(entry)
        return response(environ, start_response)

    def fault(self, service: str, operation: str, account: str, region: str,
              params: dict[str, list[str]], body: bytes) -> Response | None:
        faults = FAULTS
        if faults.latency_seconds:
            time.sleep(faults.latency_seconds)
        if faults.delay_account and account == faults.delay_account and faults.delay_seconds:
            time.sleep(faults.delay_seconds)
        if service in faults.rate_limits and not take_token(faults.rate_limits[service], service,
                                                            account, region):
            return error_for(service, throttle_code(service), "Rate exceeded")
        html = faults.html_errors
        if html and service in html.get("services", []):
            # Counted per account: one count for every account's calls could fall into step
            # with a few accounts polling in turn, and land on the same call each time.
            key = f"html:{service}:{account}"
            with LOG_LOCK:
                count = FAULT_COUNTERS.get(key, 0) + 1
                FAULT_COUNTERS[key] = count
            if count % int(html.get("every", 1)) == 0:
                status = int(html.get("status", 502))
                page = (f"<html><head><title>{status} Bad Gateway</title></head><body><center>"
                        f"<h1>{status} Bad Gateway</h1></center><hr><center>proxy</center></body>"
                        "</html>")
                return Response(page, status=status, content_type="text/html")
        for failure in faults.operation_errors:
            if failure.get("operation") == operation and failure.get("account", account) == account:
                return error_for(service, failure["error"], "injected failure",
                                 int(failure.get("status", 400)))
        if faults.throttle_every and service in faults.throttle_services:
            with LOG_LOCK:
                count = FAULT_COUNTERS.get(service, 0) + 1
                FAULT_COUNTERS[service] = count
            if count % faults.throttle_every == 0:
                return error_for(service, throttle_code(service), "Rate exceeded")
        if account and not regions.is_usable(account, region):
            return regions.refuse_disabled_region()
        if service == "account" and operation == "ListRegions":
            return regions.list_regions(account, body, faults.region_statuses)
        if service == "sts" and operation == "AssumeRole":
            return self.check_assume_role(params)
        if service == "iam" and operation == "ListOrganizationsFeatures":
            return organizations_features(account)
        if service == "cognito-idp":
            for fault in faults.cognito_faults:
                if fault.get("account") == account and fault.get("region") == region:
                    if fault.get("error") == "500":
                        return error_for(service, "InternalErrorException", "injected failure", 500)
                    return error_for(service, fault.get("error", "AccessDeniedException"),
                                     "injected failure")
        if service == "iam" and operation == "GetCredentialReport" and faults.report_in_progress_polls:
            with LOG_LOCK:
                polls = REPORT_POLLS.get(account, 0)
                REPORT_POLLS[account] = polls + 1
            if polls < faults.report_in_progress_polls:
                return query_error("ReportInProgress", "Report generation in progress", 404)
        return None

    def refusal(self, service: str, operation: str, account: str, params: dict[str, list[str]],
                body: bytes) -> Response | None:
        """AWS's refusal of a request stock moto would carry out (iam_users.py,
        organization_policies.py)."""
        if service == "iam" and operation == "EnableMFADevice":
            refused = iam_users.refuse_enable(
                iam_backends[account or DEFAULT_ACCOUNT_ID][PARTITION], params)
            if refused is not None:
                code, message = refused
                return query_error(code, message, 404 if code == "NoSuchEntity" else 409)
        if service == "organizations":
            backend = organizations_backends[account or DEFAULT_ACCOUNT_ID]["aws"]
            refused_json = organization_policies.refuse(operation, body, backend)
            if refused_json is not None:
                status, text = refused_json
                return Response(text, status=status, content_type="application/x-amz-json-1.1")
        return None

    def check_assume_role(self, params: dict[str, list[str]]) -> Response | None:
        role_arn = (params.get("RoleArn") or [""])[0]
        denied = query_error(
            "AccessDenied",
            f"User is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            403,
        )
        match = ROLE_ARN_RE.match(role_arn)
        if not match:
            return None  # let moto validate it
        account_id, role_name = match.groups()
        if account_id in FAULTS.deny_assume_role:
            return denied
        backend = iam_backends[account_id][PARTITION]
        role = next((r for r in backend.roles.values() if r.name == role_name), None)
        if role is None:
            return denied
        expected = external_id_condition(role.assume_role_policy_document)
        given = (params.get("ExternalId") or [None])[0]
        if expected is not None and given != expected:
            return denied
        return None

    def control(self, request: Request) -> Response:
        global FAULTS
        path = request.path
        if path == "/_mfa_ext/health":
            return Response("ok")
        if path == "/_mfa_ext/root" and request.method == "POST":
            body = request.get_json(force=True)
            account = str(body.pop("account_id"))
            set_root_state(account, RootState(**body))
            return Response("{}", content_type="application/json")
        if (path in ("/_mfa_ext/mfa-device", "/_mfa_ext/credential-use")
                and request.method == "POST"):
            body = request.get_json(force=True)
            backend = iam_backends[str(body.get("account_id", DEFAULT_ACCOUNT_ID))][PARTITION]
            try:
                if path == "/_mfa_ext/mfa-device":
                    iam_users.enable_device(backend, body)
                else:
                    iam_users.set_credential_use(backend, body)
            except iam_users.ControlError as error:
                return Response(str(error), status=400)
            return Response("{}", content_type="application/json")
        if path == "/_mfa_ext/organization-features" and request.method == "POST":
            body = request.get_json(force=True)
            ORGANIZATION_FEATURES["trusted_access"] = bool(body.get("trusted_access", False))
            ORGANIZATION_FEATURES["features"] = [str(f) for f in body.get("features", [])]
            return Response("{}", content_type="application/json")
        if path == "/_mfa_ext/regions" and request.method == "POST":
            body = request.get_json(force=True)
            try:
                regions.enable(str(body["account_id"]), [str(r) for r in body.get("enabled", [])])
            except ValueError as error:
                return Response(str(error), status=400)
            return Response("{}", content_type="application/json")
        if path == "/_mfa_ext/faults" and request.method == "POST":
            FAULTS = Faults(**request.get_json(force=True))
            with LOG_LOCK:
                FAULT_COUNTERS.clear()
                REPORT_POLLS.clear()
                BUCKETS.clear()
            REPORTS.clear()
            return Response("{}", content_type="application/json")
        if path == "/_mfa_ext/requests" and request.method == "GET":
            with LOG_LOCK:
                log = list(REQUEST_LOG)
            return Response(json.dumps(log), content_type="application/json")
        if path == "/_mfa_ext/issued-credentials" and request.method == "GET":
            with LOG_LOCK:
                issued = list(ISSUED_SECRETS)
            return Response(json.dumps(issued), content_type="application/json")
        if path == "/_mfa_ext/requests/clear" and request.method == "POST":
            with LOG_LOCK:
                REQUEST_LOG.clear()
            return Response("{}", content_type="application/json")
        return Response("not found", status=404)


SESSION_ENDS: dict[str, float] = {}


def end_session_after(access_key: str, seconds: float, answer: bytes) -> bytes:
    """AssumeRole's answer with its session ending `seconds` from now, and that end enforced."""
    ends = time.time() + seconds
    with LOG_LOCK:
        SESSION_ENDS[access_key] = ends
    stamp = datetime.fromtimestamp(ends, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return re.sub(rb"<Expiration>[^<]*</Expiration>",
                  f"<Expiration>{stamp}</Expiration>".encode(), answer)


def session_expired(access_key: str) -> bool:
    with LOG_LOCK:
        ends = SESSION_ENDS.get(access_key)
    return ends is not None and time.time() >= ends


def own_answer(service: str, operation: str, account: str, region: str,
               params: dict[str, list[str]], body: bytes) -> tuple[int, str, bytes] | None:
    """(HTTP status, content type, body) of an operation this emulator answers itself, as AWS
    does, instead of moto (iam_policies.py, user_pool_mfa.py); None for the others."""
    account = account or DEFAULT_ACCOUNT_ID
    if service == "iam" and operation == "GetAccountAuthorizationDetails":
        status, text = iam_policies.answer_authorization_details(
            iam_backends[account][PARTITION], params)
        return status, "text/xml", text.encode()
    if service == "cognito-idp":
        answered = user_pool_mfa.answer(operation, account, region, body)
        if answered is not None:
            return answered[0], "application/x-amz-json-1.1", answered[1].encode()
    return None


REPORT_OPERATIONS = ("GenerateCredentialReport", "GetCredentialReport")
REPORTS = CredentialReports()


def credential_report_answer(operation: str, account: str, start_response: Any) -> bytes:
    """The credential report as AWS serves it (see credential_report.py)."""
    account = account or DEFAULT_ACCOUNT_ID
    cache = FAULTS.credential_report_cache_seconds
    if operation == "GenerateCredentialReport":
        def snapshot() -> str:
            backend = iam_backends[account][PARTITION]
            backend.generate_report()
            return backend.get_credential_report()

        status, body = REPORTS.generate(account, cache,
                                        FAULTS.credential_report_generation_seconds, snapshot)
    else:
        status, body = REPORTS.get(account, cache)
    data = body.encode()
    start_response(f"{status} {'OK' if status == 200 else 'Error'}",
                   [("Content-Type", "text/xml"), ("Content-Length", str(len(data)))])
    return data


def organizations_features(account: str) -> Response:
    """`iam:ListOrganizationsFeatures`, as AWS answers it (see the module's docstring)."""
    if account:
        # A member-account session: only the management account (or IAM's delegated
        # administrator) may ask.
        return query_error("AccountNotManagementOrDelegatedAdministratorException",
                           "The request was rejected because the account making the request is "
                           "not the management account or delegated administrator account.")
    if not ORGANIZATION_FEATURES["trusted_access"]:
        return query_error("ServiceAccessNotEnabledException",
                           "The request was rejected because trusted access is not enabled for "
                           "IAM in AWS Organizations.")
    backend = organizations_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if backend.org is None:
        return query_error("OrganizationNotFoundException",
                           "The request was rejected because no organization is associated "
                           "with your account.")
    members = "".join(f"<member>{name}</member>" for name in ORGANIZATION_FEATURES["features"])
    body = (
        '<ListOrganizationsFeaturesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        f"<ListOrganizationsFeaturesResult><OrganizationId>{backend.org.id}</OrganizationId>"
        f"<EnabledFeatures>{members}</EnabledFeatures></ListOrganizationsFeaturesResult>"
        "<ResponseMetadata><RequestId>mfa-emulator</RequestId></ResponseMetadata>"
        "</ListOrganizationsFeaturesResponse>"
    )
    return Response(body, status=200, content_type="text/xml")


def rewrite(faults: Faults, service: str, operation: str, account: str, body: bytes) -> bytes:
    """Moto's answer changed as AWS, or a broken or malicious AWS, might answer."""
    rewritten = rewrite_fields(faults, service, operation, account, body)
    if faults.partition:
        rewritten = rewritten.replace(b"arn:aws:", f"arn:{faults.partition}:".encode())
    return rewritten


def rewrite_fields(faults: Faults, service: str, operation: str, account: str,
                   body: bytes) -> bytes:
    for fault in faults.answer_without:
        if fault.get("operation") == operation and fault.get("account", account) == account:
            body = without_field(body, fault["field"], bool(fault.get("empty")))
    for fault in faults.paging_faults:
        if fault.get("operation") != operation or fault.get("account", account) != account:
            continue
        if fault.get("kind") == "truncated_without_marker":
            body = re.sub(rb"<Marker>[^<]*</Marker>", b"", body)
            return re.sub(rb"<IsTruncated>[^<]*</IsTruncated>", b"<IsTruncated>true</IsTruncated>",
                          body)
        if fault.get("kind") == "repeated_token":
            answer = json.loads(body)
            answer["NextToken"] = LOOP_TOKEN
            return json.dumps(answer).encode()
    if operation == "ListAccountsForParent" and faults.hide_from_walk:
        answer = json.loads(body)
        answer["Accounts"] = [a for a in answer.get("Accounts", [])
                              if a.get("Id") not in faults.hide_from_walk]
        return json.dumps(answer).encode()
    if operation == "DescribeOrganization" and faults.organization_drop_fields:
        answer = json.loads(body)
        for name in faults.organization_drop_fields:
            answer.get("Organization", {}).pop(name, None)
        return json.dumps(answer).encode()
    if operation in ACCOUNT_OPERATIONS and (faults.account_state_only or faults.account_states
                                            or faults.account_statuses):
        body = account_lifecycle(faults, operation, body)
    if faults.unnamed_ous or faults.unnamed_accounts or faults.unnamed_pools:
        body = drop_names(faults, operation, body)
    if faults.ou_names or faults.account_names:
        body = rename(faults, operation, body)
    if operation == "ListAccounts" and faults.account_id_rewrite:
        old, new = faults.account_id_rewrite["from"], faults.account_id_rewrite["to"]
        return body.replace(json.dumps(old).encode(), json.dumps(new).encode())
    for report in faults.credential_report_contents:
        if operation == "GetCredentialReport" and report.get("account") == account:
            return re.sub(rb"<Content>[^<]*</Content>",
                          b"<Content>" + report["content_b64"].encode() + b"</Content>", body)
    mfa = faults.mfa_configuration_value
    if operation in POOL_READS and mfa and mfa.get("account") == account:
        answer = json.loads(body)
        setting = answer["UserPool"] if operation == "DescribeUserPool" else answer
        if mfa["value"] is None:
            setting.pop("MfaConfiguration", None)
        else:
            setting["MfaConfiguration"] = mfa["value"]
        return json.dumps(answer).encode()
    return body


POOL_READS = ("DescribeUserPool", "GetUserPoolMfaConfig")


def current_mfa_configuration(account: str, region: str, body: bytes) -> bytes:
    """DescribeUserPool with the pool's MfaConfiguration as it is now, as AWS answers it.

    Stock moto answers the MfaConfiguration the pool was created with after
    SetUserPoolMfaConfig changed it (its extended config overwrites the current value); AWS
    shows the current one in both DescribeUserPool and GetUserPoolMfaConfig."""
    from moto.cognitoidp.models import cognitoidp_backends

    answer = json.loads(body)
    pool = answer.get("UserPool", {})
    backend = cognitoidp_backends[account or DEFAULT_ACCOUNT_ID][region]
    current = backend.user_pools.get(pool.get("Id"))
    if current is not None:
        pool["MfaConfiguration"] = current.mfa_config
    return json.dumps(answer).encode()


ACCOUNT_OPERATIONS = ("ListAccounts", "ListAccountsForParent", "DescribeAccount")


def account_lifecycle(faults: Faults, operation: str, body: bytes) -> bytes:
    """Each Account's State and Status as Organizations answers them today (see Faults)."""
    answer = json.loads(body)
    accounts = [answer["Account"]] if operation == "DescribeAccount" else answer.get("Accounts", [])
    for account in accounts:
        if faults.account_state_only:
            closed = account.get("Status") == "SUSPENDED" or account.get("State") == "SUSPENDED"
            account.pop("Status", None)
            if closed:
                # moto's CloseAccount leaves the old Status's word; AWS's State says CLOSED for
                # an account in its 90-day post-closure period.
                account["State"] = "CLOSED"
        for name, overrides in (("State", faults.account_states),
                                ("Status", faults.account_statuses)):
            if account.get("Id") in overrides:
                value = overrides[account["Id"]]
                if value is None:
                    account.pop(name, None)
                else:
                    account[name] = value
    return json.dumps(answer).encode()


def without_field(body: bytes, name: str, empty: bool) -> bytes:
    """An answer without its field `name` (top level of a JSON answer, any element of an XML
    one), or with it an empty list (`empty`)."""
    if body.lstrip().startswith(b"<"):
        return re.sub(rf"<{name}>.*?</{name}>".encode(), b"", body, flags=re.DOTALL)
    answer = json.loads(body)
    if empty:
        answer[name] = []
    else:
        answer.pop(name, None)
    return json.dumps(answer).encode()


def drop_names(faults: Faults, operation: str, body: bytes) -> bytes:
    """Organizations' answers with some OUs' and accounts' Name left out (see Faults)."""
    lists = {"ListOrganizationalUnitsForParent": ("OrganizationalUnits", faults.unnamed_ous),
             "DescribeOrganizationalUnit": ("OrganizationalUnit", faults.unnamed_ous),
             "ListAccounts": ("Accounts", faults.unnamed_accounts),
             "DescribeAccount": ("Account", faults.unnamed_accounts),
             "ListUserPools": ("UserPools", faults.unnamed_pools),
             "DescribeUserPool": ("UserPool", faults.unnamed_pools)}
    if operation not in lists:
        return body
    key, ids = lists[operation]
    answer = json.loads(body)
    items = answer.get(key)
    for item in items if isinstance(items, list) else [items] if items else []:
        if item.get("Id") in ids:
            item.pop("Name", None)
    return json.dumps(answer).encode()


def rename(faults: Faults, operation: str, body: bytes) -> bytes:
    """Organizations' answers with some OUs and accounts named as AWS allows (see Faults)."""
    lists = {"ListOrganizationalUnitsForParent": ("OrganizationalUnits", faults.ou_names),
             "DescribeOrganizationalUnit": ("OrganizationalUnit", faults.ou_names),
             "ListAccounts": ("Accounts", faults.account_names),
             "ListAccountsForParent": ("Accounts", faults.account_names),
             "DescribeAccount": ("Account", faults.account_names)}
    if operation not in lists:
        return body
    key, names = lists[operation]
    answer = json.loads(body)
    items = answer.get(key)
    for item in items if isinstance(items, list) else [items] if items else []:
        if item.get("Id") in names:
            item["Name"] = names[item["Id"]]
    return json.dumps(answer).encode()


def take_token(limit: dict, service: str, account: str, region: str) -> bool:
    """One request against AWS's rate quota for this key: a token bucket, as AWS meters it."""
    rate = float(limit.get("per_second", 1))
    burst = float(limit.get("burst", rate))
    key = (service, account, region)
    now = time.monotonic()
    with LOG_LOCK:
        tokens, last = BUCKETS.get(key, (burst, now))
        tokens = min(burst, tokens + (now - last) * rate)
        if tokens < 1:
            BUCKETS[key] = (tokens, now)
            return False
        BUCKETS[key] = (tokens - 1, now)
        return True


def delete_first_pool(faults: Faults, account: str, region: str, body: bytes) -> None:
    """A user pool deleted right after it was listed: the race AWS lets a reader meet."""
    if not any(f.get("account") == account and f.get("region") == region
               for f in faults.delete_pool_after_list):
        return
    pools = json.loads(body).get("UserPools", [])
    if pools:
        from moto.cognitoidp.models import cognitoidp_backends

        cognitoidp_backends[account][region].user_pools.pop(pools[0]["Id"], None)


def external_id_condition(document: str) -> str | None:
    """The sts:ExternalId a trust policy requires, if any (StringEquals only, as the seeder writes)."""
    try:
        policy = json.loads(document)
    except (TypeError, ValueError):
        return None
    statements = policy.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        condition = statement.get("Condition", {}).get("StringEquals", {})
        if "sts:ExternalId" in condition:
            return str(condition["sts:ExternalId"])
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--in-container", action="store_true",
                        help="allow a non-loopback --host: only inside a container's own network "
                             "(docker-compose.yml), never on a host")
    args = parser.parse_args()
    host = ipaddress.ip_address(args.host)
    if not host.is_loopback and not args.in_container:
        print(f"mfa_emulator: refusing to bind {args.host}: loopback only", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, Extension(), threaded=True)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(str(port))
        import os

        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"mfa_emulator: listening on http://{args.host}:{port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

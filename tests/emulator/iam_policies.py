"""IAM's identity policies as AWS answers them, where stock moto does not.

- AWS managed policies exist in every account. Stock moto only has them when it loads all ~1,500
  of them into every account at start (`MOTO_IAM_LOAD_MANAGED_POLICIES`, tens of milliseconds and
  megabytes per account: too slow for a 1,000-account benchmark); otherwise
  `AttachUserPolicy` of `arn:aws:iam::aws:policy/AdministratorAccess` answers `NoSuchEntity`.
  Here an AWS managed policy is made, from moto's own copy of AWS's documents, the first time an
  account names it (attach, `GetPolicy`, `GetPolicyVersion`, `ListPolicyVersions`).
  (`ListPolicies` with `Scope=AWS` therefore lists only those an account has named so far; the
  auditor does not call it.)
- `iam:GetAccountAuthorizationDetails` answered as AWS does (`answer_authorization_details`):
  - paginated: `MaxItems` (1 to 1000, 100 when absent) items over the users, groups, roles and
    policies in that order, `IsTruncated` and an opaque `Marker` (stock moto answers everything
    at once and ignores both);
  - `Policies` items carry `PolicyName`, `PolicyId` and `PermissionsBoundaryUsageCount` (stock
    moto leaves the first two out);
  - `AWSManagedPolicy` lists the AWS managed policies in use in the account (attached to a user,
    group or role), each with every version and its document, not the whole AWS catalogue;
  - every policy document (`UserPolicyList`, `GroupPolicyList`, `RolePolicyList`,
    `AssumeRolePolicyDocument`, `PolicyVersionList[].Document`) URL-encoded as RFC 3986
    describes (everything but `A-Z a-z 0-9 - . _ ~` percent-encoded), the text as it was written;
  - a `Filter` value outside `User`, `Role`, `Group`, `LocalManagedPolicy`, `AWSManagedPolicy`
    is a `ValidationError`.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import datetime
from typing import Any, Callable
from urllib.parse import quote
from xml.sax.saxutils import escape

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy, IAMBackend, ManagedPolicy

NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
AWS_POLICY_PREFIX = ":iam::aws:policy"
ENTITY_TYPES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
DEFAULT_MAX_ITEMS = 100

# ---------------------------------------------------------------------------------------------
# AWS managed policies, made when an account first names one
# ---------------------------------------------------------------------------------------------

_CATALOGUE: dict[str, dict[str, Any]] | None = None
_CATALOGUE_LOCK = threading.Lock()


def catalogue() -> dict[str, dict[str, Any]]:
    """moto's copy of AWS's managed policies, by name (parsed once)."""
    global _CATALOGUE
    with _CATALOGUE_LOCK:
        if _CATALOGUE is None:
            _CATALOGUE = json.loads(aws_managed_policies_data)
        return _CATALOGUE


def ensure_aws_managed(backend: IAMBackend, policy_arn: str) -> None:
    """Makes the AWS managed policy `policy_arn` exist in the account, if AWS has one so named."""
    if AWS_POLICY_PREFIX not in policy_arn or policy_arn in backend.managed_policies:
        return
    name = policy_arn.rsplit("/", 1)[-1]
    data = catalogue().get(name)
    if data is None:
        return
    policy = AWSManagedPolicy.from_data(name, backend.account_id, backend.region_name, data)
    if policy.arn != policy_arn:  # the path differs (e.g. service-role/): not this policy
        return
    backend.aws_managed_policies.append(policy)
    backend.managed_policies[policy.arn] = policy


def _naming_policy(method: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: IAMBackend, policy_arn: str, *args: Any, **kwargs: Any) -> Any:
        ensure_aws_managed(self, policy_arn)
        return method(self, policy_arn, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


for _name in ("attach_user_policy", "attach_group_policy", "attach_role_policy", "get_policy",
              "get_policy_version", "list_policy_versions"):
    setattr(IAMBackend, _name, _naming_policy(getattr(IAMBackend, _name)))


# ---------------------------------------------------------------------------------------------
# GetAccountAuthorizationDetails
# ---------------------------------------------------------------------------------------------


def encode_document(document: str) -> str:
    """A policy document as IAM returns it: URL-encoded, RFC 3986."""
    return quote(document, safe="")


def stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def element(name: str, value: Any) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def members(name: str, items: list[str]) -> str:
    return f"<{name}>" + "".join(f"<member>{item}</member>" for item in items) + f"</{name}>"


def inline_policies(list_name: str, policies: dict[str, str]) -> str:
    return members(list_name, [element("PolicyName", name)
                               + element("PolicyDocument", encode_document(document))
                               for name, document in policies.items()])


def attached(policies: dict[str, ManagedPolicy]) -> str:
    return members("AttachedManagedPolicies",
                   [element("PolicyName", p.name) + element("PolicyArn", p.arn)
                    for p in policies.values()])


def tags(backend: IAMBackend, arn: str) -> str:
    listed = backend.tagger.list_tags_for_resource(arn).get("Tags", [])
    if not listed:
        return ""
    return members("Tags", [element("Key", t["Key"]) + element("Value", t["Value"])
                            for t in listed])


def user_detail(backend: IAMBackend, user: Any, groups: list[str]) -> str:
    return ("<member>" + element("Path", user.path) + element("UserName", user.name)
            + element("UserId", user.id) + element("Arn", user.arn)
            + element("CreateDate", stamp(user.create_date))
            + inline_policies("UserPolicyList", user.policies)
            + members("GroupList", [escape(g) for g in groups])
            + attached(user.managed_policies) + tags(backend, user.arn) + "</member>")


def group_detail(group: Any) -> str:
    return ("<member>" + element("Path", group.path) + element("GroupName", group.name)
            + element("GroupId", group.id) + element("Arn", group.arn)
            + element("CreateDate", stamp(group.create_date))
            + inline_policies("GroupPolicyList", group.policies)
            + attached(group.managed_policies) + "</member>")


def role_detail(backend: IAMBackend, role: Any) -> str:
    return ("<member>" + element("Path", role.path) + element("RoleName", role.name)
            + element("RoleId", role.id) + element("Arn", role.arn)
            + element("CreateDate", stamp(role.create_date))
            + element("AssumeRolePolicyDocument",
                      encode_document(role.assume_role_policy_document or ""))
            + "<InstanceProfileList/>"
            + inline_policies("RolePolicyList", role.policies)
            + attached(role.managed_policies) + tags(backend, role.arn) + "</member>")


def policy_detail(policy: ManagedPolicy) -> str:
    versions = [element("Document", encode_document(v.document))
                + element("VersionId", v.version_id)
                + element("IsDefaultVersion", str(bool(v.is_default)).lower())
                + element("CreateDate", stamp(v.create_date))
                for v in policy.versions]
    description = element("Description", policy.description) if policy.description else ""
    return ("<member>" + element("PolicyName", policy.name) + element("PolicyId", policy.id)
            + element("Arn", policy.arn) + element("Path", policy.path)
            + element("DefaultVersionId", policy.default_version_id)
            + element("AttachmentCount", policy.attachment_count)
            + element("PermissionsBoundaryUsageCount", 0)
            + element("IsAttachable", "true") + description
            + element("CreateDate", stamp(policy.create_date))
            + element("UpdateDate", stamp(policy.update_date))
            + members("PolicyVersionList", versions) + "</member>")


def entities(backend: IAMBackend, wanted: set[str]) -> list[tuple[str, Callable[[], str]]]:
    """Every item the filter asks for, in AWS's order (users, groups, roles, policies), each
    as (its list, how to write it)."""
    items: list[tuple[str, Callable[[], str]]] = []
    if "User" in wanted:
        groups_of: dict[str, list[str]] = {}
        for group in backend.groups.values():
            for member in group.users:
                groups_of.setdefault(member.name, []).append(group.name)
        for user in backend.users.values():
            items.append(("UserDetailList",
                          lambda u=user: user_detail(backend, u, groups_of.get(u.name, []))))
    if "Group" in wanted:
        items += [("GroupDetailList", lambda g=g: group_detail(g)) for g in backend.groups.values()]
    if "Role" in wanted:
        items += [("RoleDetailList", lambda r=r: role_detail(backend, r))
                  for r in backend.roles.values()]
    aws_managed = {p.arn for p in backend.aws_managed_policies}
    for policy in backend.managed_policies.values():
        is_aws = policy.arn in aws_managed
        if is_aws and "AWSManagedPolicy" in wanted and policy.attachment_count > 0:
            items.append(("Policies", lambda p=policy: policy_detail(p)))
        elif not is_aws and "LocalManagedPolicy" in wanted:
            items.append(("Policies", lambda p=policy: policy_detail(p)))
    return items


def answer_authorization_details(backend: IAMBackend,
                                 params: dict[str, list[str]]) -> tuple[int, str]:
    """`iam:GetAccountAuthorizationDetails`: (HTTP status, XML body)."""
    filters = {values[0] for key, values in params.items() if key.startswith("Filter.member.")}
    unknown = sorted(filters - set(ENTITY_TYPES))
    if unknown:
        return validation_error(
            f"1 validation error detected: Value '[{', '.join(sorted(filters))}]' at 'filter' "
            f"failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy "
            f"enum value set: [{', '.join(ENTITY_TYPES)}]]")
    wanted = filters or set(ENTITY_TYPES)
    try:
        max_items = int((params.get("MaxItems") or [str(DEFAULT_MAX_ITEMS)])[0])
    except ValueError:
        return validation_error("MaxItems is not a number")
    if not 1 <= max_items <= 1000:
        return validation_error(
            f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
            "constraint: Member must have value between 1 and 1000")
    start = 0
    marker = (params.get("Marker") or [None])[0]
    if marker:
        start = read_marker(marker)
        if start is None:
            return validation_error("Invalid Marker.")
    items = entities(backend, wanted)
    page = items[start:start + max_items]
    truncated = start + max_items < len(items)
    lists: dict[str, list[str]] = {name: [] for name in
                                   ("UserDetailList", "GroupDetailList", "RoleDetailList",
                                    "Policies")}
    for list_name, write in page:
        lists[list_name].append(write())
    body = "".join(f"<{name}>" + "".join(written) + f"</{name}>" for name, written in lists.items())
    body += element("IsTruncated", str(truncated).lower())
    if truncated:
        body += element("Marker", make_marker(start + max_items))
    return 200, (f'<GetAccountAuthorizationDetailsResponse xmlns="{NAMESPACE}">'
                 f"<GetAccountAuthorizationDetailsResult>{body}"
                 "</GetAccountAuthorizationDetailsResult>"
                 "<ResponseMetadata><RequestId>mfa-emulator</RequestId></ResponseMetadata>"
                 "</GetAccountAuthorizationDetailsResponse>")


def make_marker(offset: int) -> str:
    return base64.b64encode(json.dumps({"gaad": offset}).encode()).decode()


def read_marker(marker: str) -> int | None:
    try:
        offset = json.loads(base64.b64decode(marker, validate=True))["gaad"]
    except (ValueError, KeyError, TypeError):
        return None
    return offset if isinstance(offset, int) and offset >= 0 else None


def validation_error(message: str) -> tuple[int, str]:
    return 400, (f"<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>"
                 f"<Message>{escape(message)}</Message></Error>"
                 "<RequestId>mfa-emulator</RequestId></ErrorResponse>")

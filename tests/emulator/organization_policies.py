"""Organizations' service control policies as AWS answers, where stock moto does not.

- `organizations:ListTargetsForPolicy` in pages, as AWS answers it: `MaxResults` (1 to 20, AWS's
  most; 20 when absent) targets and a `NextToken` while more remain. Stock moto answers every
  target at once and ignores both; `p-FullAWSAccess`, attached to the root, every OU and every
  account, has more targets than one page in any organization of more than 19 accounts and OUs.
- `MaxResults` outside 1 to 20 in `ListPolicies` and `ListTargetsForPolicy`, and a `NextToken`
  this emulator did not give, are `InvalidInputException`, as in AWS (moto takes any number).
- `organizations:AttachPolicy` of a service control policy while SCPs are not enabled in the
  root (`EnablePolicyType`) is refused with `PolicyTypeNotEnabledException`, as AWS refuses it;
  stock moto attaches it.
(Stock moto already answers the rest as AWS does: `ListPolicies` with `Filter`
`SERVICE_CONTROL_POLICY`, `DescribePolicy` with its `Content` as plain JSON text, the
`p-FullAWSAccess` policy (`AwsManaged`) attached to the root, every OU and every account, and the
targets' `Type` `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`.)
"""

from __future__ import annotations

import base64
import json
from typing import Any

MAX_RESULTS = 20
PAGED = ("ListPolicies", "ListTargetsForPolicy")
TOKEN_PREFIX = "mfa-emulator-targets:"


def error(code: str, message: str) -> tuple[int, str]:
    return 400, json.dumps({"__type": code, "Message": message, "message": message})


def request_of(body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}


def read_token(token: str) -> int | None:
    try:
        text = base64.b64decode(token, validate=True).decode()
    except ValueError:
        return None
    if not text.startswith(TOKEN_PREFIX) or not text[len(TOKEN_PREFIX):].isdigit():
        return None
    return int(text[len(TOKEN_PREFIX):])


def make_token(offset: int) -> str:
    return base64.b64encode(f"{TOKEN_PREFIX}{offset}".encode()).decode()


def refuse(operation: str, body: bytes, backend: Any) -> tuple[int, str] | None:
    """AWS's refusal of this request (HTTP status, JSON body), or None to let it through."""
    if operation in PAGED:
        request = request_of(body)
        size = request.get("MaxResults")
        if size is not None and (not isinstance(size, int) or not 1 <= size <= MAX_RESULTS):
            return error("InvalidInputException", "You specified an invalid value.")
        token = request.get("NextToken")
        if operation == "ListTargetsForPolicy" and token is not None and read_token(token) is None:
            return error("InvalidInputException",
                         "You specified an invalid value for nextToken. You must get the value "
                         "from the response to a previous call to the API.")
    if operation == "AttachPolicy" and backend is not None and backend.org is not None:
        request = request_of(body)
        policy = next((p for p in backend.policies if p.id == request.get("PolicyId")), None)
        root = backend.ou[0] if backend.ou else None
        enabled = {t["Type"] for t in getattr(root, "policy_types", [])
                   if t.get("Status") == "ENABLED"}
        if policy is not None and policy.type not in enabled:
            return error("PolicyTypeNotEnabledException",
                         "This operation can be performed only for enabled policy types.")
    return None


def page_targets(body: bytes, answer: bytes) -> bytes:
    """moto's whole ListTargetsForPolicy answer, cut to the page the request asked for."""
    request = request_of(body)
    start = read_token(request["NextToken"]) if request.get("NextToken") else 0
    size = request.get("MaxResults") or MAX_RESULTS
    everything = json.loads(answer)
    targets = everything.get("Targets", [])
    page: dict[str, Any] = {"Targets": targets[start or 0:(start or 0) + size]}
    if (start or 0) + size < len(targets):
        page["NextToken"] = make_token((start or 0) + size)
    return json.dumps(page).encode()

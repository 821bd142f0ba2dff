"""Regions as AWS enables them, account by account: what moto does not model.

AWS enables 17 regions in every account by default. The others are opt-in regions (Cape Town,
Hong Kong, Bahrain, ...): each account enables them itself (`account:EnableRegion`), so two accounts
of one organization can have different regions. This reproduces:

- `account:ListRegions` (moto has no Account Management `ListRegions`): every region with its
  opt-in status in the calling account: `ENABLED_BY_DEFAULT` for the 17, `ENABLED` for an opt-in
  region the account enabled, `DISABLED` for the others; `RegionOptStatusContains` filters,
  `MaxResults` (1 to 50, 20 when absent) and `NextToken` page, as AWS does.
- A call into an opt-in region the account has not enabled is refused as AWS refuses it: the
  account's credentials are not valid there, `UnrecognizedClientException` ("The security token
  included in the request is invalid").

The opt-in regions an account enabled are set with POST /_mfa_ext/regions
`{"account_id": "...", "enabled": ["af-south-1"]}`; `region_statuses` in the fault set overrides
what `ListRegions` answers for a region, any text or null for the field absent.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from werkzeug.wrappers import Response

# Enabled in every account, and cannot be disabled.
DEFAULT_REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2",
    "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
)
# Enabled account by account.
OPT_IN_REGIONS = (
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
    "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
)

ENABLED_OPT_IN: dict[str, set[str]] = {}
LOCK = threading.Lock()


def enable(account: str, regions: list[str]) -> None:
    """The opt-in regions `account` has enabled (replacing what it had)."""
    unknown = [region for region in regions if region not in OPT_IN_REGIONS]
    if unknown:
        raise ValueError(f"not opt-in regions: {unknown}")
    with LOCK:
        ENABLED_OPT_IN[account] = set(regions)


def reset() -> None:
    with LOCK:
        ENABLED_OPT_IN.clear()


def is_usable(account: str, region: str) -> bool:
    """Whether the account's credentials work in `region` (not an opt-in region it left off)."""
    if region not in OPT_IN_REGIONS:
        return True
    with LOCK:
        return region in ENABLED_OPT_IN.get(account, set())


def refuse_disabled_region() -> Response:
    return Response(
        json.dumps({"__type": "UnrecognizedClientException",
                    "message": "The security token included in the request is invalid."}),
        status=400, content_type="application/x-amz-json-1.1")


def statuses(account: str, overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Every region and its status in `account`, in name order."""
    with LOCK:
        enabled = set(ENABLED_OPT_IN.get(account, set()))
    listed = []
    for name in sorted(DEFAULT_REGIONS + OPT_IN_REGIONS):
        if name in DEFAULT_REGIONS:
            status: Any = "ENABLED_BY_DEFAULT"
        else:
            status = "ENABLED" if name in enabled else "DISABLED"
        if name in overrides:
            status = overrides[name]
        region: dict[str, Any] = {"RegionName": name}
        if status is not None:
            region["RegionOptStatus"] = status
        listed.append(region)
    return listed


def list_regions(account: str, body: bytes, overrides: dict[str, Any]) -> Response:
    """`account:ListRegions` for the account the request's credentials belong to."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return validation_error("the request body is not JSON")
    if request.get("AccountId") not in (None, account):
        # Another account's regions need the management account and trusted access; the
        # auditor never asks for them.
        return Response(json.dumps({"__type": "AccessDeniedException",
                                    "message": "not authorized for AccountId"}),
                        status=403, content_type="application/x-amz-json-1.1")
    size = request.get("MaxResults", 20)
    if not isinstance(size, int) or not 1 <= size <= 50:
        return validation_error("MaxResults must be between 1 and 50")
    wanted = request.get("RegionOptStatusContains")
    regions = [r for r in statuses(account, overrides)
               if not wanted or r.get("RegionOptStatus") in wanted]
    start = int(request.get("NextToken") or 0)
    page = regions[start:start + size]
    answer: dict[str, Any] = {"Regions": page}
    if start + size < len(regions):
        answer["NextToken"] = str(start + size)
    return Response(json.dumps(answer), status=200, content_type="application/json")


def validation_error(message: str) -> Response:
    return Response(json.dumps({"__type": "ValidationException", "message": message}),
                    status=400, content_type="application/x-amz-json-1.1")

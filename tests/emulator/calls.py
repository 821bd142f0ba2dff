#!/usr/bin/env python3
"""Summarises the emulator's request log: AWS API calls in all, per operation, and per account.

Usage: calls.py --endpoint http://127.0.0.1:PORT [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections import Counter, defaultdict


def summarise(log: list[dict]) -> dict:
    by_operation = Counter(f"{r['service']}:{r['operation']}" for r in log)
    per_account: dict[str, Counter] = defaultdict(Counter)
    for r in log:
        if r["account"]:
            per_account[r["account"]][f"{r['service']}:{r['operation']}"] += 1
    organization_calls = sum(n for op, n in by_operation.items() if op.startswith("organizations:"))
    totals = sorted(sum(c.values()) for c in per_account.values())
    return {
        "total": len(log),
        "organization_calls": organization_calls,
        "accounts": len(per_account),
        "per_account_min": totals[0] if totals else 0,
        "per_account_max": totals[-1] if totals else 0,
        "per_account_mean": round(sum(totals) / len(totals), 2) if totals else 0,
        "by_operation": dict(sorted(by_operation.items())),
        "errors": sum(1 for r in log if r.get("status", 200) >= 400),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with urllib.request.urlopen(f"{args.endpoint.rstrip('/')}/_mfa_ext/requests", timeout=30) as r:
        summary = summarise(json.load(r))
    if args.json:
        json.dump(summary, sys.stdout, indent=2)
        print()
        return 0
    print(f"AWS API calls: {summary['total']} in all, {summary['organization_calls']} to Organizations, "
          f"{summary['errors']} answered with an error")
    print(f"per audited account: {summary['per_account_min']} to {summary['per_account_max']} "
          f"(mean {summary['per_account_mean']}) over {summary['accounts']} accounts")
    for operation, count in summary["by_operation"].items():
        print(f"  {count:6d}  {operation}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The sweep benchmark: seeds an emulated organization of N accounts, measures the emulator's
capacity with a plain load of one cheap call, then sweeps the organization three times (without a
global limit; with one below that capacity; and with that limit searching every region enabled in
each account, `[audit] regions = ["*"]`: AWS's 17 default regions, and an opt-in region some
accounts enabled) and reports, from the emulator's own request log:
wall time, AWS calls in all and per account by operation, achieved request rate as a ratio of the
capacity and of the limit, the peak rate in any one second, the auditor's peak resident memory,
and its time spent writing to PostgreSQL.

Run it through scripts/bench-sweep, which starts PostgreSQL and the emulator and builds release
binaries. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def http(endpoint: str, path: str, method: str = "GET") -> bytes:
    request = urllib.request.Request(f"{endpoint}{path}", method=method)
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def requests_log(endpoint: str) -> list[dict]:
    return json.loads(http(endpoint, "/_mfa_ext/requests"))


def clear_log(endpoint: str) -> None:
    http(endpoint, "/_mfa_ext/requests/clear", "POST")


def run_measured(command: list[str], env: dict) -> tuple[int, str, float, int]:
    """Runs a command; returns exit status, stdout, wall seconds and peak RSS in KiB."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               cwd=ROOT, text=True)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, stdout, time.monotonic() - started, usage.ru_maxrss


def peak_one_second(times: list[float]) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def budget(expected: dict, account_id: str, every_enabled: bool) -> int:
    """The calls one audit of an account makes: 5 (AssumeRole, GetAccountSummary,
    ListVirtualMFADevices, GenerateCredentialReport, GetCredentialReport), a ListUserPools per
    region searched and a DescribeUserPool per pool there; with every enabled region, one
    ListRegions more."""
    seeded = expected["accounts"][account_id]["seeded"]
    regions = seeded["enabled_regions"] if every_enabled else expected["regions"]
    pools = [p for p in seeded["pools"] if p["region"] in regions]
    return 5 + int(every_enabled) + len(regions) + len(pools)


def analyse(log: list[dict], expected: dict, every_enabled: bool) -> dict:
    times = [r["time"] for r in log]
    window = (max(times) - min(times)) if times else 0.0
    # The audit phase: from the first call into an account to the last call. Before it, the
    # organization is listed under its own, lower quota.
    audit_times = [r["time"] for r in log if r["service"] != "organizations"]
    audit_window = (max(audit_times) - min(audit_times)) if audit_times else 0.0
    by_operation = Counter(f"{r['service']}:{r['operation']}" for r in log)
    per_account: dict[str, Counter] = defaultdict(Counter)
    for r in log:
        if r["account"]:
            per_account[r["account"]][f"{r['service']}:{r['operation']}"] += 1
    assessed = [a for a, v in expected["accounts"].items() if v["outcome"] == "assessed"]
    over_budget = 0
    for account_id in assessed:
        seeded = expected["accounts"][account_id]["seeded"]
        calls = sum(per_account[account_id].values())
        # Extra pages of virtual devices are allowed on top of the budget.
        if calls > budget(expected, account_id, every_enabled) + seeded["assigned_virtual_devices"] // 100:
            over_budget += 1
    audit_calls = len(audit_times)
    per_op_per_account = {
        op: round(n / len(assessed), 2) for op, n in sorted(by_operation.items())
        if not op.startswith("organizations:")
    }
    return {
        "calls": len(log),
        "throttled_or_failed": sum(1 for r in log if r.get("status", 200) >= 400),
        "organization_calls": sum(n for op, n in by_operation.items() if op.startswith("organizations:")),
        "window_s": window,
        "rate": len(log) / window if window else 0.0,
        "audit_window_s": audit_window,
        "audit_calls": audit_calls,
        "audit_rate": audit_calls / audit_window if audit_window else 0.0,
        "peak_1s": peak_one_second(times),
        "per_account_mean": round(sum(sum(c.values()) for c in per_account.values()) / max(1, len(per_account)), 2),
        "per_account_max": max((sum(c.values()) for c in per_account.values()), default=0),
        "accounts_over_budget": over_budget,
        "per_operation_per_account": per_op_per_account,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--auditor", required=True, help="the mfa-auditor binary")
    parser.add_argument("--bench", required=True, help="the mfa-bench binary")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=50, help="the global limit of the 2nd sweep")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--load-seconds", type=int, default=15)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    python = os.environ.get("MFA_AUDITOR_PYTHON", sys.executable)

    print(f"seeding {args.accounts} accounts ...", file=sys.stderr)
    expected_path = os.path.join(ROOT, ".scratch", "bench-expected.json")
    started = time.monotonic()
    subprocess.run([python, os.path.join(ROOT, "tests/emulator/seed.py"), "--endpoint", args.endpoint,
                    "--scale", str(args.accounts), "--expected", expected_path], check=True)
    seed_s = time.monotonic() - started
    with open(expected_path) as handle:
        expected = json.load(handle)

    print("measuring the emulator's capacity ...", file=sys.stderr)
    # The cheap call is made as the sweep makes its calls: in a member account, with a session
    # from AssumeRole (moto's cost per request depends on whose credentials sign it).
    probe = next(a for a, v in sorted(expected["accounts"].items()) if v["outcome"] == "assessed")
    load = json.loads(subprocess.run(
        [args.bench, "load", "--endpoint", args.endpoint, "--seconds", str(args.load_seconds),
         "--concurrency", str(args.concurrency),
         "--role-arn", f"arn:aws:iam::{probe}:role/{expected['audit_role_name']}",
         "--external-id", expected["external_id"]],
        check=True, capture_output=True, text=True).stdout)
    capacity = load["rate"]

    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL": args.endpoint,
        "MFA_AUDITOR__LIMITS__CONCURRENCY": str(args.concurrency),
        "RUST_LOG": "warn",
    })
    results = {}
    runs = (("unlimited", 0, False), ("limited", args.limit, False),
            ("every_enabled_region", args.limit, True))
    for name, limit, every_enabled in runs:
        print(f"sweep: {name} ...", file=sys.stderr)
        clear_log(args.endpoint)
        env["MFA_AUDITOR__LIMITS__GLOBAL_PER_SECOND"] = str(limit)
        env["MFA_AUDITOR__AUDIT__REGIONS"] = '["*"]' if every_enabled else json.dumps(expected["regions"])
        status, stdout, wall, rss_kib = run_measured(
            [args.auditor, "--config", "config/default.toml", "-q", "sweep"], env)
        if status not in (0, 2):
            print(stdout, file=sys.stderr)
            raise SystemExit(f"sweep exited {status}")
        store = re.search(r"([0-9.]+) s of it writing to PostgreSQL", stdout)
        figures = analyse(requests_log(args.endpoint), expected, every_enabled)
        figures.update({"wall_s": wall, "peak_rss_mib": rss_kib / 1024,
                        "store_s": float(store.group(1)) if store else None, "limit": limit})
        if limit:
            # What no scheduler can beat under the limit: the audit phase's calls at the limit.
            figures["bound_s"] = figures["audit_calls"] / limit
            figures["bound_over_audit_window"] = figures["bound_s"] / figures["audit_window_s"]
        results[name] = figures

    unlimited, limited = results["unlimited"], results["limited"]
    every = results["every_enabled_region"]
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "accounts": len(expected["accounts"]),
        "seed_s": seed_s,
        "capacity_rps": capacity,
        "capacity_load": load,
        "sweeps": results,
    }
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)

    print(f"## Sweep benchmark, {report['date']}\n")
    print(f"Machine: {report['machine']}. Command: `scripts/bench-sweep --accounts {args.accounts}` "
          f"(release build, concurrency {args.concurrency}).\n")
    print(f"- Organization: {report['accounts']} accounts in 9 OUs, seeded in {seed_s:.0f} s.")
    print(f"- Emulator capacity, plain load of `{load['call']}` in one member account at "
          f"concurrency {args.concurrency}: **{capacity:.0f} requests/s**.\n")
    print(f"| | no global limit | global limit {args.limit}/s | global limit {args.limit}/s, "
          "regions = [\"*\"] |")
    print("|---|---|---|---|")
    rows = [
        ("wall time", lambda r: f"{r['wall_s']:.1f} s"),
        ("AWS calls", lambda r: f"{r['calls']}"),
        ("Organizations calls", lambda r: f"{r['organization_calls']}"),
        ("calls per audited account (mean / max)", lambda r: f"{r['per_account_mean']} / {r['per_account_max']}"),
        ("accounts over their budget (5 + regions + pools (+ pages); + 1 ListRegions with \"*\")",
         lambda r: f"{r['accounts_over_budget']}"),
        ("achieved rate, whole sweep", lambda r: f"{r['rate']:.1f} requests/s"),
        ("achieved rate, audit phase", lambda r: f"{r['audit_rate']:.1f} requests/s over {r['audit_window_s']:.1f} s"),
        ("audit-phase rate / emulator capacity", lambda r: f"{r['audit_rate'] / capacity:.2f}"),
        ("audit-phase rate / limit", lambda r: f"{r['audit_rate'] / r['limit']:.2f}" if r["limit"] else "n/a"),
        ("bound (audit calls / limit) / audit phase", lambda r: f"{r['bound_s']:.1f} s / {r['audit_window_s']:.1f} s = **{r['bound_over_audit_window']:.2f}**" if r["limit"] else "n/a"),
        ("peak requests in any one second (limit + burst allowed)", lambda r: f"{r['peak_1s']}"),
        ("peak resident memory of the auditor", lambda r: f"{r['peak_rss_mib']:.1f} MiB"),
        ("time writing to PostgreSQL", lambda r: f"{r['store_s']:.2f} s" if r["store_s"] is not None else "?"),
    ]
    for label, cell in rows:
        print(f"| {label} | {cell(unlimited)} | {cell(limited)} | {cell(every)} |")
    for title, run in (("the listed regions, no global limit", unlimited),
                       ("every enabled region", every)):
        print(f"\nCalls per audited account, by operation ({title}):\n")
        for op, n in run["per_operation_per_account"].items():
            print(f"- `{op}`: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

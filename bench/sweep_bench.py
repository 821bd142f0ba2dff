#!/usr/bin/env python3
"""The sweep benchmark: seeds an emulated organization of N accounts, measures the emulator's
capacity with a plain load of one cheap call, then sweeps the organization twice (without a
global limit, and with one below that capacity) and reports, from the emulator's own request log:
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


def analyse(log: list[dict], expected: dict) -> dict:
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
    regions = len(expected["regions"])
    assessed = [a for a, v in expected["accounts"].items() if v["outcome"] == "assessed"]
    over_budget = 0
    for account_id in assessed:
        seeded = expected["accounts"][account_id]["seeded"]
        budget = 5 + regions + len(seeded["pools"])
        calls = sum(per_account[account_id].values())
        # Extra pages of virtual devices are allowed on top of the budget.
        if calls > budget + seeded["assigned_virtual_devices"] // 100:
            over_budget += 1
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
        "audit_rate": len(audit_times) / audit_window if audit_window else 0.0,
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
    for name, limit in (("unlimited", 0), ("limited", args.limit)):
        print(f"sweep: {name} ...", file=sys.stderr)
        clear_log(args.endpoint)
        env["MFA_AUDITOR__LIMITS__GLOBAL_PER_SECOND"] = str(limit)
        status, stdout, wall, rss_kib = run_measured(
            [args.auditor, "--config", "config/default.toml", "-q", "sweep"], env)
        if status not in (0, 2):
            print(stdout, file=sys.stderr)
            raise SystemExit(f"sweep exited {status}")
        store = re.search(r"([0-9.]+) s of it writing to PostgreSQL", stdout)
        figures = analyse(requests_log(args.endpoint), expected)
        figures.update({"wall_s": wall, "peak_rss_mib": rss_kib / 1024,
                        "store_s": float(store.group(1)) if store else None, "limit": limit})
        results[name] = figures

    unlimited, limited = results["unlimited"], results["limited"]
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
    print("| | no global limit | global limit " + str(args.limit) + "/s |")
    print("|---|---|---|")
    rows = [
        ("wall time", lambda r: f"{r['wall_s']:.1f} s"),
        ("AWS calls", lambda r: f"{r['calls']}"),
        ("Organizations calls", lambda r: f"{r['organization_calls']}"),
        ("calls per audited account (mean / max)", lambda r: f"{r['per_account_mean']} / {r['per_account_max']}"),
        ("accounts over 5 + regions + pools (+ pages)", lambda r: f"{r['accounts_over_budget']}"),
        ("achieved rate, whole sweep", lambda r: f"{r['rate']:.1f} requests/s"),
        ("achieved rate, audit phase", lambda r: f"{r['audit_rate']:.1f} requests/s over {r['audit_window_s']:.1f} s"),
        ("audit-phase rate / emulator capacity", lambda r: f"{r['audit_rate'] / capacity:.2f}"),
        ("audit-phase rate / limit", lambda r: f"{r['audit_rate'] / r['limit']:.2f}" if r["limit"] else "n/a"),
        ("peak requests in any one second (limit + burst allowed)", lambda r: f"{r['peak_1s']}"),
        ("peak resident memory of the auditor", lambda r: f"{r['peak_rss_mib']:.1f} MiB"),
        ("time writing to PostgreSQL", lambda r: f"{r['store_s']:.2f} s" if r["store_s"] is not None else "?"),
    ]
    for label, cell in rows:
        print(f"| {label} | {cell(unlimited)} | {cell(limited)} |")
    print("\nCalls per audited account, by operation (no global limit):\n")
    for op, n in unlimited["per_operation_per_account"].items():
        print(f"- `{op}`: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What throttling costs a sweep: the same organization swept three times, against the emulator
without faults, with a storm (every third IAM and Cognito call throttled), and with AWS's own
kind of limit (a token bucket per account and service that admits fewer calls than the auditor's
configured rates). Reports, from the emulator's request log: wall time, calls, throttled calls,
the time each costs against the fault-free sweep, whether every verdict was decided (no control
ERROR), and for the token buckets the bound they set and the ratio bound / wall.

Run it through scripts/bench-storm, which starts PostgreSQL and the emulator and builds release
binaries. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def http(endpoint: str, path: str, method: str = "GET", body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{endpoint}{path}", method=method, data=data,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


def sweep(args: argparse.Namespace, env: dict, faults: dict) -> dict:
    http(args.endpoint, "/_mfa_ext/faults", "POST", faults)
    http(args.endpoint, "/_mfa_ext/requests/clear", "POST")
    started = time.monotonic()
    done = subprocess.run([args.auditor, "--config", "config/default.toml", "-q", "sweep"],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode not in (0, 2):
        print(done.stdout, done.stderr, file=sys.stderr)
        raise SystemExit(f"sweep exited {done.returncode}")
    log = json.loads(http(args.endpoint, "/_mfa_ext/requests"))
    http(args.endpoint, "/_mfa_ext/faults", "POST", {})
    report = json.loads(subprocess.run(
        [args.auditor, "--config", "config/default.toml", "report", "--format", "json"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    errors = sum(1 for a in report["accounts"] for c in a["controls"] if c["status"] == "ERROR")
    iam_per_account: dict[str, int] = {}
    for r in log:
        # Answered calls: what each account needs from its IAM quota, throttles aside.
        if r["service"] == "iam" and r["account"] and r.get("status") == 200:
            iam_per_account[r["account"]] = iam_per_account.get(r["account"], 0) + 1
    return {
        "wall_s": wall,
        "calls": len(log),
        "throttled": sum(1 for r in log if r.get("status") == 400),
        "controls_in_error": errors,
        "iam_calls_per_account_max": max(iam_per_account.values(), default=0),
        "iam_calls_per_account_mean": (sum(iam_per_account.values()) / len(iam_per_account)
                                       if iam_per_account else 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--auditor", required=True, help="the mfa-auditor binary")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--bucket-rate", type=float, default=2.0,
                        help="the token buckets' calls per second, per account and service")
    parser.add_argument("--bucket-burst", type=float, default=2.0)
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    python = os.environ.get("MFA_AUDITOR_PYTHON", sys.executable)

    print(f"seeding {args.accounts} accounts ...", file=sys.stderr)
    expected_path = os.path.join(ROOT, ".scratch", "storm-expected.json")
    subprocess.run([python, os.path.join(ROOT, "tests/emulator/seed.py"), "--endpoint",
                    args.endpoint, "--scale", str(args.accounts), "--expected", expected_path],
                   check=True)
    with open(expected_path) as handle:
        expected = json.load(handle)
    audited = sum(1 for a in expected["accounts"].values() if a["outcome"] == "assessed")

    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL": args.endpoint,
        "MFA_AUDITOR__LIMITS__CONCURRENCY": str(args.concurrency),
        "RUST_LOG": "warn",
    })
    bucket = {"per_second": args.bucket_rate, "burst": args.bucket_burst}
    runs = {}
    for name, faults in (
        ("fault-free", {}),
        ("storm", {"throttle_services": ["iam", "cognito-idp"], "throttle_every": 3}),
        ("token buckets", {"rate_limits": {"iam": bucket, "cognito-idp": bucket}}),
    ):
        print(f"sweep: {name} ...", file=sys.stderr)
        runs[name] = sweep(args, env, faults)

    # The token buckets' bound: each account's answered IAM calls past the burst, at the
    # bucket's rate, `concurrency` accounts at a time; and never less than the fault-free sweep.
    buckets = runs["token buckets"]
    per_account = max(0.0, (buckets["iam_calls_per_account_mean"] - args.bucket_burst)
                      / args.bucket_rate)
    bound = max(runs["fault-free"]["wall_s"], per_account * audited / args.concurrency)
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "accounts": len(expected["accounts"]),
        "audited": audited,
        "runs": runs,
        "bucket": bucket,
        "bucket_bound_s": bound,
    }
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)

    base = runs["fault-free"]["wall_s"]
    print(f"## Throttling benchmark, {report['date']}\n")
    print(f"Machine: {report['machine']}. Command: `scripts/bench-storm --accounts "
          f"{args.accounts}` (release build, concurrency {args.concurrency}).\n")
    print("| | fault-free | storm: every 3rd IAM and Cognito call throttled | token buckets: "
          f"{args.bucket_rate:g}/s, burst {args.bucket_burst:g}, per account and service |")
    print("|---|---|---|---|")
    rows = [
        ("wall time", lambda r: f"{r['wall_s']:.1f} s"),
        ("wall time / fault-free", lambda r: f"{r['wall_s'] / base:.2f}"),
        ("AWS calls", lambda r: f"{r['calls']}"),
        ("throttled calls", lambda r: f"{r['throttled']}"),
        ("controls in ERROR", lambda r: f"{r['controls_in_error']}"),
        ("answered IAM calls per account (mean / max)",
         lambda r: f"{r['iam_calls_per_account_mean']:.2f} / {r['iam_calls_per_account_max']}"),
    ]
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(runs[n]) for n in runs) + " |")
    print(f"\nToken buckets: bound {bound:.1f} s, the larger of the fault-free sweep and each "
          f"account's answered IAM calls past the burst at {args.bucket_rate:g}/s, "
          f"{args.concurrency} accounts at a time; bound / wall = "
          f"**{bound / buckets['wall_s']:.2f}**.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

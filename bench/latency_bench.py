#!/usr/bin/env python3
"""The latency benchmark: a sweep against an emulator that answers like AWS at a distance (every
answer delayed by --latency-ms, every new credential report ready --report-seconds after its
generation starts), at each --accounts size. Reports, from the emulator's request log: wall time,
calls per account by operation (report polls included), the bound for the run and the achieved
ratio bound / wall.

The bound is what no scheduler can beat on this emulator: the organization's listing (measured:
it runs under its own quota), then the larger of the audit's calls at the emulator's measured
capacity under the same latency, and one account's longest chain (AssumeRole, then
GenerateCredentialReport, the report's generation time, and GetCredentialReport: three answers
and the wait).

Run it through scripts/bench-latency, which starts PostgreSQL and the emulator and builds release
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sweep_bench import ROOT, analyse, clear_log, requests_log, run_measured  # noqa: E402


def set_faults(endpoint: str, faults: dict) -> None:
    request = urllib.request.Request(f"{endpoint}/_mfa_ext/faults", data=json.dumps(faults).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def one_size(args, python: str, accounts: int, env: dict) -> dict:
    set_faults(args.endpoint, {})
    print(f"seeding {accounts} accounts ...", file=sys.stderr)
    expected_path = os.path.join(ROOT, ".scratch", f"latency-expected-{accounts}.json")
    subprocess.run([python, os.path.join(ROOT, "tests/emulator/seed.py"), "--endpoint",
                    args.endpoint, "--scale", str(accounts), "--expected", expected_path],
                   check=True)
    with open(expected_path) as handle:
        expected = json.load(handle)

    latency = args.latency_ms / 1000
    faults = {"latency_seconds": latency,
              "credential_report_generation_seconds": args.report_seconds}
    set_faults(args.endpoint, faults)
    print("measuring the emulator's capacity under the latency ...", file=sys.stderr)
    probe = next(a for a, v in sorted(expected["accounts"].items()) if v["outcome"] == "assessed")
    load = json.loads(subprocess.run(
        [args.bench, "load", "--endpoint", args.endpoint, "--seconds", str(args.load_seconds),
         "--concurrency", str(args.concurrency),
         "--role-arn", f"arn:aws:iam::{probe}:role/{expected['audit_role_name']}",
         "--external-id", expected["external_id"]],
        check=True, capture_output=True, text=True).stdout)
    capacity = load["rate"]

    set_faults(args.endpoint, faults)  # a fresh start: no report made yet
    clear_log(args.endpoint)
    print(f"sweeping {accounts} accounts ...", file=sys.stderr)
    status, stdout, wall, rss_kib = run_measured(
        [args.auditor, "--config", "config/default.toml", "-q", "sweep"], env)
    if status not in (0, 2):
        print(stdout, file=sys.stderr)
        raise SystemExit(f"sweep exited {status}")
    log = requests_log(args.endpoint)
    figures = analyse(log, expected)
    audit = [r for r in log if r["service"] != "organizations"]
    organization = [r for r in log if r["service"] == "organizations"]
    org_phase = (max(r["time"] for r in organization) - min(r["time"] for r in organization)
                 + latency) if organization else 0.0
    chain = args.report_seconds + 3 * latency
    bound = org_phase + max(len(audit) / capacity, chain)
    assessed = sum(1 for v in expected["accounts"].values() if v["outcome"] == "assessed")
    polls = sum(1 for r in audit if r["operation"] == "GetCredentialReport")
    return {
        "accounts": len(expected["accounts"]),
        "assessed": assessed,
        "capacity_rps": capacity,
        "wall_s": wall,
        "peak_rss_mib": rss_kib / 1024,
        "organization_phase_s": org_phase,
        "audit_calls": len(audit),
        "audit_calls_over_capacity_s": len(audit) / capacity,
        "chain_s": chain,
        "bound_s": bound,
        "ratio": bound / wall,
        "report_polls_per_account": polls / assessed,
        "figures": figures,
    }


def print_report(runs: list[dict], meta: dict) -> None:
    sizes = " ".join(str(r["accounts_asked"]) for r in runs)
    print(f"## Latency benchmark, {meta['date']}\n")
    print(f"Machine: {meta['machine']}. Command: `scripts/bench-latency {sizes}` (release build; "
          f"every answer {meta['latency_ms']:.0f} ms late, a new credential report ready "
          f"{meta['report_seconds']:.0f} s after it starts; `limits.concurrency` "
          f"{meta['concurrency']} requests in flight, default accounts in flight).\n")
    print("| | " + " | ".join(f"{r['accounts']} accounts" for r in runs) + " |")
    print("|---" * (len(runs) + 1) + "|")
    rows = [
        ("wall time", lambda r: f"{r['wall_s']:.1f} s"),
        ("emulator capacity under the latency", lambda r: f"{r['capacity_rps']:.0f} requests/s"),
        ("organization listing (measured)", lambda r: f"{r['organization_phase_s']:.1f} s"),
        ("audit calls / capacity", lambda r: f"{r['audit_calls']} / {r['capacity_rps']:.0f} = {r['audit_calls_over_capacity_s']:.1f} s"),
        ("one account's chain (report wait + 3 answers)", lambda r: f"{r['chain_s']:.2f} s"),
        ("bound", lambda r: f"{r['bound_s']:.1f} s"),
        ("**bound / wall**", lambda r: f"**{r['ratio']:.2f}**"),
        ("report polls per account", lambda r: f"{r['report_polls_per_account']:.2f}"),
        ("calls per audited account (mean / max)", lambda r: f"{r['figures']['per_account_mean']} / {r['figures']['per_account_max']}"),
        ("peak resident memory", lambda r: f"{r['peak_rss_mib']:.1f} MiB"),
    ]
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(r) for r in runs) + " |")
    for r in runs:
        print(f"\nCalls per audited account by operation, {r['accounts']} accounts:\n")
        for op, n in r["figures"]["per_operation_per_account"].items():
            print(f"- `{op}`: {n}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--report", nargs="+", metavar="JSON",
                        help="print the table of these runs' figures and exit")
    parser.add_argument("--endpoint")
    parser.add_argument("--auditor", help="the mfa-auditor binary")
    parser.add_argument("--bench", help="the mfa-bench binary")
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--report-seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=16,
                        help="limits.concurrency (requests in flight); the default's")
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if args.report:
        runs = []
        for path in args.report:
            with open(path) as handle:
                runs.append(json.load(handle))
        print_report(runs, runs[0])
        return 0
    python = os.environ.get("MFA_AUDITOR_PYTHON", sys.executable)
    env = dict(os.environ)
    env.update({
        "AWS_ENDPOINT_URL": args.endpoint,
        "MFA_AUDITOR__LIMITS__CONCURRENCY": str(args.concurrency),
        "RUST_LOG": "warn",
    })
    run = one_size(args, python, args.accounts, env)
    run.update({
        "accounts_asked": args.accounts,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "latency_ms": args.latency_ms,
        "report_seconds": args.report_seconds,
        "concurrency": args.concurrency,
    })
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(run, handle, indent=2)
    print_report([run], run)
    return 0


if __name__ == "__main__":
    sys.exit(main())

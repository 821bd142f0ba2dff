#!/usr/bin/env python3
"""The latency benchmark: sweeps against an emulator that answers like AWS at a distance (every
answer delayed by --latency-ms, every new credential report ready --report-seconds after its
generation starts), at each --accounts size, twice over the same organization: with the reads
beyond the five controls (`[audit] mfa_devices` and `policies`, the default) and with both off.
Reports, from the emulator's request log: wall time, calls per account by operation (report
polls included), GetAccountAuthorizationDetails pages, ListMFADevices per user with MFA, the
SCPs' Organizations calls, the bound for the run and the achieved ratio bound / wall (target
>= 0.8).

The bound is what no scheduler can beat on this emulator under the auditor's configured
per-account IAM pace: the organization's listing (measured: it runs under its own quota, and
holds the one read of the SCPs), then the larger of the audit's calls at the emulator's measured
capacity under the same latency, and the longest account's chain: AssumeRole, then
GenerateCredentialReport, the report's generation time, and GetCredentialReport (three answers
and the wait), then, with the facts, its users' ListMFADevices reads, which need the report's
users with MFA, at the account's IAM limit (`limits.iam_per_second_per_account`, 10/s after a
burst of 10: the limiter is full again after the report's wait) and one answer more.

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
from sweep_bench import (ROOT, analyse, clear_log, requests_log, run_measured,  # noqa: E402
                         sweep_said, users_with_mfa)

# The auditor's default `limits.iam_per_second_per_account`, and its burst (one second's worth).
IAM_PER_SECOND = 10
IAM_BURST = 10
BOUND_TARGET = 0.8


def set_faults(endpoint: str, faults: dict) -> None:
    request = urllib.request.Request(f"{endpoint}/_mfa_ext/faults", data=json.dumps(faults).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def capacity_under_latency(args, expected: dict) -> dict:
    probe = next(a for a, v in sorted(expected["accounts"].items()) if v["outcome"] == "assessed")
    return json.loads(subprocess.run(
        [args.bench, "load", "--endpoint", args.endpoint, "--seconds", str(args.load_seconds),
         "--concurrency", str(args.concurrency),
         "--role-arn", f"arn:aws:iam::{probe}:role/{expected['audit_role_name']}",
         "--external-id", expected["external_id"]],
        check=True, capture_output=True, text=True).stdout)


def longest_chain(args, expected: dict, facts: bool) -> tuple[float, str]:
    """The longest chain of waits one account cannot shorten, and that account's name."""
    latency = args.latency_ms / 1000
    best, name = 0.0, ""
    for account_id, entry in expected["accounts"].items():
        if entry["outcome"] != "assessed":
            continue
        chain = args.report_seconds + 3 * latency
        devices = users_with_mfa(expected, account_id) if facts else 0
        if devices:
            chain += latency + max(0, devices - IAM_BURST) / IAM_PER_SECOND
        if chain > best:
            best, name = chain, entry["account_name"]
    return best, name


def one_sweep(args, expected: dict, env: dict, facts: bool) -> dict:
    latency = args.latency_ms / 1000
    faults = {"latency_seconds": latency,
              "credential_report_generation_seconds": args.report_seconds}
    set_faults(args.endpoint, faults)
    print("measuring the emulator's capacity under the latency ...", file=sys.stderr)
    load = capacity_under_latency(args, expected)
    capacity = load["rate"]

    set_faults(args.endpoint, faults)  # a fresh start: no report made yet
    clear_log(args.endpoint)
    env = dict(env)
    env["MFA_AUDITOR__AUDIT__MFA_DEVICES"] = str(facts).lower()
    env["MFA_AUDITOR__AUDIT__POLICIES"] = str(facts).lower()
    print(f"sweeping, facts {'on' if facts else 'off'} ...", file=sys.stderr)
    stderr_path = os.path.join(ROOT, ".scratch", f"bench-latency-{'on' if facts else 'off'}.stderr")
    status, stdout, wall, rss_kib = run_measured(
        [args.auditor, "--config", "config/default.toml", "-q", "sweep"], env, stderr_path)
    if status not in (0, 2):
        print(stdout, file=sys.stderr)
        raise SystemExit(f"sweep exited {status}")
    log = requests_log(args.endpoint)
    figures = analyse(log, expected, False, facts, polls_beyond_budget=True)
    figures.update({"exit_status": status, "sweep": sweep_said(stdout, stderr_path)})
    # The audit: the calls into accounts. Before it, measured: the organization's listing,
    # centralized root access and, with the facts, the SCPs (the caller's own calls), and the
    # last one's answer.
    audit = [r for r in log if r["account"]]
    org_phase = figures["before_audit_s"] + latency
    chain, chain_account = longest_chain(args, expected, facts)
    bound = org_phase + max(len(audit) / capacity, chain)
    assessed = sum(1 for v in expected["accounts"].values() if v["outcome"] == "assessed")
    polls = sum(1 for r in audit if r["operation"] == "GetCredentialReport")
    return {
        "facts": facts,
        "capacity_rps": capacity,
        "capacity_load": load,
        "wall_s": wall,
        "peak_rss_mib": rss_kib / 1024,
        "organization_phase_s": org_phase,
        "audit_calls": len(audit),
        "audit_calls_over_capacity_s": len(audit) / capacity,
        "chain_s": chain,
        "chain_account": chain_account,
        "bound_s": bound,
        "ratio": bound / wall,
        "report_polls_per_account": polls / assessed,
        "figures": figures,
    }


def one_size(args, python: str, accounts: int, env: dict) -> dict:
    set_faults(args.endpoint, {})
    print(f"seeding {accounts} accounts ...", file=sys.stderr)
    expected_path = os.path.join(ROOT, ".scratch", f"latency-expected-{accounts}.json")
    subprocess.run([python, os.path.join(ROOT, "tests/emulator/seed.py"), "--endpoint",
                    args.endpoint, "--scale", str(accounts), "--expected", expected_path],
                   check=True)
    with open(expected_path) as handle:
        expected = json.load(handle)
    sweeps = {"facts_on": one_sweep(args, expected, env, True),
              "facts_off": one_sweep(args, expected, env, False)}
    return {
        "accounts": len(expected["accounts"]),
        "assessed": sum(1 for v in expected["accounts"].values() if v["outcome"] == "assessed"),
        "sweeps": sweeps,
    }


def print_report(sizes: list[dict], meta: dict) -> None:
    asked = " ".join(str(r["accounts_asked"]) for r in sizes)
    print(f"## Latency benchmark, {meta['date']}\n")
    print(f"Machine: {meta['machine']}. Command: `scripts/bench-latency {asked}` (release build; "
          f"every answer {meta['latency_ms']:.0f} ms late, a new credential report ready "
          f"{meta['report_seconds']:.0f} s after it starts; `limits.concurrency` "
          f"{meta['concurrency']} requests in flight, default accounts in flight; each size swept "
          "with the facts beyond the controls on, then off).\n")
    columns = [(size, size["sweeps"][key], label) for size in sizes
               for key, label in (("facts_on", "facts on"), ("facts_off", "facts off"))]
    print("| | " + " | ".join(f"{size['accounts']} accounts, {label}"
                              for size, _, label in columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    rows = [
        ("wall time", lambda r: f"{r['wall_s']:.1f} s"),
        ("emulator capacity under the latency", lambda r: f"{r['capacity_rps']:.0f} requests/s"),
        ("before the audit: organization listing, SCPs (measured)", lambda r: f"{r['organization_phase_s']:.1f} s"),
        ("Organizations calls (of them for the SCPs)",
         lambda r: f"{r['figures']['organization_calls']} ({r['figures']['scp_calls']})"),
        ("audit calls / capacity", lambda r: f"{r['audit_calls']} / {r['capacity_rps']:.0f} = {r['audit_calls_over_capacity_s']:.1f} s"),
        ("longest account's chain (report wait + 3 answers; with the facts, its device reads at 10/s)",
         lambda r: f"{r['chain_s']:.2f} s ({r['chain_account']})"),
        ("bound", lambda r: f"{r['bound_s']:.1f} s"),
        (f"**bound / wall** (target ≥ {BOUND_TARGET})",
         lambda r: f"**{r['ratio']:.2f}** ({r['ratio'] / BOUND_TARGET:.2f} × target)"),
        ("audit phase (measured): calls / its time",
         lambda r: f"{r['audit_calls']} / {r['figures']['audit_window_s']:.1f} s = "
                   f"{r['audit_calls'] / r['figures']['audit_window_s']:.0f} requests/s"),
        ("the account whose calls spanned longest",
         lambda r: f"{r['figures']['longest_account']['name']}: {r['figures']['longest_account']['calls']} "
                   f"calls from {r['figures']['longest_account']['first_call_s']} s to "
                   f"{r['figures']['longest_account']['last_call_s']} s"),
        ("report polls per account", lambda r: f"{r['report_polls_per_account']:.2f}"),
        ("calls per audited account (mean / max)",
         lambda r: f"{r['figures']['per_assessed_account_mean']} / {r['figures']['per_account_max']}"),
        ("accounts assessed / errored (the sweep's own count; 1 errors by design)",
         lambda r: f"{r['figures']['sweep'].get('assessed', '?')} / {r['figures']['sweep'].get('errored', '?')}"),
        ("accounts over / under their budget (report polls apart)",
         lambda r: f"{r['figures']['accounts_over_budget']} / {r['figures']['accounts_under_budget']}"),
        ("`GetAccountAuthorizationDetails` pages per account (mean / max)",
         lambda r: f"{r['figures']['gaad_pages_per_account_mean']} / {r['figures']['gaad_pages_per_account_max']}"),
        ("`ListMFADevices` per user with MFA",
         lambda r: f"{r['figures']['list_mfa_devices_calls']} / {r['figures']['users_with_mfa']} = "
                   f"{r['figures']['list_mfa_devices_per_mfa_user']:.2f}"),
        ("`GetUserPoolMfaConfig` / pools in scope asking for MFA",
         lambda r: f"{r['figures']['get_user_pool_mfa_config_calls']} / {r['figures']['pools_asking_for_mfa']}"),
        ("peak resident memory", lambda r: f"{r['peak_rss_mib']:.1f} MiB"),
    ]
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(r) for _, r, _ in columns) + " |")
    for size in sizes:
        on, off = size["sweeps"]["facts_on"]["figures"], size["sweeps"]["facts_off"]["figures"]
        print(f"\nCalls per audited account by operation, {size['accounts']} accounts "
              "(facts on / off):\n")
        ops = sorted(set(on["per_operation_per_account"]) | set(off["per_operation_per_account"]))
        for op in ops:
            print(f"- `{op}`: {on['per_operation_per_account'].get(op, 0.0)} / "
                  f"{off['per_operation_per_account'].get(op, 0.0)}")
        for name, run in (("facts on", on), ("facts off", off)):
            print(f"\nCalls into accounts in each second of the audit phase, {size['accounts']} "
                  f"accounts, {name}: {run['audit_per_second']}")
            for which in ("over_budget", "under_budget"):
                for entry in run[which][:5]:
                    print(f"\n{size['accounts']} accounts, {name}: {entry['name']} "
                          f"({entry['account']}) {which.replace('_', ' ')}: {entry['calls']} "
                          f"calls, budget {entry['budget']}: {entry['by_operation']}")


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

#!/usr/bin/env python3
"""The history benchmark: writes a synthetic history (bench/history.sql) of N accounts x M
nightly sweeps, then times each view's typical queries (whole organization, one account, one
control) over repeated runs with psql's \\timing, and reports p50/p95 and the database's size.

Run it through scripts/bench-history, which starts PostgreSQL and applies the migrations.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ONE_ACCOUNT = "100000000500"

QUERIES = {
    "current_findings": {
        "whole organization": "SELECT control_id, count(*) FROM current_findings "
                              "WHERE status = 'FAILED' AND account_state IN ('current', 'stale') "
                              "GROUP BY control_id",
        "one account": f"SELECT control_id, resource_id, status, failing_since, last_assessed_at "
                       f"FROM current_findings WHERE account_id = '{ONE_ACCOUNT}'",
        "one control": "SELECT account_id, resource_id, failing_since FROM current_findings "
                       "WHERE control_id = 'IAM.9' AND status = 'FAILED' ORDER BY failing_since",
        # docs/sql.md, "MFA strength": what to fix first, as the reports' "Fix first" lists it.
        "what to fix first": "SELECT account_id, resource_id, min(priority) AS priority, "
                             "string_agg(control_id, ', ' ORDER BY control_id) AS controls "
                             "FROM current_findings "
                             "WHERE status = 'FAILED' AND priority IS NOT NULL "
                             "AND exception_id IS NULL "
                             "GROUP BY account_id, resource_id "
                             "ORDER BY CASE min(priority) WHEN 'critical' THEN 1 "
                             "WHEN 'high' THEN 2 WHEN 'medium' THEN 3 ELSE 4 END, "
                             "account_id, resource_id",
    },
    "changes_since_previous_sweep": {
        "whole organization": "SELECT change, control_id, count(*) FROM changes_since_previous_sweep "
                              "GROUP BY change, control_id",
        "one account": f"SELECT control_id, resource_id, change FROM changes_since_previous_sweep "
                       f"WHERE account_id = '{ONE_ACCOUNT}'",
        "one control": "SELECT account_id, resource_id, change FROM changes_since_previous_sweep "
                       "WHERE control_id = 'IAM.5'",
    },
    "account_control_history": {
        "whole organization": "SELECT control_id, status, count(*) FROM account_control_history "
                              "WHERE sweep_started_at > now() - interval '7 days' "
                              "GROUP BY control_id, status",
        "one account": f"SELECT sweep_started_at, control_id, status, failed_resources "
                       f"FROM account_control_history WHERE account_id = '{ONE_ACCOUNT}'",
        "one control": f"SELECT sweep_started_at, status FROM account_control_history "
                       f"WHERE account_id = '{ONE_ACCOUNT}' AND control_id = 'IAM.19'",
    },
    "mfa_coverage": {
        "the year, per OU":
            "SELECT sweep_id, sweep_started_at, control_id, top_level_ou, accounts_assessed, "
            "in_scope, with_mfa FROM mfa_coverage "
            "WHERE sweep_started_at > now() - interval '366 days' "
            "ORDER BY sweep_started_at, sweep_id, control_id, top_level_ou",
        "the year, organization": "SELECT sweep_started_at, control_id, sum(in_scope), "
                                  "sum(with_mfa) FROM mfa_coverage "
                                  "GROUP BY sweep_started_at, control_id",
        "latest sweep, OUs worst first": "SELECT control_id, top_level_ou, share FROM mfa_coverage "
                                         "WHERE sweep_id = (SELECT sweep_id FROM sweeps "
                                         "ORDER BY started_at DESC LIMIT 1) AND in_scope > 0 "
                                         "ORDER BY share",
    },
    "mfa_strength": {
        # crates/store/src/coverage.rs: the year before the report's sweep, each coverage point
        # with its phishing-resistant count.
        "the year, per OU, beside mfa_coverage (the HTML report's read)":
            "SELECT c.sweep_id, c.sweep_started_at, c.control_id, c.top_level_ou, "
            "c.accounts_assessed, c.in_scope, c.with_mfa, "
            "s.phishing_resistant::bigint AS phishing_resistant "
            "FROM mfa_coverage c "
            "LEFT JOIN mfa_strength s USING (sweep_id, control_id, top_level_ou) "
            "WHERE c.sweep_started_at > now() - interval '366 days' "
            "AND c.sweep_started_at <= now() "
            "ORDER BY c.sweep_started_at, c.sweep_id, c.control_id, c.top_level_ou",
        "the year, organization": "SELECT sweep_started_at, control_id, sum(in_scope), "
                                  "sum(with_mfa), sum(phishing_resistant), sum(mfa_enforced), "
                                  "sum(admin_without_mfa) FROM mfa_strength "
                                  "GROUP BY sweep_started_at, control_id",
        # docs/sql.md: admin-equivalent identities without MFA in the latest sweep.
        "latest sweep, admin-equivalent without MFA":
            "SELECT control_id, sum(admin_without_mfa) AS admin_without_mfa FROM mfa_strength "
            "WHERE sweep_id = (SELECT sweep_id FROM mfa_strength "
            "ORDER BY sweep_started_at DESC LIMIT 1) AND admin_without_mfa IS NOT NULL "
            "GROUP BY control_id ORDER BY control_id",
    },
    "control_trend": {
        "whole organization": "SELECT sweep_started_at, control_id, accounts_failed, "
                              "failing_resources FROM control_trend",
        "one control": "SELECT sweep_started_at, accounts_failed, failing_resources "
                       "FROM control_trend WHERE control_id = 'IAM.5' ORDER BY sweep_started_at",
    },
}


def psql(url: str, script: str, variables: dict | None = None) -> str:
    command = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"]
    for key, value in (variables or {}).items():
        command += ["-v", f"{key}={value}"]
    return subprocess.run(command, input=script, check=True, capture_output=True, text=True).stdout


def time_query(url: str, query: str, runs: int) -> list[float]:
    script = "\\o /dev/null\n" + f"{query};\n" * 3 + "\\timing on\n" + f"{query};\n" * runs
    output = psql(url, script)
    times = [float(t) for t in re.findall(r"Time: ([0-9.]+) ms", output)]
    if len(times) != runs:
        raise SystemExit(f"expected {runs} timings, got {len(times)} for {query}")
    return times


SLOW_STATEMENT = re.compile(r'slow statement.*?summary="([^"]*)".*?elapsed_secs=([0-9.]+)'
                            r'.*?slow_threshold=(\S+)')


def time_report(auditor: str, url: str, fmt: str,
                runs: int) -> tuple[list[float], int, list[tuple[str, float, str]]]:
    """Wall times of `mfa-auditor report --format FMT` (connect, read, render, write), the
    size of what it wrote, and the statements it logged as slow in the timed runs (summary,
    seconds, threshold)."""
    env = dict(os.environ, DATABASE_URL=url)
    command = [auditor, "--config", os.path.join(ROOT, "config", "default.toml"), "--quiet",
               "report", "--format", fmt]
    times, size, slow = [], 0, []
    for run in range(runs + 1):
        started = time.monotonic()
        done = subprocess.run(command, env=env, capture_output=True, check=True)
        if run > 0:  # the first run warms the caches
            times.append(time.monotonic() - started)
            slow += [(m[1], float(m[2]), m[3])
                     for m in SLOW_STATEMENT.finditer(done.stderr.decode(errors="replace"))]
        size = len(done.stdout)
    return times, size, slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--churn", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--auditor", help="an mfa-auditor binary: also time `report` (HTML, JSON)")
    parser.add_argument("--report-runs", type=int, default=5)
    parser.add_argument("--explain", action="append", default=[], metavar="VIEW:QUERY",
                        help="after the timings, print EXPLAIN (ANALYZE, BUFFERS) of that query "
                             "(e.g. 'account_control_history:whole organization'); repeatable")
    args = parser.parse_args()
    explain = []
    for item in args.explain:
        view, _, shape = item.partition(":")
        if shape.strip() not in QUERIES.get(view.strip(), {}):
            parser.error(f"--explain {item!r}: no such query (VIEW:QUERY, as the table names them)")
        explain.append((view.strip(), shape.strip()))
    url = args.database_url

    print(f"writing {args.accounts} accounts x {args.nights} sweeps ...", file=sys.stderr)
    started = time.monotonic()
    with open(os.path.join(ROOT, "bench", "history.sql")) as handle:
        psql(url, handle.read(), {"accounts": args.accounts, "nights": args.nights,
                                  "users": args.users, "churn": args.churn})
    generate_s = time.monotonic() - started

    sizes = psql(url, "\\pset format unaligned\n\\pset tuples_only on\n"
                      "SELECT pg_database_size(current_database());\n"
                      "SELECT relname || '=' || pg_total_relation_size(relid) FROM pg_stat_user_tables "
                      "ORDER BY pg_total_relation_size(relid) DESC;\n"
                      "SELECT 'count:spans=' || count(*) FROM finding_spans;\n"
                      "SELECT 'count:control_results=' || count(*) FROM control_results;\n"
                      "SELECT 'count:facts=' || count(*) FROM finding_spans "
                      "WHERE facts IS NOT NULL;\n"
                      "SELECT 'priority:' || coalesce(priority, 'absent') || '=' || count(*) "
                      "FROM current_findings WHERE status = 'FAILED' "
                      "AND control_id IN ('IAM.9', 'IAM.5', 'IAM.19') GROUP BY priority "
                      "ORDER BY min(CASE priority WHEN 'critical' THEN 1 WHEN 'high' THEN 2 "
                      "WHEN 'medium' THEN 3 WHEN 'low' THEN 4 ELSE 5 END);\n").split()
    database_bytes = int(sizes[0])
    details = dict(item.split("=", 1) for item in sizes[1:])

    results = []
    for view, queries in QUERIES.items():
        for shape, query in queries.items():
            print(f"timing {view}: {shape} ...", file=sys.stderr)
            times = sorted(time_query(url, query, args.runs))
            p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
            results.append((view, shape, statistics.median(times), p95, query))

    reports = []
    if args.auditor:
        for fmt in ("html", "json"):
            print(f"timing report --format {fmt} ...", file=sys.stderr)
            times, size, slow = time_report(args.auditor, url, fmt, args.report_runs)
            reports.append((fmt, statistics.median(times), max(times), size, slow))

    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    version = psql(url, "\\pset tuples_only on\nSHOW server_version;\n").strip()
    print(f"## History benchmark, {date}\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; "
          f"PostgreSQL {version}. "
          f"Command: `scripts/bench-history --accounts {args.accounts} --nights {args.nights} "
          f"--users {args.users} --churn {args.churn}`.\n")
    print(f"- History: {args.accounts} accounts x {args.nights} nightly sweeps, {args.users} IAM "
          f"users per account, {args.churn:.0%} of resources changing status per night; written "
          f"in {generate_s:.0f} s.")
    print(f"- Finding spans: {int(details['count:spans']):,}; control results: "
          f"{int(details['count:control_results']):,}.")
    priorities = {k.split(":", 1)[1]: int(v) for k, v in details.items()
                  if k.startswith("priority:")}
    failing = sum(priorities.values())
    print(f"- Spans with facts: {int(details['count:facts']):,}. Current FAILED IAM.9, IAM.5 "
          f"and IAM.19 findings by priority: "
          + ", ".join(f"{p} {n:,} ({n / max(failing, 1):.1%})" for p, n in priorities.items())
          + ".")
    tables = [(k, v) for k, v in details.items() if ":" not in k]
    print(f"- Database size: **{database_bytes / 2**30:.2f} GiB** "
          + ", ".join(f"{k} {int(v) / 2**20:.0f} MiB" for k, v in tables[:6]) + ".\n")
    print("| view | query | p50 | p95 | p95 / 100 ms |")
    print("|---|---|---|---|---|")
    for view, shape, p50, p95, _ in results:
        print(f"| `{view}` | {shape} | {p50:.1f} ms | {p95:.1f} ms | {p95 / 100:.2f} |")
    print(f"\n{args.runs} timed runs per query after 3 warm-up runs (psql `\\timing`, server "
          f"round trip). The queries are in `bench/history_bench.py`.")
    if reports:
        print("\n| `mfa-auditor report` (latest sweep, the year's coverage) | median | slowest | "
              "size | size / 5 MB | slowest / 2 s |")
        print("|---|---|---|---|---|---|")
        for fmt, median, slowest, size, _ in reports:
            print(f"| `--format {fmt}` | {median:.2f} s | {slowest:.2f} s | "
                  f"{size / 2**20:.2f} MiB | {size / 5e6:.2f} | {slowest / 2:.2f} |")
        print(f"\n{args.report_runs} timed runs each after one warm-up run: the whole command "
              f"(start, connect, read, render, write to a pipe), release build.")
        for fmt, _, _, _, slow in reports:
            by_statement: dict[str, list[float]] = {}
            for summary, seconds, _ in slow:
                by_statement.setdefault(summary, []).append(seconds)
            said = "; ".join(f"`{summary}` {len(secs)} times, {min(secs):.2f} to {max(secs):.2f} s"
                             for summary, secs in by_statement.items())
            threshold = f" (over {slow[0][2]})" if slow else ""
            print(f"\nStatements `--format {fmt}` logged as slow{threshold} in its timed runs: "
                  f"{said or 'none'}.")
    for view, shape in explain:
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) of `{view}`, {shape}, after the timed runs:\n")
        plan = psql(url, f"EXPLAIN (ANALYZE, BUFFERS) {QUERIES[view][shape]};\n")
        print("```\n" + plan.rstrip() + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())

-- The views of "now" read each account's current spans with the exception that covers them
-- (migration 20261130000002). The covering index lacked `exception_id`, so every current span
-- was fetched from the heap: `current_findings` over 1,000 accounts took 275 ms instead of
-- 55 ms (docs/benchmarks.md, history benchmark of 2026-11-30). The same index, covering it too.
DROP INDEX finding_spans_account_last;
CREATE INDEX finding_spans_account_last ON finding_spans (account_id, last_sweep_seq)
    INCLUDE (control_id, status, resource_id, resource_type, first_seen_at, exception_id);

-- account_control_history gives every control of an account that a sweep did not assess (it
-- errored, or was skipped) a row of its own: the view's second branch reads sweep_accounts WHERE
-- outcome <> 'assessed', and no index led to those rows. Asked for a few sweeps (the whole
-- organization's last 7 days), the planner scanned the whole table rather than fetch each
-- sweep's rows through the primary key: sweep ids are random UUIDs, so it takes a sweep's rows
-- for scattered across the table. Over a year of 1,000 accounts that scan read the 363,000 rows
-- of 365 sweeps to keep the 1,815 not assessed: 30 ms of the query's 65 ms (docs/benchmarks.md,
-- history benchmark of 2026-12-05). Those rows are few (an account errors or is skipped now and
-- then), and the branch's own condition selects this partial index. The view is unchanged.
CREATE INDEX sweep_accounts_not_assessed ON sweep_accounts (sweep_id) WHERE outcome <> 'assessed';

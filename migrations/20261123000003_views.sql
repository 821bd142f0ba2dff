-- The views security leads query (docs/sql.md). Read-only; every one has account_id and
-- control_id.

-- Where each account stands: `current` (assessed in its latest sweep), `stale` (errored in its
-- latest sweep: its findings are those of its last successful assessment), `excluded` or
-- `suspended` (out of scope in its latest sweep), `left` (absent from the latest finished sweep:
-- no longer in the organization).
CREATE VIEW account_states AS
SELECT a.*,
       CASE
           WHEN a.last_sweep_seq < (SELECT max(sweep_seq) FROM sweeps
                                    WHERE status IN ('completed', 'partial')) THEN 'left'
           WHEN a.last_outcome = 'error' THEN 'stale'
           WHEN a.last_outcome = 'skipped' THEN coalesce(a.last_skip_reason, 'excluded')
           ELSE 'current'
       END AS account_state
FROM accounts a;

-- What fails now: one row per resource and control as of each account's latest successful
-- assessment. `failing_since` is the start of the current failing streak; sweeps in which the
-- account errored do not break it.
CREATE VIEW current_findings AS
SELECT a.account_id,
       a.account_name,
       a.ou_path,
       f.control_id,
       f.resource_type,
       f.resource_id,
       f.status,
       CASE WHEN f.status = 'FAILED' THEN f.first_seen_at END AS failing_since,
       a.last_assessed_at,
       s.sweep_id AS last_assessed_sweep_id,
       a.account_state,
       a.account_state IN ('stale') AS stale,
       f.evidence
FROM account_states a
JOIN finding_spans f ON f.account_id = a.account_id AND f.last_sweep_seq = a.last_assessed_seq
JOIN sweeps s ON s.sweep_seq = a.last_assessed_seq;

-- What changed between each account's last two successful assessments: `new_failure` (was
-- PASSED), `resolved` (was FAILED), `new_resource` (not there before; `status` says how it
-- stands), `gone` (there before, not now: a user deleted, a pool removed). An account that left
-- the organization has all its last findings `gone`. Errors are never changes; accounts out of
-- scope (excluded, suspended) show none, nor does an account's first assessment. Only spans
-- that began at the latest assessment or ended at the previous one can be changes: an unchanged
-- finding is one span across both.
CREATE VIEW changes_since_previous_sweep AS
WITH scoped AS (
    -- An account assessed only once has no previous assessment, hence no changes.
    SELECT * FROM account_states
    WHERE account_state IN ('current', 'stale') AND previous_assessed_seq IS NOT NULL
),
started AS (
    -- Spans that began at the latest assessment: a new resource, or a new status.
    SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status
    FROM scoped a
    JOIN finding_spans f ON f.account_id = a.account_id AND f.first_sweep_seq = a.last_assessed_seq
),
ended AS (
    -- Spans that ended at the previous assessment: a resource gone, or an old status.
    SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status
    FROM scoped a
    JOIN finding_spans f ON f.account_id = a.account_id
                        AND f.last_sweep_seq = a.previous_assessed_seq
),
diff AS (
    SELECT coalesce(c.account_id, p.account_id) AS account_id,
           coalesce(c.control_id, p.control_id) AS control_id,
           coalesce(c.resource_type, p.resource_type) AS resource_type,
           coalesce(c.resource_id, p.resource_id) AS resource_id,
           c.status AS status,
           p.status AS previous_status,
           CASE
               WHEN c.status IS NULL THEN 'gone'
               WHEN p.status IS NULL THEN 'new_resource'
               WHEN c.status = 'FAILED' THEN 'new_failure'
               ELSE 'resolved'
           END AS change
    FROM started c
    FULL JOIN ended p USING (account_id, control_id, resource_id)
    WHERE c.status IS DISTINCT FROM p.status
),
left_org AS (
    SELECT f.account_id, f.control_id, f.resource_type, f.resource_id,
           NULL::text AS status, f.status AS previous_status, 'gone' AS change
    FROM account_states a
    JOIN finding_spans f ON f.account_id = a.account_id AND f.last_sweep_seq = a.last_assessed_seq
    WHERE a.account_state = 'left'
)
SELECT d.account_id, a.account_name, d.control_id, d.resource_type, d.resource_id, d.change,
       d.status, d.previous_status,
       cs.sweep_id AS sweep_id, cs.started_at AS sweep_started_at,
       ps.sweep_id AS previous_sweep_id, ps.started_at AS previous_sweep_started_at,
       a.account_state
FROM (SELECT * FROM diff UNION ALL SELECT * FROM left_org) d
JOIN account_states a ON a.account_id = d.account_id
JOIN sweeps cs ON cs.sweep_seq = a.last_assessed_seq
LEFT JOIN sweeps ps ON ps.sweep_seq = a.previous_assessed_seq;

-- Per account, per control, per sweep. `status` is the control's status when the account was
-- assessed, `ERROR` when the account errored, `OUT_OF_SCOPE` when it was skipped.
CREATE VIEW account_control_history AS
SELECT s.sweep_id,
       s.started_at AS sweep_started_at,
       sa.account_id,
       sa.account_name,
       cr.control_id,
       cr.status,
       cr.failed_resources,
       cr.passed_resources,
       sa.outcome AS account_outcome,
       cr.error_code
FROM control_results cr
JOIN sweep_accounts sa ON sa.sweep_id = cr.sweep_id AND sa.account_id = cr.account_id
JOIN sweeps s ON s.sweep_id = cr.sweep_id
UNION ALL
SELECT s.sweep_id,
       s.started_at,
       sa.account_id,
       sa.account_name,
       c.control_id,
       CASE sa.outcome WHEN 'error' THEN 'ERROR' ELSE 'OUT_OF_SCOPE' END,
       NULL::integer,
       NULL::integer,
       sa.outcome,
       sa.error_code
FROM sweep_accounts sa
JOIN sweeps s ON s.sweep_id = sa.sweep_id
CROSS JOIN controls c
WHERE sa.outcome <> 'assessed';

-- Organization-wide, per control and sweep: accounts failed / passed / not applicable / errored,
-- and failing resources. Kept beyond the retention of per-resource detail.
CREATE VIEW control_trend AS
SELECT s.sweep_id,
       s.started_at AS sweep_started_at,
       s.status AS sweep_status,
       t.control_id,
       t.accounts_failed,
       t.accounts_passed,
       t.accounts_not_applicable,
       t.accounts_errored,
       t.failing_resources,
       NULL::text AS account_id
FROM control_trend_counts t
JOIN sweeps s ON s.sweep_id = t.sweep_id;

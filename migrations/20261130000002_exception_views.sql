-- The views gain the exception that covers each finding (columns added at the end: existing
-- queries keep working), the trend counts excepted failures apart, and `exceptions_status` says
-- where each exception stands in the latest sweep.

CREATE OR REPLACE VIEW current_findings AS
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
       f.evidence,
       f.exception_id,
       e.owner AS exception_owner,
       e.expires AS exception_expires
FROM account_states a
JOIN finding_spans f ON f.account_id = a.account_id AND f.last_sweep_seq = a.last_assessed_seq
JOIN sweeps s ON s.sweep_seq = a.last_assessed_seq
LEFT JOIN exceptions e ON e.exception_id = f.exception_id;

CREATE OR REPLACE VIEW changes_since_previous_sweep AS
WITH scoped AS (
    -- An account assessed only once has no previous assessment, hence no changes.
    SELECT * FROM account_states
    WHERE account_state IN ('current', 'stale') AND previous_assessed_seq IS NOT NULL
),
started AS (
    -- Spans that began at the latest assessment: a new resource, or a new status.
    SELECT f.account_id, f.control_id, f.resource_type, f.resource_id, f.status, f.exception_id
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
           END AS change,
           c.exception_id
    FROM started c
    FULL JOIN ended p USING (account_id, control_id, resource_id)
    WHERE c.status IS DISTINCT FROM p.status
),
left_org AS (
    SELECT f.account_id, f.control_id, f.resource_type, f.resource_id,
           NULL::text AS status, f.status AS previous_status, 'gone' AS change,
           NULL::text AS exception_id
    FROM account_states a
    JOIN finding_spans f ON f.account_id = a.account_id AND f.last_sweep_seq = a.last_assessed_seq
    WHERE a.account_state = 'left'
)
SELECT d.account_id, a.account_name, d.control_id, d.resource_type, d.resource_id, d.change,
       d.status, d.previous_status,
       cs.sweep_id AS sweep_id, cs.started_at AS sweep_started_at,
       ps.sweep_id AS previous_sweep_id, ps.started_at AS previous_sweep_started_at,
       a.account_state,
       d.exception_id,
       e.owner AS exception_owner,
       e.expires AS exception_expires
FROM (SELECT * FROM diff UNION ALL SELECT * FROM left_org) d
JOIN account_states a ON a.account_id = d.account_id
JOIN sweeps cs ON cs.sweep_seq = a.last_assessed_seq
LEFT JOIN sweeps ps ON ps.sweep_seq = a.previous_assessed_seq
LEFT JOIN exceptions e ON e.exception_id = d.exception_id;

-- `excepted_resources`: failing resources an exception covered; `accounts_failed_unexcepted`:
-- accounts with a failure no exception covered (NULL for sweeps before exceptions existed).
CREATE OR REPLACE VIEW control_trend AS
SELECT s.sweep_id,
       s.started_at AS sweep_started_at,
       s.status AS sweep_status,
       t.control_id,
       t.accounts_failed,
       t.accounts_passed,
       t.accounts_not_applicable,
       t.accounts_errored,
       t.failing_resources,
       NULL::text AS account_id,
       t.excepted_resources,
       t.accounts_failed_unexcepted
FROM control_trend_counts t
JOIN sweeps s ON s.sweep_id = t.sweep_id;

-- One row per exception the latest sweep read: `state` is `active`, `expiring` (within
-- `[exceptions] warn_days` of its end), `expired`, or `unused` (it applies but covered nothing
-- in that sweep: probably stale); `findings_covered` counts what it covered.
CREATE VIEW exceptions_status AS
WITH latest AS (
    SELECT sweep_id, sweep_seq, started_at FROM sweeps ORDER BY sweep_seq DESC LIMIT 1
),
covered AS (
    SELECT x.exception_id, count(*) AS findings_covered
    FROM excepted_findings x JOIN latest l ON x.sweep_id = l.sweep_id
    GROUP BY x.exception_id
)
SELECT se.exception_id,
       se.owner,
       se.reason,
       se.expires,
       se.ticket,
       CASE
           WHEN se.state = 'expired' THEN 'expired'
           WHEN coalesce(c.findings_covered, 0) = 0 THEN 'unused'
           ELSE se.state
       END AS state,
       coalesce(c.findings_covered, 0) AS findings_covered,
       l.sweep_id,
       l.started_at AS sweep_started_at
FROM latest l
JOIN sweep_exceptions se ON se.sweep_id = l.sweep_id
LEFT JOIN covered c ON c.exception_id = se.exception_id;

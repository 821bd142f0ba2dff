-- Resources a control does not evaluate. Security Hub evaluates Cognito.5 only on user pools whose
-- sign-in policy is password-only; a pool that allows a passwordless first factor is kept as a
-- resource with status NOT_APPLICABLE, its evidence saying why, so that every format can show it
-- and a pool that leaves or enters the control's scope is a change like any other.
ALTER TABLE finding_spans DROP CONSTRAINT finding_spans_status_check;
ALTER TABLE finding_spans ADD CONSTRAINT finding_spans_status_check
    CHECK (status IN ('PASSED', 'FAILED', 'NOT_APPLICABLE'));

-- How a resource's finding changed between two assessments of its account, from its status now
-- and before (NULL: not there). The one rule: the view below and the store's reports of any pair
-- of assessments (crates/store/src/changes.rs) both call it. NULL for a pair that is no change
-- (the same status) or that this version does not know.
CREATE FUNCTION finding_change(status text, previous_status text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN status IS NOT DISTINCT FROM previous_status THEN NULL
    WHEN status IS NULL THEN 'gone'
    WHEN previous_status IS NULL THEN 'new_resource'
    WHEN status = 'FAILED' THEN 'new_failure'
    WHEN previous_status = 'FAILED' THEN 'resolved'
    WHEN status = 'NOT_APPLICABLE' AND previous_status = 'PASSED' THEN 'out_of_scope'
    WHEN status = 'PASSED' AND previous_status = 'NOT_APPLICABLE' THEN 'in_scope'
END;

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
           finding_change(c.status, p.status) AS change,
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

-- What changed between two assessments of one account, decided once: the view
-- changes_since_previous_sweep (an account's last two assessments) and the store's reports (any
-- pair: an older sweep, a report as of a day) both read this function instead of each joining
-- the spans on its own.

-- The resources whose status differs between an account's assessment `seq` and the one before
-- it, from the spans that began at `seq` (`started`: a new resource, or a new status) and those
-- that ended at the assessment before (`ended`: a resource gone, or an old status); only those
-- can be changes, an unchanged finding being one span across both. Each with its status now and
-- before (NULL: not listed), how it changed (`resource_change`), and the exception that covered
-- it now. The callers select the spans: the view with its owner's rights, the store with its
-- own; this function reads no table itself, so a role that may read only the views can call it
-- through the view.
CREATE FUNCTION resource_changes(account text, seq bigint, started finding_spans[],
                                 ended finding_spans[])
RETURNS TABLE (
    control_id text,
    resource_type text,
    resource_id text,
    status text,
    previous_status text,
    change text,
    exception_id text
)
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(c.control_id, p.control_id),
           coalesce(c.resource_type, p.resource_type),
           coalesce(c.resource_id, p.resource_id),
           c.status,
           p.status,
           resource_change(account, seq, coalesce(c.control_id, p.control_id),
                           coalesce(c.resource_type, p.resource_type),
                           coalesce(c.resource_id, p.resource_id), c.status, p.status),
           c.exception_id
    FROM unnest(started) c
    FULL JOIN unnest(ended) p USING (control_id, resource_id)
    WHERE c.status IS DISTINCT FROM p.status
$$;

-- The view, its columns and their order unchanged, with its diff read from resource_changes.
CREATE OR REPLACE VIEW changes_since_previous_sweep AS
WITH scoped AS (
    -- An account assessed only once has no previous assessment, hence no changes.
    SELECT * FROM account_states
    WHERE account_state IN ('current', 'stale') AND previous_assessed_seq IS NOT NULL
),
diff AS (
    SELECT a.account_id, r.control_id, r.resource_type, r.resource_id, r.status,
           r.previous_status, r.change, r.exception_id
    FROM scoped a
    CROSS JOIN LATERAL resource_changes(
        a.account_id, a.last_assessed_seq,
        ARRAY(SELECT f FROM finding_spans f
              WHERE f.account_id = a.account_id AND f.first_sweep_seq = a.last_assessed_seq),
        ARRAY(SELECT f FROM finding_spans f
              WHERE f.account_id = a.account_id AND f.last_sweep_seq = a.previous_assessed_seq)
    ) r
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
       e.expires AS exception_expires,
       failing_change(d.change, d.status, d.previous_status) AS failing_change
FROM (SELECT * FROM diff UNION ALL SELECT * FROM left_org) d
JOIN account_states a ON a.account_id = d.account_id
JOIN sweeps cs ON cs.sweep_seq = a.last_assessed_seq
LEFT JOIN sweeps ps ON ps.sweep_seq = a.previous_assessed_seq
LEFT JOIN exceptions e ON e.exception_id = d.exception_id;

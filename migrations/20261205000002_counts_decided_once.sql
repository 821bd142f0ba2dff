-- Every count a report, a notification and a view gives is decided here, once: the reports,
-- the webhook digest and the trend read these functions instead of counting on their own.

-- Whether a resource starts or stops failing between two assessments of its account, from how
-- it changed (`resource_change`) and its status now and before (NULL: not there): 'new_failure' when it fails now and did not before
-- (a new resource that fails, a console user created without MFA, is one), 'resolved' when it
-- failed and no longer does (a failing resource that is gone is one); NULL otherwise. What the
-- reports' "new failures" and "resolved", the notifications and the view's `failing_change`
-- count. (`finding_change` classifies every change; this says what it means for failures.)
CREATE FUNCTION failing_change(change text, status text, previous_status text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    -- Not looked at (`resource_change`): nothing is known of it now.
    WHEN change = 'not_assessed' THEN NULL
    WHEN status = 'FAILED' AND previous_status IS DISTINCT FROM 'FAILED' THEN 'new_failure'
    WHEN previous_status = 'FAILED' AND status IS DISTINCT FROM 'FAILED' THEN 'resolved'
END;

-- Whether an assessment looked at a resource it did not list: its control was decided there
-- (not ERROR) and, for a user pool, the pool's region was searched (`sweep_accounts.regions`;
-- for sweeps recorded before that column, the sweep's `regions`). A resource it did not look at
-- is not gone, and a failing one is not resolved.
CREATE FUNCTION looked_at(account text, seq bigint, control text, resource_type text,
                          resource_id text) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT coalesce((
        SELECT cr.status <> 'ERROR'
               AND (resource_type <> 'AwsCognitoUserPool'
                    OR split_part(resource_id, ':', 4) = ANY (coalesce(sa.regions, sw.regions)))
        FROM sweep_accounts sa
        JOIN sweeps sw ON sw.sweep_id = sa.sweep_id
        JOIN control_results cr ON cr.sweep_id = sa.sweep_id AND cr.account_id = sa.account_id
                               AND cr.control_id = control
        WHERE sa.account_id = account AND sa.sweep_seq = seq
    ), true)
$$;

-- How a resource changed between an account's assessment `seq` and the one before it, from its
-- status now and before (NULL: not listed): `finding_change`'s kinds, and `not_assessed` for a
-- resource the assessment did not look at (`looked_at`). The one rule the view and the store's
-- reports call.
CREATE FUNCTION resource_change(account text, seq bigint, control text, resource_type text,
                                resource_id text, status text, previous_status text)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT CASE
        WHEN status IS NULL AND previous_status IS NOT NULL
             AND NOT looked_at(account, seq, control, resource_type, resource_id)
        THEN 'not_assessed'
        ELSE finding_change(status, previous_status)
    END
$$;

-- Per control, over the accounts a report of sweep `frame` shows (every account of the sweep
-- but the skipped ones): accounts per status, an account that errored as a whole counting as
-- errored for every control; failing resources, excepted ones included, and those an exception
-- covers; accounts with a failure no exception covers. With `as_of`, an account that errored
-- in `frame` is counted as the last sweep up to it that assessed the account saw it (what a
-- report as of a day shows), and as errored only if none did. What the text, JSON and HTML
-- reports show and what `control_trend` keeps when the sweep ends.
CREATE FUNCTION control_counts(frame uuid, as_of boolean)
RETURNS TABLE (
    control_id text,
    accounts_failed integer,
    accounts_passed integer,
    accounts_not_applicable integer,
    accounts_errored integer,
    failing_resources integer,
    excepted_resources integer,
    accounts_failed_unexcepted integer
)
LANGUAGE sql STABLE
AS $$
    WITH shown AS (
        SELECT sa.account_id,
               coalesce(asm.sweep_id, CASE WHEN sa.outcome = 'assessed' THEN sa.sweep_id END)
                   AS results_sweep
        FROM sweep_accounts sa
        LEFT JOIN LATERAL (
            SELECT x.sweep_id FROM sweep_accounts x
            WHERE as_of AND sa.outcome = 'error'
              AND x.account_id = sa.account_id AND x.outcome = 'assessed'
              AND x.sweep_seq <= sa.sweep_seq
            ORDER BY x.sweep_seq DESC LIMIT 1
        ) asm ON true
        WHERE sa.sweep_id = frame AND sa.outcome <> 'skipped'
    )
    SELECT c.control_id,
           (count(*) FILTER (WHERE cr.status = 'FAILED'))::integer,
           (count(*) FILTER (WHERE cr.status = 'PASSED'))::integer,
           (count(*) FILTER (WHERE cr.status = 'NOT_APPLICABLE'))::integer,
           -- No results shown: the account errored as a whole (and, as of a day, was never
           -- assessed before).
           (count(*) FILTER (WHERE s.account_id IS NOT NULL
                               AND (cr.status = 'ERROR' OR cr.status IS NULL)))::integer,
           coalesce(sum(cr.failed_resources), 0)::integer,
           coalesce(sum(cr.excepted_resources), 0)::integer,
           (count(*) FILTER (WHERE cr.status = 'FAILED'
                               AND cr.failed_resources > cr.excepted_resources))::integer
    -- Every control has its row, zeros when no account is shown (every one skipped).
    FROM controls c
    LEFT JOIN shown s ON true
    LEFT JOIN control_results cr ON cr.sweep_id = s.results_sweep
         AND cr.account_id = s.account_id AND cr.control_id = c.control_id
    GROUP BY c.control_id
$$;

-- The view, with `failing_change` (the same rule as the reports and the notifications) after
-- its columns; its other columns are as they were.
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
           resource_change(coalesce(c.account_id, p.account_id), a.last_assessed_seq,
                           coalesce(c.control_id, p.control_id),
                           coalesce(c.resource_type, p.resource_type),
                           coalesce(c.resource_id, p.resource_id), c.status, p.status) AS change,
           c.exception_id
    FROM started c
    FULL JOIN ended p USING (account_id, control_id, resource_id)
    JOIN scoped a ON a.account_id = coalesce(c.account_id, p.account_id)
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
       e.expires AS exception_expires,
       failing_change(d.change, d.status, d.previous_status) AS failing_change
FROM (SELECT * FROM diff UNION ALL SELECT * FROM left_org) d
JOIN account_states a ON a.account_id = d.account_id
JOIN sweeps cs ON cs.sweep_seq = a.last_assessed_seq
LEFT JOIN sweeps ps ON ps.sweep_seq = a.previous_assessed_seq
LEFT JOIN exceptions e ON e.exception_id = d.exception_id;

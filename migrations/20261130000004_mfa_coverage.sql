-- MFA coverage over time: per sweep, control and top-level OU, the identities in scope (root
-- users, IAM users, console users, user pools: the resources each control assesses) and how many
-- have MFA (the resources that passed). Counted when a sweep ends, as the trend counts are, so
-- that a year of history is read without touching per-resource detail, and kept for ever.

-- The first OU under the root in an `ou_path` ("Root/Workloads/Web" gives "Workloads"); the
-- root's own name for an account directly under it; "(unknown)" when the path could not be read.
CREATE FUNCTION top_level_ou(ou_path text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN ou_path = '' THEN '(unknown)'
    WHEN split_part(ou_path, '/', 2) = '' THEN ou_path
    ELSE split_part(ou_path, '/', 2)
END;

CREATE TABLE coverage_counts (
    sweep_id          uuid NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    control_id        text NOT NULL REFERENCES controls (control_id),
    top_level_ou      text NOT NULL,
    -- Accounts whose control was evaluated (PASSED, FAILED or NOT_APPLICABLE) in the sweep.
    accounts_assessed integer NOT NULL,
    in_scope          integer NOT NULL,
    with_mfa          integer NOT NULL,
    PRIMARY KEY (sweep_id, control_id, top_level_ou),
    CHECK (0 <= with_mfa AND with_mfa <= in_scope)
);

-- Counts one sweep (again, for a resumed one): the store calls it when a sweep ends.
CREATE FUNCTION record_mfa_coverage(sweep uuid) RETURNS void
LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO coverage_counts (sweep_id, control_id, top_level_ou, accounts_assessed,
                                 in_scope, with_mfa)
    SELECT cr.sweep_id, cr.control_id, top_level_ou(sa.ou_path), count(*),
           sum(cr.failed_resources + cr.passed_resources), sum(cr.passed_resources)
    FROM control_results cr
    JOIN sweep_accounts sa ON sa.sweep_id = cr.sweep_id AND sa.account_id = cr.account_id
    WHERE cr.sweep_id = record_mfa_coverage.sweep AND cr.status <> 'ERROR'
    GROUP BY cr.sweep_id, cr.control_id, top_level_ou(sa.ou_path)
    ON CONFLICT (sweep_id, control_id, top_level_ou) DO UPDATE SET
        accounts_assessed = EXCLUDED.accounts_assessed,
        in_scope = EXCLUDED.in_scope,
        with_mfa = EXCLUDED.with_mfa;
END;

-- Sweeps that ended before this migration.
SELECT record_mfa_coverage(sweep_id) FROM sweeps WHERE status <> 'running';

-- One row per sweep x control x top-level OU: `share` is with_mfa / in_scope (NULL when nothing
-- is in scope). The organization is the sum over OUs (docs/sql.md). `account_id` is NULL: every
-- view has the column.
CREATE VIEW mfa_coverage AS
SELECT s.sweep_id,
       s.started_at AS sweep_started_at,
       s.status AS sweep_status,
       c.control_id,
       c.top_level_ou,
       c.accounts_assessed,
       c.in_scope,
       c.with_mfa,
       c.with_mfa::double precision / nullif(c.in_scope, 0) AS share,
       NULL::text AS account_id
FROM coverage_counts c
JOIN sweeps s ON s.sweep_id = c.sweep_id;

-- Synthetic history for the view benchmark (scripts/bench-history): :accounts accounts,
-- :nights nightly sweeps, :users IAM users per account (4 in 5 with a console password), the
-- root controls and one user pool each; every night :churn of the resources flip status. Written
-- straight into the tables the store writes, in the shape the store writes them.
\set ON_ERROR_STOP on
\timing off
SET client_min_messages = warning;

BEGIN;
CREATE TEMP TABLE nights AS
SELECT n, gen_random_uuid() AS sweep_id,
       date_trunc('day', now()) - make_interval(days => :nights - n) + interval '3 hours' AS started_at
FROM generate_series(1, :nights) AS n;

INSERT INTO sweeps (sweep_id, started_at, finished_at, status, organization_id,
                    management_account_id, regions, controls)
SELECT sweep_id, started_at, started_at + interval '12 minutes', 'completed', 'o-bench00001',
       '100000000000', ARRAY['us-east-1'], ARRAY['IAM.9', 'IAM.6', 'IAM.5', 'IAM.19', 'Cognito.5']
FROM nights ORDER BY n;

ALTER TABLE nights ADD COLUMN seq bigint;
UPDATE nights SET seq = s.sweep_seq FROM sweeps s WHERE s.sweep_id = nights.sweep_id;

CREATE TEMP TABLE accts AS
SELECT a, (100000000000 + a)::text AS account_id FROM generate_series(1, :accounts) AS a;

-- About one account-night in 200 errors (never in the last two nights).
CREATE TEMP TABLE account_nights AS
SELECT a.a, a.account_id, n.n, n.seq, n.sweep_id, n.started_at,
       (n.n < :nights - 1 AND (a.a * 7919 + n.n * 104729) % 200 = 0) AS errored
FROM accts a CROSS JOIN nights n;

INSERT INTO sweep_accounts (sweep_id, sweep_seq, account_id, account_name, ou_path, outcome,
                            error_operation, error_region, error_code, error_message, recorded_at)
SELECT sweep_id, seq, account_id, 'account-' || a, 'Root/Unit' || (a % 8) || '/Team' || (a % 20),
       CASE WHEN errored THEN 'error' ELSE 'assessed' END,
       CASE WHEN errored THEN 'sts:AssumeRole' END, CASE WHEN errored THEN 'us-east-1' END,
       CASE WHEN errored THEN 'AccessDenied' END, CASE WHEN errored THEN 'denied' END,
       started_at
FROM account_nights
ORDER BY n, a;  -- as sweeps write them: night by night

-- Control results: the same deterministic mix every night, with a slow drift.
INSERT INTO control_results (sweep_id, account_id, control_id, status, failed_resources,
                             passed_resources)
SELECT an.sweep_id, an.account_id, c.control_id,
       CASE WHEN (an.a + an.n / 30 + length(c.control_id)) % 3 = 0 THEN 'FAILED'
            WHEN c.control_id = 'Cognito.5' AND an.a % 4 = 0 THEN 'NOT_APPLICABLE'
            ELSE 'PASSED' END,
       CASE WHEN (an.a + an.n / 30 + length(c.control_id)) % 3 = 0 THEN 1 + an.a % 7 ELSE 0 END,
       CASE WHEN c.control_id IN ('IAM.5', 'IAM.19') THEN 30 ELSE 1 END
FROM account_nights an CROSS JOIN controls c
WHERE NOT an.errored
ORDER BY an.n, an.a;

-- Resources: root (IAM.9, IAM.6), users (IAM.19 all, IAM.5 the console ones), one pool.
CREATE TEMP TABLE resources AS
SELECT row_number() OVER () AS rid, *
FROM (
    SELECT a.a, a.account_id, c.control_id, 'AwsAccount' AS resource_type,
           'arn:aws:iam::' || a.account_id || ':root' AS resource_id, 0 AS ordinal
    FROM accts a CROSS JOIN (VALUES ('IAM.9'), ('IAM.6')) AS c(control_id)
    UNION ALL
    SELECT a.a, a.account_id, c.control_id, 'AwsIamUser',
           'arn:aws:iam::' || a.account_id || ':user/staff/user-' || lpad(u::text, 3, '0'), u
    FROM accts a CROSS JOIN generate_series(1, :users) AS u
    CROSS JOIN (VALUES ('IAM.19'), ('IAM.5')) AS c(control_id)
    WHERE c.control_id = 'IAM.19' OR u % 5 <> 0
    UNION ALL
    SELECT a.a, a.account_id, 'Cognito.5', 'AwsCognitoUserPool',
           'arn:aws:cognito-idp:us-east-1:' || a.account_id || ':userpool/us-east-1_pool' || a.a, 0
    FROM accts a
) r;

-- Status flips: each resource flips on a night with probability :churn.
CREATE TEMP TABLE bounds AS
SELECT rid, 1 AS n FROM resources
UNION ALL
SELECT r.rid, n.n FROM resources r CROSS JOIN generate_series(2, :nights) AS n(n)
WHERE random() < :churn;

INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id, status,
                           first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at, ordinal,
                           evidence)
SELECT r.account_id, r.control_id, r.resource_type, r.resource_id,
       CASE WHEN (r.rid + s.k) % 3 = 0 THEN 'FAILED' ELSE 'PASSED' END,
       f.seq, l.seq, f.started_at, l.started_at, r.ordinal,
       jsonb_build_object('source', 'iam:GetCredentialReport', 'read_at', l.started_at,
                          'report_generated_at', l.started_at, 'password_enabled', true,
                          'mfa_active', (r.rid + s.k) % 3 <> 0, 'access_key_1_active', false,
                          'access_key_2_active', false)
FROM (
    SELECT rid, n AS first_n,
           lead(n, 1, :nights + 1) OVER (PARTITION BY rid ORDER BY n) - 1 AS last_n,
           row_number() OVER (PARTITION BY rid ORDER BY n) AS k
    FROM bounds
) s
JOIN resources r USING (rid)
JOIN nights f ON f.n = s.first_n
JOIN nights l ON l.n = s.last_n;

INSERT INTO accounts (account_id, account_name, ou_path, last_sweep_seq, last_outcome,
                      last_assessed_seq, last_assessed_at, previous_assessed_seq)
SELECT a.account_id, 'account-' || a.a, 'Root/Unit' || (a.a % 8) || '/Team' || (a.a % 20),
       last.seq, 'assessed', last.seq, last.started_at, prev.seq
FROM accts a
JOIN nights last ON last.n = :nights
JOIN nights prev ON prev.n = :nights - 1;

INSERT INTO control_trend_counts (sweep_id, control_id, accounts_failed, accounts_passed,
                                  accounts_not_applicable, accounts_errored, failing_resources)
SELECT sa.sweep_id, c.control_id,
       count(*) FILTER (WHERE cr.status = 'FAILED'),
       count(*) FILTER (WHERE cr.status = 'PASSED'),
       count(*) FILTER (WHERE cr.status = 'NOT_APPLICABLE'),
       count(*) FILTER (WHERE sa.outcome = 'error'),
       coalesce(sum(cr.failed_resources), 0)
FROM sweep_accounts sa CROSS JOIN controls c
LEFT JOIN control_results cr ON cr.sweep_id = sa.sweep_id AND cr.account_id = sa.account_id
                            AND cr.control_id = c.control_id
GROUP BY sa.sweep_id, c.control_id;
-- MFA coverage per sweep, control and top-level OU, as the store counts it when a sweep ends.
SELECT count(*) AS sweeps_counted FROM (SELECT record_mfa_coverage(sweep_id) FROM nights) AS counted;
COMMIT;
VACUUM ANALYZE;

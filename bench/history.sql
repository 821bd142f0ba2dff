-- Synthetic history for the view benchmark (scripts/bench-history): :accounts accounts,
-- :nights nightly sweeps, :users IAM users per account (4 in 5 with a console password), the
-- root controls and one user pool each; every night :churn of the resources flip status. Written
-- straight into the tables the store writes, in the shape the store writes them, the facts
-- beyond the controls included (docs/controls.md: kinds of device, enforcement, stakes,
-- priority; each account's guardrail SCPs; the strength counts of mfa_strength).
\set ON_ERROR_STOP on
\timing off
SET client_min_messages = warning;

BEGIN;
-- Timestamps in the facts as the evaluator serializes them (chrono: 2026-11-20T08:00:00Z).
CREATE FUNCTION pg_temp.iso(at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE
RETURN to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
-- A stable pseudo-random number in [0, 100) for an identity and a purpose.
CREATE FUNCTION pg_temp.pick(a integer, u integer, purpose text) RETURNS integer
LANGUAGE sql IMMUTABLE
RETURN abs(hashtext(a || '/' || u || '/' || purpose)) % 100;

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

-- Accounts in OUs Unit0 to Unit4 have the guardrail SCP in force; an account that errored read
-- none (NULL).
INSERT INTO sweep_accounts (sweep_id, sweep_seq, account_id, account_name, ou_path, outcome,
                            error_operation, error_region, error_code, error_message, recorded_at,
                            mfa_guardrail_scps)
SELECT sweep_id, seq, account_id, 'account-' || a, 'Root/Unit' || (a % 8) || '/Team' || (a % 20),
       CASE WHEN errored THEN 'error' ELSE 'assessed' END,
       CASE WHEN errored THEN 'sts:AssumeRole' END, CASE WHEN errored THEN 'us-east-1' END,
       CASE WHEN errored THEN 'AccessDenied' END, CASE WHEN errored THEN 'denied' END,
       started_at,
       CASE WHEN errored THEN NULL WHEN a % 8 < 5 THEN ARRAY['p-protectmfa01'] ELSE '{}' END
FROM account_nights
ORDER BY n, a;  -- as sweeps write them: night by night

-- Control results: the same deterministic mix every night, with a slow drift. The strength
-- counts as the store counts them per account (crates/store/src/strength.rs): IAM.5 and IAM.19
-- phishing-resistant users (a share of those passing that grows over the year) and users an
-- identity policy makes unable to act without MFA (most users in one account in three); failing
-- admin-equivalent identities under IAM.9 (root always is), IAM.5 and IAM.19 (one in every other
-- account that fails); NULL where the fact does not apply.
INSERT INTO control_results (sweep_id, account_id, control_id, status, failed_resources,
                             passed_resources, phishing_resistant, mfa_enforced, admin_without_mfa)
SELECT sweep_id, account_id, control_id, status, failed, passed,
       CASE WHEN control_id IN ('IAM.5', 'IAM.19')
            THEN passed * (10 + a % 15 + 10 * n / :nights) / 100 END,
       CASE WHEN control_id IN ('IAM.5', 'IAM.19')
            THEN CASE WHEN a % 3 = 0 THEN (failed + passed) * 85 / 100 ELSE 0 END END,
       CASE WHEN control_id = 'IAM.9' THEN failed
            WHEN control_id IN ('IAM.5', 'IAM.19') THEN least(failed, (a % 2 = 0)::integer) END
FROM (
    SELECT an.sweep_id, an.account_id, an.a, an.n, c.control_id,
           CASE WHEN (an.a + an.n / 30 + length(c.control_id)) % 3 = 0 THEN 'FAILED'
                WHEN c.control_id = 'Cognito.5' AND an.a % 4 = 0 THEN 'NOT_APPLICABLE'
                ELSE 'PASSED' END AS status,
           CASE WHEN (an.a + an.n / 30 + length(c.control_id)) % 3 = 0 THEN 1 + an.a % 7
                ELSE 0 END AS failed,
           CASE WHEN c.control_id IN ('IAM.5', 'IAM.19') THEN 30 ELSE 1 END AS passed
    FROM account_nights an CROSS JOIN controls c
    WHERE NOT an.errored
) cr
ORDER BY n, a;

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

-- What is at stake for each identity (ordinal 0: root), fixed over the year: a console password
-- (the users IAM.5 assesses), active access keys, whether a credential was used in the last 90
-- days, admin-equivalence (3% yes, 1% not decided: a policy that could not be read), MFA enforced
-- by an identity policy (most users in one account in three; some not_recognised), and the kinds
-- of device a user has while it passes. Hence its priority when it fails (docs/controls.md: first
-- rule that matches); root failing IAM.9 is critical.
CREATE TEMP TABLE identities AS
SELECT a, u, console, keys, recent, admin, enforcement, devices,
       CASE WHEN u = 0 THEN 'critical'
            WHEN admin = 'yes' AND (console OR keys > 0) THEN 'critical'
            WHEN admin = 'unknown' AND (console OR keys > 0) THEN NULL
            WHEN recent AND (console OR keys > 0) THEN 'high'
            WHEN console OR keys > 0 THEN 'medium'
            ELSE 'low' END AS priority
FROM (
    SELECT a.a, u.u,
           u.u = 0 OR u.u % 5 <> 0 AS console,
           CASE WHEN u.u = 0 THEN (a.a % 50 = 0)::integer
                WHEN u.u % 5 = 0 THEN (pg_temp.pick(a.a, u.u, 'keys') < 85)::integer
                WHEN pg_temp.pick(a.a, u.u, 'keys') < 25 THEN 1
                WHEN pg_temp.pick(a.a, u.u, 'keys') < 30 THEN 2
                ELSE 0 END AS keys,
           pg_temp.pick(a.a, u.u, 'recent') < 55 AS recent,
           CASE WHEN u.u = 0 OR pg_temp.pick(a.a, u.u, 'admin') < 3 THEN 'yes'
                WHEN pg_temp.pick(a.a, u.u, 'admin') < 4 THEN 'unknown'
                ELSE 'no' END AS admin,
           CASE WHEN u.u = 0 THEN NULL
                WHEN a.a % 3 = 0 AND pg_temp.pick(a.a, u.u, 'enforced') < 85 THEN 'enforced'
                WHEN pg_temp.pick(a.a, u.u, 'enforced') < 5 THEN 'not_recognised'
                ELSE 'not_enforced' END AS enforcement,
           pg_temp.pick(a.a, u.u, 'devices') AS devices
    FROM accts a CROSS JOIN generate_series(0, :users) AS u(u)
) i;

-- In the order the store leaves its rows: a span's row is written again each night that extends
-- it, account by account, so rows lie in the order of their last sweep (the current spans of an
-- account together, at the end).
INSERT INTO finding_spans (account_id, control_id, resource_type, resource_id, status,
                           first_sweep_seq, last_sweep_seq, first_seen_at, last_seen_at, ordinal,
                           evidence, facts, critical_since_seq)
SELECT r.account_id, r.control_id, r.resource_type, r.resource_id, s.status,
       f.seq, l.seq, f.started_at, l.started_at, r.ordinal,
       jsonb_build_object('source', 'iam:GetCredentialReport', 'read_at', l.started_at,
                          'report_generated_at', l.started_at, 'password_enabled', true,
                          'mfa_active', s.status <> 'FAILED', 'access_key_1_active', false,
                          'access_key_2_active', false),
       facts.facts,
       CASE WHEN facts.facts->>'priority' = 'critical' THEN f.seq END
FROM (
    SELECT rid, n AS first_n,
           lead(n, 1, :nights + 1) OVER (PARTITION BY rid ORDER BY n) - 1 AS last_n,
           CASE WHEN (rid + row_number() OVER (PARTITION BY rid ORDER BY n)) % 3 = 0
                THEN 'FAILED' ELSE 'PASSED' END AS status
    FROM bounds
) s
JOIN resources r USING (rid)
JOIN nights f ON f.n = s.first_n
JOIN nights l ON l.n = s.last_n
LEFT JOIN identities i
       ON i.a = r.a AND i.u = r.ordinal AND r.resource_type <> 'AwsCognitoUserPool'
-- The account's IAM ARN prefix; the span's latest sweep, which its facts come from.
CROSS JOIN LATERAL (SELECT 'arn:aws:iam::' || r.account_id || ':' AS arn, l.started_at AS seen) x
CROSS JOIN LATERAL (
    SELECT CASE
    -- Root (IAM.9, IAM.6): a virtual device or one a role cannot list; no device when IAM.9
    -- fails. Phishing resistance is known only without MFA.
    WHEN r.resource_type = 'AwsAccount' THEN
        jsonb_build_object(
            'mfa_devices',
            CASE WHEN r.control_id = 'IAM.9' AND s.status = 'FAILED' THEN '[]'::jsonb
                 WHEN (r.control_id = 'IAM.6' AND s.status = 'FAILED')
                      OR (r.control_id = 'IAM.9' AND r.a % 3 = 0)
                 THEN jsonb_build_array(jsonb_build_object(
                          'kind', 'virtual', 'serial', x.arn || 'mfa/root-account-mfa-device',
                          'enabled_at', NULL))
                 ELSE '[{"kind": "hardware_or_fido", "serial": null, "enabled_at": null}]'
            END,
            'stakes', jsonb_build_object(
                'admin_equivalent', true, 'admin_via', '[]'::jsonb, 'console_password', true,
                'password_last_used',
                CASE WHEN i.recent THEN pg_temp.iso(x.seen - make_interval(days => r.a % 60)) END,
                'access_keys',
                CASE WHEN i.keys > 0
                     THEN jsonb_build_array(jsonb_build_object(
                              'active', true,
                              'last_used_date', pg_temp.iso(x.seen - interval '2 days'),
                              'last_used_service', 'iam'))
                     ELSE '[]'::jsonb END))
        || CASE WHEN r.control_id = 'IAM.9' AND s.status = 'FAILED'
                THEN '{"phishing_resistant": false, "priority": "critical"}'::jsonb
                ELSE '{}'::jsonb END
    -- IAM users (IAM.19, IAM.5): no device while failing, else its kinds; enforcement, stakes,
    -- and the priority when failing.
    WHEN r.resource_type = 'AwsIamUser' THEN
        jsonb_build_object(
            'mfa_devices',
            CASE WHEN s.status = 'FAILED' THEN '[]'::jsonb
                 ELSE (SELECT jsonb_agg(jsonb_build_object(
                                  'kind', d.kind,
                                  'serial', CASE d.kind
                                      WHEN 'virtual' THEN x.arn || 'mfa/user-' || r.ordinal
                                      WHEN 'fido' THEN x.arn || 'u2f/user/user-' || r.ordinal
                                                       || '/key-' || r.a
                                      WHEN 'sms' THEN x.arn || 'sms-mfa/user-' || r.ordinal
                                      ELSE 'GAHT' || lpad((r.a * 1000 + r.ordinal)::text, 8, '0')
                                  END,
                                  'enabled_at', pg_temp.iso(f.started_at)))
                       FROM unnest(CASE WHEN i.devices < 60 THEN ARRAY['virtual']
                                        WHEN i.devices < 75 THEN ARRAY['fido']
                                        WHEN i.devices < 83 THEN ARRAY['virtual', 'fido']
                                        WHEN i.devices < 93 THEN ARRAY['hardware_totp']
                                        ELSE ARRAY['sms'] END) AS d(kind))
            END,
            'phishing_resistant', s.status <> 'FAILED' AND i.devices BETWEEN 60 AND 82,
            'mfa_enforcement',
            jsonb_build_object(
                'state', i.enforcement,
                'by', CASE WHEN i.enforcement = 'enforced'
                           THEN jsonb_build_array(x.arn || 'policy/RequireMFA')
                           ELSE '[]'::jsonb END)
            || CASE WHEN i.enforcement = 'not_recognised'
                    THEN jsonb_build_object('unrecognised', jsonb_build_array(
                             'permissions boundary ' || x.arn || 'policy/DeveloperBoundary'))
                    ELSE '{}'::jsonb END,
            'stakes',
            jsonb_build_object(
                'admin_via', CASE WHEN i.admin = 'yes'
                                  THEN '["arn:aws:iam::aws:policy/AdministratorAccess"]'::jsonb
                                  ELSE '[]'::jsonb END,
                'console_password', i.console,
                'password_last_used',
                CASE WHEN i.console AND i.recent
                     THEN pg_temp.iso(x.seen - make_interval(days => r.ordinal % 80))
                     WHEN i.console AND r.ordinal % 3 = 0
                     THEN pg_temp.iso(x.seen - make_interval(days => 100 + r.ordinal))
                END,
                'access_keys',
                (SELECT coalesce(jsonb_agg(jsonb_build_object(
                            'active', true,
                            'last_used_date',
                            pg_temp.iso(x.seen - make_interval(
                                days => k + CASE WHEN i.recent THEN 0 ELSE 200 END)),
                            'last_used_service', CASE WHEN k = 1 THEN 's3' ELSE 'sts' END)),
                        '[]'::jsonb)
                 FROM generate_series(1, i.keys) AS k))
            || CASE i.admin
                   WHEN 'yes' THEN '{"admin_equivalent": true}'::jsonb
                   WHEN 'no' THEN '{"admin_equivalent": false}'::jsonb
                   ELSE jsonb_build_object('admin_unrecognised', jsonb_build_array(
                            x.arn || 'policy/legacy-admin: not a policy document'))
               END)
        || CASE WHEN s.status = 'FAILED' AND i.priority IS NOT NULL
                THEN jsonb_build_object('priority', i.priority) ELSE '{}'::jsonb END
    -- User pools (Cognito.5): password sign-in; the second factors of a pool that requires MFA
    -- (SMS alone in one in ten: weak); none read for one that fails.
    ELSE
        '{"sign_in_factors": ["PASSWORD"]}'::jsonb
        || CASE WHEN s.status = 'FAILED' THEN '{}'::jsonb
                WHEN r.a % 10 = 0 THEN '{"second_factors": ["SMS"], "weak_mfa": true}'::jsonb
                ELSE '{"second_factors": ["SOFTWARE_TOKEN", "SMS"], "weak_mfa": false}'::jsonb
           END
    END AS facts
) facts
ORDER BY s.last_n, r.a, r.rid;

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
-- And how strong it is (mfa_strength), as the store counts it in the same transaction.
SELECT count(*) AS sweeps_counted FROM (SELECT record_mfa_strength(sweep_id) FROM nights) AS counted;
COMMIT;
VACUUM ANALYZE;

-- The facts beyond the five controls (docs/controls.md, "Beyond the five controls"): each
-- resource's facts (kinds of device, enforcement, stakes, priority), each account's SCPs that
-- guard MFA, and per sweep, control and top-level OU how strong MFA is (the view mfa_strength).

-- The facts of a span's latest assessment, as the JSON report carries them beside the evidence;
-- NULL when none was read (sweeps from before, or the switches off).
ALTER TABLE finding_spans ADD COLUMN facts jsonb;
-- The sweep since which the resource has been `critical` without a break; NULL when it is not.
-- An identity whose span gets this sweep's number here became critical in it (notifications).
ALTER TABLE finding_spans ADD COLUMN critical_since_seq bigint;

-- The SCPs in force on the account that deny weakening MFA (empty: none); NULL when not read,
-- then mfa_guardrail_scps_error says why when they could not be read.
ALTER TABLE sweep_accounts ADD COLUMN mfa_guardrail_scps text[];
ALTER TABLE sweep_accounts ADD COLUMN mfa_guardrail_scps_error jsonb;

-- Per account and control, of the resources in scope: how many are phishing-resistant, enforced
-- by policy, admin-equivalent and failing. NULL where the fact was not read for the account
-- (a switch off, a sweep from before) or does not apply to the control.
ALTER TABLE control_results ADD COLUMN phishing_resistant integer;
ALTER TABLE control_results ADD COLUMN mfa_enforced integer;
ALTER TABLE control_results ADD COLUMN admin_without_mfa integer;

CREATE TABLE strength_counts (
    sweep_id           uuid NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    control_id         text NOT NULL REFERENCES controls (control_id),
    top_level_ou       text NOT NULL,
    phishing_resistant integer,
    mfa_enforced       integer,
    admin_without_mfa  integer,
    PRIMARY KEY (sweep_id, control_id, top_level_ou)
);

-- Counts one sweep (again, for a resumed one), beside record_mfa_coverage. A count is NULL for
-- an OU where any account assessed did not read the fact: a partial sum would be invented.
CREATE FUNCTION record_mfa_strength(sweep uuid) RETURNS void
LANGUAGE sql
BEGIN ATOMIC
    INSERT INTO strength_counts (sweep_id, control_id, top_level_ou, phishing_resistant,
                                 mfa_enforced, admin_without_mfa)
    SELECT cr.sweep_id, cr.control_id, top_level_ou(sa.ou_path),
           CASE WHEN bool_and(cr.phishing_resistant IS NOT NULL)
                THEN sum(cr.phishing_resistant) END,
           CASE WHEN bool_and(cr.mfa_enforced IS NOT NULL) THEN sum(cr.mfa_enforced) END,
           CASE WHEN bool_and(cr.admin_without_mfa IS NOT NULL)
                THEN sum(cr.admin_without_mfa) END
    FROM control_results cr
    JOIN sweep_accounts sa ON sa.sweep_id = cr.sweep_id AND sa.account_id = cr.account_id
    WHERE cr.sweep_id = record_mfa_strength.sweep AND cr.status <> 'ERROR'
    GROUP BY cr.sweep_id, cr.control_id, top_level_ou(sa.ou_path)
    ON CONFLICT (sweep_id, control_id, top_level_ou) DO UPDATE SET
        phishing_resistant = EXCLUDED.phishing_resistant,
        mfa_enforced = EXCLUDED.mfa_enforced,
        admin_without_mfa = EXCLUDED.admin_without_mfa;
END;

-- Sweeps that ended before this migration: their accounts read none of the facts, so every
-- count is NULL; the view still shows their in_scope and with_mfa, from mfa_coverage's counts.
SELECT record_mfa_strength(sweep_id) FROM sweeps WHERE status <> 'running';

CREATE VIEW mfa_strength AS
SELECT s.sweep_id,
       s.started_at AS sweep_started_at,
       s.status AS sweep_status,
       c.control_id,
       c.top_level_ou,
       c.in_scope,
       c.with_mfa,
       st.phishing_resistant,
       st.mfa_enforced,
       st.admin_without_mfa,
       st.phishing_resistant::double precision / nullif(c.in_scope, 0) AS phishing_resistant_share,
       NULL::text AS account_id
FROM coverage_counts c
JOIN sweeps s ON s.sweep_id = c.sweep_id
LEFT JOIN strength_counts st
       ON st.sweep_id = c.sweep_id AND st.control_id = c.control_id
      AND st.top_level_ou = c.top_level_ou;

COMMENT ON VIEW mfa_strength IS
$$How strong MFA is over time: per finished sweep, control and top-level OU, the identities in scope, how many have MFA, how many a phishing-resistant device, how many are made unable to act without MFA by policy, and how many admin-equivalent identities fail. Kept for ever.$$;
COMMENT ON COLUMN mfa_strength.sweep_id IS $$The sweep.$$;
COMMENT ON COLUMN mfa_strength.sweep_started_at IS $$When the sweep started.$$;
COMMENT ON COLUMN mfa_strength.sweep_status IS
$$completed, partial (some accounts errored), interrupted (stopped before its end), or running (being resumed).$$;
COMMENT ON COLUMN mfa_strength.control_id IS $$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN mfa_strength.top_level_ou IS
$$The first OU under the root (Workloads for Root/Workloads/Prod); the root's name for accounts directly under it; (unknown) when the OU path could not be read.$$;
COMMENT ON COLUMN mfa_strength.in_scope IS
$$Identities the control assesses there (as mfa_coverage.in_scope).$$;
COMMENT ON COLUMN mfa_strength.with_mfa IS
$$Of those, how many have MFA as the control requires it (as mfa_coverage.with_mfa).$$;
COMMENT ON COLUMN mfa_strength.phishing_resistant IS
$$IAM.5 and IAM.19: users with at least one enabled FIDO security key or passkey. NULL for the other controls (root's devices other than virtual cannot be listed), and where an account did not read the devices ([audit] mfa_devices off, sweeps from before).$$;
COMMENT ON COLUMN mfa_strength.mfa_enforced IS
$$IAM.5 and IAM.19: users an identity policy denies everything without MFA. NULL for the other controls, and where an account did not read the policies ([audit] policies off, sweeps from before).$$;
COMMENT ON COLUMN mfa_strength.admin_without_mfa IS
$$Failing identities that are admin-equivalent: root users without MFA (IAM.9), users with AdministratorAccess or an Allow of * or iam:* (IAM.5, IAM.19). NULL for IAM.6 and Cognito.5, and where an account did not read the policies.$$;
COMMENT ON COLUMN mfa_strength.phishing_resistant_share IS
$$phishing_resistant / in_scope, from 0 to 1; NULL when nothing is in scope or phishing_resistant is NULL.$$;
COMMENT ON COLUMN mfa_strength.account_id IS
$$Always NULL: the row is organization-wide (every view has the column).$$;

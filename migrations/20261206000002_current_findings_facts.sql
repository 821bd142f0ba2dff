-- current_findings gains the facts beyond the controls a person filters on (docs/sql.md):
-- priority, phishing_resistant, mfa_enforcement and admin_equivalent, read from each current
-- span's facts; NULL where not read. Columns are only added, at the end.
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
       e.expires AS exception_expires,
       f.facts->>'priority' AS priority,
       (f.facts->>'phishing_resistant')::boolean AS phishing_resistant,
       f.facts->'mfa_enforcement'->>'state' AS mfa_enforcement,
       (f.facts->'stakes'->>'admin_equivalent')::boolean AS admin_equivalent
FROM account_states a
JOIN finding_spans f ON f.account_id = a.account_id AND f.last_sweep_seq = a.last_assessed_seq
JOIN sweeps s ON s.sweep_seq = a.last_assessed_seq
LEFT JOIN exceptions e ON e.exception_id = f.exception_id;

COMMENT ON COLUMN current_findings.priority IS
$$What to fix first, on FAILED IAM.9, IAM.5 and IAM.19 findings: critical, high, medium or low (docs/controls.md); NULL elsewhere and where it could not be decided.$$;
COMMENT ON COLUMN current_findings.phishing_resistant IS
$$Root and IAM users: whether the identity has an enabled FIDO security key or passkey; NULL where the devices were not read or cannot be (root's devices other than virtual).$$;
COMMENT ON COLUMN current_findings.mfa_enforcement IS
$$IAM users: enforced, not_enforced or not_recognised (an identity policy denies everything without MFA, or not, or something that may decide it was not read); NULL where the policies were not read.$$;
COMMENT ON COLUMN current_findings.admin_equivalent IS
$$Root and IAM users: whether the identity can administer its account (root; AdministratorAccess; an Allow of * or iam:* on *); NULL where the policies were not read.$$;

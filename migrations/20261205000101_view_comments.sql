-- What every column of the views (and of the control catalogue) holds, for those who query them
-- with psql (\d+ current_findings) or a BI tool that shows comments. docs/sql.md carries the same
-- text, column by column: crates/store/tests/sql_doc.rs checks that the two agree and that no
-- column of a view is left without a comment. A view replaced later keeps its columns' comments;
-- a column added later needs its own.

COMMENT ON VIEW current_findings IS
$$What fails now: one row per resource and control, as of each account's latest successful assessment.$$;
COMMENT ON COLUMN current_findings.account_id IS $$The AWS account's 12-digit id.$$;
COMMENT ON COLUMN current_findings.account_name IS
$$The account's name in AWS Organizations, as its latest sweep read it.$$;
COMMENT ON COLUMN current_findings.ou_path IS
$$The account's OU path from the root (Root/Workloads/Prod), as its latest sweep read it.$$;
COMMENT ON COLUMN current_findings.control_id IS $$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN current_findings.resource_type IS
$$AwsAccount (the root user), AwsIamUser or AwsCognitoUserPool.$$;
COMMENT ON COLUMN current_findings.resource_id IS
$$The resource as the JSON report names it: arn:aws:iam::ACCOUNT:root for the root controls, the user's ARN with its path, the user pool's ARN.$$;
COMMENT ON COLUMN current_findings.status IS
$$PASSED, FAILED, or NOT_APPLICABLE (a user pool whose sign-in is not password-only, which Cognito.5 does not evaluate).$$;
COMMENT ON COLUMN current_findings.failing_since IS
$$For a FAILED finding, the start of the sweep that first found it failing in its current streak (a sweep in which the account errored does not break the streak); NULL otherwise.$$;
COMMENT ON COLUMN current_findings.last_assessed_at IS
$$The start of the sweep of the account's latest successful assessment, which these findings come from.$$;
COMMENT ON COLUMN current_findings.last_assessed_sweep_id IS $$The id of that sweep.$$;
COMMENT ON COLUMN current_findings.account_state IS
$$current (assessed in its latest sweep), stale (it errored in its latest sweep), excluded, suspended, pending_closure, closed or pending_activation (out of scope in its latest sweep), or left (no longer in the organization).$$;
COMMENT ON COLUMN current_findings.stale IS
$$True when the account errored in its latest sweep: its findings are those of an earlier sweep.$$;
COMMENT ON COLUMN current_findings.evidence IS
$$What decided the finding (the API fields read, and when), as JSON: that of the latest sweep that found the resource in this status.$$;
COMMENT ON COLUMN current_findings.exception_id IS
$$The accepted risk (an exception of the exceptions file) that covered the finding in that sweep; NULL when none did.$$;
COMMENT ON COLUMN current_findings.exception_owner IS $$That exception's owner.$$;
COMMENT ON COLUMN current_findings.exception_expires IS
$$The last day (UTC) that exception applies.$$;

COMMENT ON VIEW changes_since_previous_sweep IS
$$What changed between each account's last two successful assessments: one row per resource and control that changed.$$;
COMMENT ON COLUMN changes_since_previous_sweep.account_id IS $$The AWS account's 12-digit id.$$;
COMMENT ON COLUMN changes_since_previous_sweep.account_name IS
$$The account's name in AWS Organizations, as its latest sweep read it.$$;
COMMENT ON COLUMN changes_since_previous_sweep.control_id IS
$$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN changes_since_previous_sweep.resource_type IS
$$AwsAccount (the root user), AwsIamUser or AwsCognitoUserPool.$$;
COMMENT ON COLUMN changes_since_previous_sweep.resource_id IS
$$The resource as the JSON report names it: arn:aws:iam::ACCOUNT:root for the root controls, the user's ARN with its path, the user pool's ARN.$$;
COMMENT ON COLUMN changes_since_previous_sweep.change IS
$$new_failure (it fails now and did not before), resolved (it failed and does not now), new_resource (not there before), gone (there before and not now, or the account left the organization), out_of_scope or in_scope (a user pool that stopped or started being evaluated).$$;
COMMENT ON COLUMN changes_since_previous_sweep.status IS
$$The status now: PASSED, FAILED or NOT_APPLICABLE; NULL when the resource is gone.$$;
COMMENT ON COLUMN changes_since_previous_sweep.previous_status IS
$$The status at the assessment before; NULL for a new resource.$$;
COMMENT ON COLUMN changes_since_previous_sweep.sweep_id IS
$$The sweep of the account's latest successful assessment.$$;
COMMENT ON COLUMN changes_since_previous_sweep.sweep_started_at IS $$When that sweep started.$$;
COMMENT ON COLUMN changes_since_previous_sweep.previous_sweep_id IS
$$The sweep of the account's successful assessment before it.$$;
COMMENT ON COLUMN changes_since_previous_sweep.previous_sweep_started_at IS
$$When that sweep started.$$;
COMMENT ON COLUMN changes_since_previous_sweep.account_state IS
$$current (assessed in its latest sweep), stale (it errored in its latest sweep), or left (no longer in the organization: its findings are gone).$$;
COMMENT ON COLUMN changes_since_previous_sweep.exception_id IS
$$The accepted risk (an exception of the exceptions file) that covers the finding now; NULL when none does.$$;
COMMENT ON COLUMN changes_since_previous_sweep.exception_owner IS $$That exception's owner.$$;
COMMENT ON COLUMN changes_since_previous_sweep.exception_expires IS
$$The last day (UTC) that exception applies.$$;

COMMENT ON VIEW account_control_history IS
$$Per account, per control, per sweep: how each control stood in each account at each sweep.$$;
COMMENT ON COLUMN account_control_history.sweep_id IS $$The sweep.$$;
COMMENT ON COLUMN account_control_history.sweep_started_at IS $$When the sweep started.$$;
COMMENT ON COLUMN account_control_history.account_id IS $$The AWS account's 12-digit id.$$;
COMMENT ON COLUMN account_control_history.account_name IS
$$The account's name in AWS Organizations, as that sweep read it.$$;
COMMENT ON COLUMN account_control_history.control_id IS
$$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN account_control_history.status IS
$$PASSED, FAILED, NOT_APPLICABLE or ERROR (the control could not be read) in an assessed account; ERROR for every control of an account that errored; OUT_OF_SCOPE for an account the sweep skipped.$$;
COMMENT ON COLUMN account_control_history.failed_resources IS
$$Resources that failed the control, those an exception covered included; NULL when the account was not assessed.$$;
COMMENT ON COLUMN account_control_history.passed_resources IS
$$Resources that passed the control; NULL when the account was not assessed.$$;
COMMENT ON COLUMN account_control_history.account_outcome IS
$$assessed, error (the account could not be audited) or skipped (excluded, or not ACTIVE).$$;
COMMENT ON COLUMN account_control_history.error_code IS
$$The AWS error code (AccessDenied, ...) when the control or the whole account errored; NULL otherwise.$$;

COMMENT ON VIEW control_trend IS
$$Organization-wide, per control and finished sweep: accounts failed, passed and errored, and failing resources. Kept for ever.$$;
COMMENT ON COLUMN control_trend.sweep_id IS $$The sweep.$$;
COMMENT ON COLUMN control_trend.sweep_started_at IS $$When the sweep started.$$;
COMMENT ON COLUMN control_trend.sweep_status IS
$$completed, partial (some accounts errored), interrupted (stopped before its end), or running (being resumed).$$;
COMMENT ON COLUMN control_trend.control_id IS
$$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN control_trend.accounts_failed IS $$Accounts where the control failed.$$;
COMMENT ON COLUMN control_trend.accounts_passed IS $$Accounts where the control passed.$$;
COMMENT ON COLUMN control_trend.accounts_not_applicable IS
$$Accounts where the control had nothing to evaluate (NOT_APPLICABLE).$$;
COMMENT ON COLUMN control_trend.accounts_errored IS
$$Accounts where the control could not be read, or that errored as a whole.$$;
COMMENT ON COLUMN control_trend.failing_resources IS
$$Resources failing the control across the organization, those an exception covered included.$$;
COMMENT ON COLUMN control_trend.account_id IS
$$Always NULL: the row is organization-wide (every view has the column).$$;
COMMENT ON COLUMN control_trend.excepted_resources IS
$$Of failing_resources, those an exception covered.$$;
COMMENT ON COLUMN control_trend.accounts_failed_unexcepted IS
$$Accounts with a failure no exception covered; NULL for sweeps recorded before exceptions existed.$$;

COMMENT ON VIEW mfa_coverage IS
$$MFA coverage over time: per finished sweep, control and top-level OU, the identities the control assesses and how many have MFA. Kept for ever.$$;
COMMENT ON COLUMN mfa_coverage.sweep_id IS $$The sweep.$$;
COMMENT ON COLUMN mfa_coverage.sweep_started_at IS $$When the sweep started.$$;
COMMENT ON COLUMN mfa_coverage.sweep_status IS
$$completed, partial (some accounts errored), interrupted (stopped before its end), or running (being resumed).$$;
COMMENT ON COLUMN mfa_coverage.control_id IS $$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN mfa_coverage.top_level_ou IS
$$The first OU under the root (Workloads for Root/Workloads/Prod); the root's name for accounts directly under it; (unknown) when the OU path could not be read.$$;
COMMENT ON COLUMN mfa_coverage.accounts_assessed IS
$$Accounts of that OU whose control was evaluated in the sweep; accounts that errored are not counted.$$;
COMMENT ON COLUMN mfa_coverage.in_scope IS
$$Identities the control assesses there: root users (IAM.9, IAM.6), console users (IAM.5), IAM users (IAM.19), user pools whose sign-in is password-only (Cognito.5).$$;
COMMENT ON COLUMN mfa_coverage.with_mfa IS
$$Of those, how many have MFA as the control requires it (the resources that passed).$$;
COMMENT ON COLUMN mfa_coverage.share IS
$$with_mfa / in_scope, from 0 to 1; NULL when nothing is in scope.$$;
COMMENT ON COLUMN mfa_coverage.account_id IS
$$Always NULL: the row is organization-wide (every view has the column).$$;

COMMENT ON VIEW exceptions_status IS
$$One row per exception the latest sweep read: where each accepted risk stands.$$;
COMMENT ON COLUMN exceptions_status.exception_id IS $$The exception's id in the exceptions file.$$;
COMMENT ON COLUMN exceptions_status.owner IS $$Who owns the accepted risk.$$;
COMMENT ON COLUMN exceptions_status.reason IS $$Why the risk was accepted.$$;
COMMENT ON COLUMN exceptions_status.expires IS $$The last day (UTC) the exception applies.$$;
COMMENT ON COLUMN exceptions_status.ticket IS $$The exception's ticket; NULL when it has none.$$;
COMMENT ON COLUMN exceptions_status.state IS
$$active, expiring (within [exceptions] warn_days of its end), expired, or unused (it applies but covered nothing in that sweep: probably stale).$$;
COMMENT ON COLUMN exceptions_status.findings_covered IS
$$Failing findings the exception covered in that sweep.$$;
COMMENT ON COLUMN exceptions_status.sweep_id IS $$The latest sweep, whose reading this is.$$;
COMMENT ON COLUMN exceptions_status.sweep_started_at IS $$When that sweep started.$$;

COMMENT ON TABLE controls IS $$The control catalogue: one row per control.$$;
COMMENT ON COLUMN controls.control_id IS $$The control: IAM.9, IAM.6, IAM.5, IAM.19 or Cognito.5.$$;
COMMENT ON COLUMN controls.title IS $$The control's title, as AWS Security Hub words it.$$;
COMMENT ON COLUMN controls.severity IS $$CRITICAL, HIGH, MEDIUM or LOW, as Security Hub rates it.$$;
COMMENT ON COLUMN controls.remediation IS $$What to do about a failure.$$;
COMMENT ON COLUMN controls.config_rule IS $$The AWS Config rule behind the control.$$;

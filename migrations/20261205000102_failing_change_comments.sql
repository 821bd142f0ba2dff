-- The comments of what 20261205000002 (counts decided once) added to or changed in
-- changes_since_previous_sweep, as docs/sql.md describes them.
COMMENT ON COLUMN changes_since_previous_sweep.change IS
$$new_failure (it fails now and did not before), resolved (it failed and does not now), new_resource (not there before), gone (there before and not now, or the account left the organization), out_of_scope or in_scope (a user pool that stopped or started being evaluated), not_assessed (there before and not looked at now: its control errored, or its region was not searched; never gone, never resolved).$$;
COMMENT ON COLUMN changes_since_previous_sweep.failing_change IS
$$new_failure (failing now and not before: a new resource that fails included) or resolved (failing before and not now: a failing resource gone included); NULL otherwise. What the reports' "new failures" and "resolved" and the notifications count.$$;

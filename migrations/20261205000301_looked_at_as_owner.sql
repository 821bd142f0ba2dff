-- `looked_at` reads the tables beneath the views (`sweep_accounts`, `sweeps`,
-- `control_results`) to tell a resource gone from one the assessment did not look at. Called by
-- `changes_since_previous_sweep`, it runs with the rights of whoever queries the view, and the
-- read-only role of docs/database-roles.md may read the views alone: it was refused ("permission
-- denied for table sweep_accounts") as soon as a resource disappeared between two assessments.
-- Run it with its owner's rights, as the views are; it answers one boolean, and its search path
-- is pinned to its own schema so that a caller's cannot substitute a table.
DO $$
BEGIN
    EXECUTE format(
        'ALTER FUNCTION looked_at(text, bigint, text, text, text) SECURITY DEFINER '
        'SET search_path = %I, pg_temp',
        current_schema()
    );
END
$$;

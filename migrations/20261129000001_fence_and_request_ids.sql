-- Two additions, both safe on an existing history.

-- The AWS request id of an error, for a support case with AWS. NULL for local failures and for
-- errors recorded before this migration.
ALTER TABLE sweep_accounts ADD COLUMN error_request_id text;
ALTER TABLE control_results ADD COLUMN error_request_id text;

-- The fencing token. The sweep lock is a session advisory lock, and a PostgreSQL restart drops
-- it with its connection: another sweep may then take it while the first one is still auditing.
-- Whoever takes the lock increments the token; every write of a sweep (or an import) checks,
-- in its own transaction, that the token is still the one it got, so a sweep that lost the lock
-- can never write beside the one that took it after.
CREATE TABLE sweep_fence (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    token     bigint NOT NULL,
    taken_at  timestamptz
);
INSERT INTO sweep_fence (token) VALUES (0);

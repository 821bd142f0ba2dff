-- The sweep history: one row per sweep, per account per sweep, per control per account per
-- sweep, and per resource per control. Evidence is jsonb. Secrets never reach these tables.

CREATE TABLE controls (
    control_id  text PRIMARY KEY,
    title       text NOT NULL,
    severity    text NOT NULL CHECK (severity IN ('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')),
    remediation text NOT NULL,
    config_rule text NOT NULL
);

CREATE TABLE sweeps (
    sweep_id              uuid PRIMARY KEY,
    started_at            timestamptz NOT NULL,
    finished_at           timestamptz,
    status                text NOT NULL
                          CHECK (status IN ('running', 'completed', 'partial', 'interrupted')),
    organization_id       text,
    management_account_id text,
    regions               text[] NOT NULL,
    controls              text[] NOT NULL
);
CREATE INDEX sweeps_started_at ON sweeps (started_at DESC);

CREATE TABLE sweep_accounts (
    sweep_id      uuid NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    -- Not checked for 12 digits: an id Organizations returns malformed is recorded as an error.
    account_id    text NOT NULL,
    account_name  text NOT NULL,
    ou_path       text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('assessed', 'error', 'skipped')),
    skip_reason   text CHECK (skip_reason IN ('suspended', 'excluded')),
    error_operation text,
    error_region  text,
    error_code    text,
    error_message text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sweep_id, account_id),
    CHECK ((outcome = 'skipped') = (skip_reason IS NOT NULL)),
    CHECK ((outcome = 'error') = (error_operation IS NOT NULL))
);
CREATE INDEX sweep_accounts_account ON sweep_accounts (account_id, sweep_id);

CREATE TABLE control_results (
    sweep_id      uuid NOT NULL,
    account_id    text NOT NULL,
    control_id    text NOT NULL REFERENCES controls (control_id),
    status        text NOT NULL CHECK (status IN ('PASSED', 'FAILED', 'NOT_APPLICABLE', 'ERROR')),
    error_operation text,
    error_region  text,
    error_code    text,
    error_message text,
    PRIMARY KEY (sweep_id, account_id, control_id),
    FOREIGN KEY (sweep_id, account_id)
        REFERENCES sweep_accounts (sweep_id, account_id) ON DELETE CASCADE,
    CHECK ((status = 'ERROR') = (error_operation IS NOT NULL))
);

CREATE TABLE resource_findings (
    sweep_id      uuid NOT NULL,
    account_id    text NOT NULL,
    control_id    text NOT NULL,
    ordinal       integer NOT NULL,
    resource_type text NOT NULL,
    resource_id   text NOT NULL,
    status        text NOT NULL CHECK (status IN ('PASSED', 'FAILED')),
    evidence      jsonb NOT NULL,
    PRIMARY KEY (sweep_id, account_id, control_id, resource_id),
    FOREIGN KEY (sweep_id, account_id, control_id)
        REFERENCES control_results (sweep_id, account_id, control_id) ON DELETE CASCADE
);

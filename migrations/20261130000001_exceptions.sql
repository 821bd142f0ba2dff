-- Accepted risks: the exceptions each sweep read, and which exception covered which finding in
-- each sweep.

-- Each exception as last read (owner, reason and end date may change between sweeps).
CREATE TABLE exceptions (
    exception_id text PRIMARY KEY,
    owner        text NOT NULL,
    reason       text NOT NULL,
    expires      date NOT NULL,
    ticket       text
);

-- The exceptions each sweep read, as they stood on the sweep's day.
CREATE TABLE sweep_exceptions (
    sweep_id     uuid NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    exception_id text NOT NULL,
    owner        text NOT NULL,
    reason       text NOT NULL,
    expires      date NOT NULL,
    ticket       text,
    state        text NOT NULL CHECK (state IN ('active', 'expiring', 'expired')),
    PRIMARY KEY (sweep_id, exception_id)
);

-- Which exception covered which failing finding, in each sweep. Exceptions are few and
-- targeted, so one row per excepted finding and sweep stays small (a hundred excepted findings
-- for a year of nightly sweeps is 36,500 rows), and the history says exactly what was accepted
-- on which night.
CREATE TABLE excepted_findings (
    sweep_id     uuid NOT NULL,
    sweep_seq    bigint NOT NULL,
    account_id   text NOT NULL,
    control_id   text NOT NULL REFERENCES controls (control_id),
    resource_id  text NOT NULL,
    exception_id text NOT NULL,
    PRIMARY KEY (sweep_id, account_id, control_id, resource_id),
    FOREIGN KEY (sweep_id, account_id)
        REFERENCES sweep_accounts (sweep_id, account_id) ON DELETE CASCADE
);
CREATE INDEX excepted_findings_exception ON excepted_findings (exception_id, sweep_seq);

-- The exception of the latest sweep that saw the finding (as the span keeps that sweep's
-- evidence): what the views of "now" show. NULL when none covered it.
ALTER TABLE finding_spans ADD COLUMN exception_id text;

-- Failed resources an exception covered, per control result; the trends count them apart.
ALTER TABLE control_results ADD COLUMN excepted_resources integer NOT NULL DEFAULT 0;
ALTER TABLE control_trend_counts
    ADD COLUMN excepted_resources integer NOT NULL DEFAULT 0,
    -- NULL for sweeps recorded before exceptions existed.
    ADD COLUMN accounts_failed_unexcepted integer;

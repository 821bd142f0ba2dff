-- History that grows with what changes, not with sweeps x resources.
--
-- A finding span is one resource under one control in one status, over an unbroken run of an
-- account's successful assessments: a sweep that finds the resource in the same status extends
-- the span; a change of status, a resource that appears or disappears, starts or ends one. A sweep
-- in which the account errored neither extends nor ends a span, so a failing streak survives
-- errors. The evidence kept is that of the latest sweep that saw the resource in that status.

ALTER TABLE sweeps ADD COLUMN sweep_seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE sweeps ADD CONSTRAINT sweeps_seq_unique UNIQUE (sweep_seq);

-- Per-control counts, kept for trends after per-resource detail is pruned.
ALTER TABLE control_results
    ADD COLUMN failed_resources integer NOT NULL DEFAULT 0,
    ADD COLUMN passed_resources integer NOT NULL DEFAULT 0;

DROP TABLE resource_findings;

CREATE TABLE finding_spans (
    span_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      text NOT NULL,
    control_id      text NOT NULL REFERENCES controls (control_id),
    resource_type   text NOT NULL,
    resource_id     text NOT NULL,
    status          text NOT NULL CHECK (status IN ('PASSED', 'FAILED')),
    first_sweep_seq bigint NOT NULL,
    last_sweep_seq  bigint NOT NULL,
    first_seen_at   timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    -- The order the evaluator gave the resource, for stable reports.
    ordinal         integer NOT NULL,
    evidence        jsonb NOT NULL,
    CHECK (first_sweep_seq <= last_sweep_seq),
    UNIQUE (account_id, control_id, resource_id, first_sweep_seq)
);
-- Extending spans, an account's current findings, spans that ended: by account and the span's
-- last sweep. Covering, so the views read the index alone: the heap is visited for evidence only.
CREATE INDEX finding_spans_account_last ON finding_spans (account_id, last_sweep_seq)
    INCLUDE (control_id, status, resource_id, resource_type, first_seen_at);
-- Spans that began at an account's latest assessment: what changed since the previous one.
CREATE INDEX finding_spans_account_first ON finding_spans (account_id, first_sweep_seq)
    INCLUDE (control_id, status, resource_id, resource_type);
-- Reading one sweep across the organization, and pruning by age.
CREATE INDEX finding_spans_last_seq ON finding_spans (last_sweep_seq);

ALTER TABLE sweep_accounts ADD COLUMN sweep_seq bigint;
UPDATE sweep_accounts sa SET sweep_seq = s.sweep_seq FROM sweeps s WHERE s.sweep_id = sa.sweep_id;
ALTER TABLE sweep_accounts ALTER COLUMN sweep_seq SET NOT NULL;
CREATE INDEX sweep_accounts_account_seq ON sweep_accounts (account_id, sweep_seq DESC);

-- Each account's latest state, kept by the store as it writes each account: what the views
-- start from, so that "now" never needs a scan of the history.
CREATE TABLE accounts (
    account_id             text PRIMARY KEY,
    account_name           text NOT NULL,
    ou_path                text NOT NULL,
    last_sweep_seq         bigint NOT NULL,
    last_outcome           text NOT NULL CHECK (last_outcome IN ('assessed', 'error', 'skipped')),
    last_skip_reason       text,
    last_assessed_seq      bigint,
    last_assessed_at       timestamptz,
    previous_assessed_seq  bigint
);

-- Organization-wide counts per sweep and control, written when a sweep ends and never pruned.
CREATE TABLE control_trend_counts (
    sweep_id                uuid NOT NULL REFERENCES sweeps (sweep_id) ON DELETE CASCADE,
    control_id              text NOT NULL REFERENCES controls (control_id),
    accounts_failed         integer NOT NULL,
    accounts_passed         integer NOT NULL,
    accounts_not_applicable integer NOT NULL,
    accounts_errored        integer NOT NULL,
    failing_resources       integer NOT NULL,
    PRIMARY KEY (sweep_id, control_id)
);

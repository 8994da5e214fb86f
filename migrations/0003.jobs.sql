-- The durable job queue (outbox): work written in the same transaction as the change that causes it,
-- claimed by workers with FOR UPDATE SKIP LOCKED, retried with backoff, dead after max_attempts.

CREATE TABLE jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL,
    payload       jsonb NOT NULL DEFAULT '{}',
    incident_id   bigint REFERENCES incidents (id),
    -- Jobs sharing a key run one at a time, in id order (e.g. every Statuspage call of one incident).
    ordering_key  text,
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL CHECK (max_attempts >= 1),
    run_after     timestamptz NOT NULL,
    locked_by     text,
    locked_until  timestamptz,
    last_error    text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    finished_at   timestamptz
);
CREATE INDEX jobs_runnable ON jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_ordering ON jobs (ordering_key, id) WHERE status IN ('queued', 'running');

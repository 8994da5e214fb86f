-- Publishing on the status page is a person's decision: each decision (who chose to tell customers
-- what, and when) is a row here, and so is what became of it. Expand-only: the previous release
-- neither reads nor writes these, and keeps running on this schema.

CREATE TABLE statuspage_publications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id   bigint NOT NULL REFERENCES incidents (id),
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL,
    title         text NOT NULL,
    status        text NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    message       text NOT NULL,
    components    jsonb NOT NULL DEFAULT '{}',
    outcome       text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'published', 'refused')),
    public_id     text,
    link          text,
    error         text,
    finished_at   timestamptz
);
CREATE INDEX statuspage_publications_by_incident ON statuspage_publications (incident_id, id);

-- What customers see now, so the next form starts from it.
ALTER TABLE statuspage_incidents ADD COLUMN title text;
ALTER TABLE statuspage_incidents ADD COLUMN status text;
ALTER TABLE statuspage_incidents ADD COLUMN components jsonb NOT NULL DEFAULT '{}';

-- The component's name on the page, checked when it is mapped.
ALTER TABLE statuspage_components ADD COLUMN component_name text;

-- A publication Statuspage refused is audited as such.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('ok', 'denied', 'failed'));

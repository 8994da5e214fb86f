-- The incident lifecycle: incidents, their timeline, the audit log, processed Slack requests,
-- where declarations were announced, every notification, and incident templates.

CREATE TABLE incidents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title         text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    severity      text NOT NULL CHECK (severity IN ('P1', 'P2', 'P3', 'P4')),
    status        text NOT NULL CHECK (status IN ('declared', 'investigating', 'identified', 'monitoring', 'resolved')),
    service       text,
    description   text NOT NULL DEFAULT '',
    commander_id  text,
    comms_id      text,
    scribe_id     text,
    declared_by   text NOT NULL,
    channel_id    text UNIQUE,
    channel_name  text UNIQUE,
    summary_ts    text,
    template      text,
    declared_at   timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    resolved_at   timestamptz,
    resolution    text,
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX incidents_open ON incidents (severity, declared_at) WHERE status <> 'resolved';

CREATE TABLE incident_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    at           timestamptz NOT NULL,
    actor_id     text NOT NULL,
    kind         text NOT NULL,
    text         text NOT NULL DEFAULT '',
    data         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX incident_events_by_incident ON incident_events (incident_id, at, id);

CREATE TABLE audit_log (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_id     text NOT NULL,
    action       text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('ok', 'denied')),
    incident_id  bigint REFERENCES incidents (id),
    old_state    jsonb,
    new_state    jsonb,
    detail       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_incident ON audit_log (incident_id, at);

-- One row per Slack request acted on, keyed on trigger_id / view id / event_id: a redelivery finds
-- its key taken and changes nothing.
CREATE TABLE slack_requests (
    key          text PRIMARY KEY,
    incident_id  bigint REFERENCES incidents (id),
    received_at  timestamptz NOT NULL
);

CREATE TABLE announcements (
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    channel_id   text NOT NULL,
    ts           text NOT NULL,
    PRIMARY KEY (incident_id, channel_id)
);

CREATE TABLE notifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    at           timestamptz NOT NULL,
    kind         text NOT NULL,
    target       text NOT NULL,
    status       text NOT NULL CHECK (status IN ('sent', 'failed', 'throttled')),
    ts           text,
    error        text
);
CREATE INDEX notifications_dm_throttle ON notifications (incident_id, target, at) WHERE kind = 'dm' AND status = 'sent';

CREATE TABLE incident_templates (
    name         text PRIMARY KEY CHECK (char_length(name) BETWEEN 1 AND 75),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
    severity     text NOT NULL CHECK (severity IN ('P1', 'P2', 'P3', 'P4')),
    service      text,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

INSERT INTO incident_templates (name, title, severity, service, description) VALUES
    ('Database outage', 'Database unavailable', 'P1', NULL,
     'The primary database is down or refusing connections. Check replication, disk and connection limits.'),
    ('API degradation', 'API latency and errors elevated', 'P2', NULL,
     'API error rate or latency is above its SLO. Check recent deploys, dependencies and saturation.'),
    ('Security incident', 'Suspected security incident', 'P1', NULL,
     'Possible unauthorised access or data exposure. Limit who is invited; preserve evidence; involve security.'),
    ('Third-party outage', 'Third-party provider outage', 'P3', NULL,
     'A vendor we depend on is degraded. Track their status page and tell customers what is affected.'),
    ('Deploy rollback', 'Bad deploy, rolling back', 'P3', NULL,
     'A release caused errors. Roll back first, investigate after.');

-- Statuspage sync: which Statuspage component stands for each service, and which public incident
-- mirrors each local one.

CREATE TABLE statuspage_components (
    service       text PRIMARY KEY,
    component_id  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE statuspage_incidents (
    incident_id   bigint PRIMARY KEY REFERENCES incidents (id),
    public_id     text NOT NULL,
    shortlink     text,
    created_at    timestamptz NOT NULL
);

-- Ticked "publish on the status page" in the declare form, whatever the severity.
ALTER TABLE incidents ADD COLUMN public boolean NOT NULL DEFAULT false;

-- Baseline: marks this database as managed by incidentbot's migrations.
-- Tables arrive with the features that use them (0002 onwards); never edit a shipped migration.
CREATE TABLE incidentbot_schema_info (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO incidentbot_schema_info DEFAULT VALUES;

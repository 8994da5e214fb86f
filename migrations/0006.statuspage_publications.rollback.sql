DELETE FROM audit_log WHERE outcome = 'failed';
ALTER TABLE audit_log DROP CONSTRAINT audit_log_outcome_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('ok', 'denied'));
ALTER TABLE statuspage_components DROP COLUMN component_name;
ALTER TABLE statuspage_incidents DROP COLUMN components;
ALTER TABLE statuspage_incidents DROP COLUMN status;
ALTER TABLE statuspage_incidents DROP COLUMN title;
DROP TABLE statuspage_publications;

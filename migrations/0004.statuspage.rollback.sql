ALTER TABLE incidents DROP COLUMN public;
DROP TABLE statuspage_incidents;
DROP TABLE statuspage_components;

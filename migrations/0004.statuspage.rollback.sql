DROP TABLE statuspage_incidents;
DROP TABLE statuspage_components;

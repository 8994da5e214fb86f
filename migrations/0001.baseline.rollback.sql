DROP TABLE incidentbot_schema_info;

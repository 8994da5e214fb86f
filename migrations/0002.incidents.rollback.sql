DROP TABLE incident_templates;
DROP TABLE notifications;
DROP TABLE announcements;
DROP TABLE slack_requests;
DROP TABLE audit_log;
DROP TABLE incident_events;
DROP TABLE incidents;

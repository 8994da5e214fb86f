-- Timed work re-derived from state: archival after the retention window, and update reminders.

ALTER TABLE incidents
    ADD COLUMN last_update_at    timestamptz,
    ADD COLUMN reminded_at       timestamptz,
    ADD COLUMN snoozed_until     timestamptz,
    ADD COLUMN archive_warned_at timestamptz,
    ADD COLUMN archived_at       timestamptz;

UPDATE incidents SET last_update_at = updated_at;
ALTER TABLE incidents ALTER COLUMN last_update_at SET NOT NULL;

CREATE INDEX incidents_to_archive ON incidents (resolved_at) WHERE status = 'resolved' AND archived_at IS NULL;

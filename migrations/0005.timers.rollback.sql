DROP INDEX incidents_to_archive;
ALTER TABLE incidents
    DROP COLUMN last_update_at,
    DROP COLUMN reminded_at,
    DROP COLUMN snoozed_until,
    DROP COLUMN archive_warned_at,
    DROP COLUMN archived_at;

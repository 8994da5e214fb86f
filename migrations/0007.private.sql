-- Private incidents: a private channel, no announcements, shown only to its members and admins.
-- Expand only: the column has a default, so a daemon that does not know it keeps inserting rows.

ALTER TABLE incidents ADD COLUMN private boolean NOT NULL DEFAULT false;

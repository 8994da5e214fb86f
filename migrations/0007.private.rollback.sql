ALTER TABLE incidents DROP COLUMN private;

-- Stores are named by server (a name the settings map to a DSN) and database, never by a DSN:
-- no password is kept in the directory, and a server can change address.
ALTER TABLE tenant_directory
    ADD COLUMN server text,
    ADD COLUMN database_name text,
    ADD COLUMN tier text NOT NULL DEFAULT 'shared',
    ADD COLUMN region text NOT NULL DEFAULT '';
UPDATE tenant_directory SET tier = 'schema' WHERE schema_name <> current_schema();
ALTER TABLE tenant_directory DROP COLUMN database_url;

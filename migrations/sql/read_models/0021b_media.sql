-- The media library (`media_library`): a tenant's folders, and its files with the metadata a
-- list or grid shows. A deleted file's row stays, marked deleted, until the side effect has
-- removed its object (`removal_attempts` counts failures); then the row goes.
CREATE TABLE IF NOT EXISTS media_folders (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    name text NOT NULL,
    parent_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS media_folders_tenant_idx ON media_folders (tenant_id, parent_id);

CREATE TABLE IF NOT EXISTS media_files (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    folder_id uuid,
    name text NOT NULL,
    media_type text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    width integer,
    height integer,
    sha256 text NOT NULL,
    uploaded_by text NOT NULL,
    uploaded_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    removal_attempts integer NOT NULL DEFAULT 0,
    last_error text
);
-- The list: a tenant's files newest first, in a folder or in all of them.
CREATE INDEX IF NOT EXISTS media_files_tenant_idx
    ON media_files (tenant_id, uploaded_at DESC, id DESC) WHERE NOT deleted;
CREATE INDEX IF NOT EXISTS media_files_folder_idx
    ON media_files (tenant_id, folder_id, uploaded_at DESC, id DESC) WHERE NOT deleted;
-- What the media process manager still has to remove.
CREATE INDEX IF NOT EXISTS media_files_removal_idx ON media_files (updated_at) WHERE deleted;

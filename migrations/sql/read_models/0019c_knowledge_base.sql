-- The knowledge base: documents with their embedding progress, their chunks with the text
-- (searched with PostgreSQL's Indonesian full-text configuration) and, where the server has
-- pgvector 0.5.0 or later, a 768-dimension vector under an HNSW index (cosine distance), and how
-- common each stem is among a tenant's chunks.
--
-- A server without pgvector still gets both tables, without the `embedding` column: every store
-- migrates, every projection can rebuild, and the knowledge base refuses uploads there with
-- KNOWLEDGE_BASE_UNAVAILABLE (docs/ai.md). Installing pgvector later and running this file
-- again (delete its row from schema_migrations, then `niaga migrate`) adds the column.
CREATE TABLE IF NOT EXISTS kb_documents (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL,
    title text NOT NULL,
    filename text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 text NOT NULL,
    page_count integer NOT NULL,
    chunks_total integer NOT NULL,
    chunks_done integer NOT NULL DEFAULT 0,
    model text,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    uploaded_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS kb_documents_tenant_idx ON kb_documents (tenant_id, uploaded_at, id);

CREATE TABLE IF NOT EXISTS kb_chunks (
    document_id uuid NOT NULL,
    seq integer NOT NULL,
    tenant_id uuid NOT NULL,
    page integer NOT NULL,
    text text NOT NULL,
    model text,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('indonesian'::regconfig, text)) STORED,
    PRIMARY KEY (document_id, seq)
);
CREATE INDEX IF NOT EXISTS kb_chunks_tsv_idx ON kb_chunks USING gin (tsv);
CREATE INDEX IF NOT EXISTS kb_chunks_tenant_idx ON kb_chunks (tenant_id);

-- How many of a tenant's chunks hold each stem: a word found in most of them tells nothing
-- about a question's topic, and ranking every chunk it matches would be slow (docs/ai.md).
CREATE TABLE IF NOT EXISTS kb_terms (
    tenant_id uuid NOT NULL,
    lexeme text NOT NULL,
    chunks integer NOT NULL,
    PRIMARY KEY (tenant_id, lexeme)
);

DO $$
DECLARE
    available text;
    installed text;
    home text;
BEGIN
    SELECT default_version, installed_version INTO available, installed
    FROM pg_available_extensions WHERE name = 'vector';
    IF available IS NULL THEN
        RAISE NOTICE 'pgvector is not installed on this server: the knowledge base is off';
        RETURN;
    END IF;
    IF installed IS NULL THEN
        IF string_to_array(available, '.')::int[] < ARRAY[0, 5, 0] THEN
            RAISE NOTICE 'pgvector % has no HNSW (0.5.0 or later is needed)', available;
            RETURN;
        END IF;
        BEGIN
            -- Not in the store's schema: dropping a tenant's schema must not drop the type
            -- every other store's column uses.
            CREATE SCHEMA IF NOT EXISTS extensions;
            CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'no privilege to create the pgvector extension: the knowledge base is '
                'off (a superuser can run CREATE EXTENSION vector WITH SCHEMA extensions)';
            RETURN;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'hnsw') THEN
        RAISE NOTICE 'the installed pgvector has no HNSW (0.5.0 or later is needed)';
        RETURN;
    END IF;
    SELECT n.nspname INTO home
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'vector';
    EXECUTE format('ALTER TABLE %I.kb_chunks ADD COLUMN IF NOT EXISTS embedding %I.vector(768)',
        current_schema(), home);
    EXECUTE format('CREATE INDEX IF NOT EXISTS kb_chunks_embedding_idx ON %I.kb_chunks '
        'USING hnsw (embedding %I.vector_cosine_ops)', current_schema(), home);
END
$$;

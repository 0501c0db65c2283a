"""A store on a server without pgvector (the CI's PostgreSQL 15 from Debian bookworm, which has
no pgvector package) still migrates and rebuilds every read model; the knowledge base there
says clearly that it is not available instead of failing somewhere else. On a server that has
pgvector, the same migration gives the chunks their vector column and HNSW index."""

from __future__ import annotations

import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from application.ai.knowledge.documents import UploadDocument
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.errors import DomainError
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.kb_support import SOP_GARANSI, pdf


def _has_pgvector(niaga: Niaga) -> bool:
    with niaga.database.connection() as conn:
        found = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        return found.fetchone() is not None


def _columns(niaga: Niaga, schema: str, table: str) -> set[str]:
    with niaga.database.connection() as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            (schema, table),
        ).fetchall()
    return {r[0] for r in rows}


@pytest.mark.parametrize("placement", [Placement.SHARED, Placement.OWN_SCHEMA])
def test_the_knowledge_base_says_so_where_the_server_lacks_pgvector(
    niaga: Niaga, placement: Placement
) -> None:
    owner: Principal = principal_for(niaga.tenants.create("Warung Net", placement))
    store = store_of(niaga, owner.tenant_id)
    columns = _columns(niaga, store.ref.schema, "kb_chunks")
    assert {"document_id", "seq", "text", "tsv"} <= columns  # migrated either way
    upload = UploadDocument("sop.pdf", pdf(SOP_GARANSI))

    if _has_pgvector(niaga):
        assert "embedding" in columns
        assert niaga.services.knowledge_documents.upload(owner, upload)
        return

    assert "embedding" not in columns
    for attempt in (
        lambda: niaga.services.knowledge_documents.upload(owner, upload),
        lambda: niaga.services.knowledge_answers.ask(owner, "Berapa lama garansi?"),
    ):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "KNOWLEDGE_BASE_UNAVAILABLE"
        assert "pgvector" in refused.value.message
    assert niaga.services.knowledge_queries.documents(owner) == []
    # The projection has its tables everywhere, so rebuilding every read model still works.
    assert_live_equals_rebuild(niaga, store, ("knowledge_base",))


def test_the_migration_records_itself_once_on_every_store(niaga: Niaga) -> None:
    tenant = niaga.tenants.create("Toko Sendiri", Placement.OWN_SCHEMA)
    schema = store_of(niaga, tenant).ref.schema
    with niaga.database.connection() as conn:
        rows = conn.execute(
            sql.SQL(
                "SELECT count(*) FROM {}.schema_migrations WHERE version = '0019c_knowledge_base'"
            ).format(sql.Identifier(schema))
        ).fetchone()
    assert rows is not None
    assert rows[0] == 1

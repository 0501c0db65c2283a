"""Queries over kb_documents and kb_chunks: documents with their progress, nearest chunks by
vector (pgvector's HNSW index, cosine distance) and by full text (GIN, Indonesian stemming)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.ai.knowledge.ports import DocumentRow, Hit, Passage
from application.ai.knowledge.retrieval import selective
from application.shared.event_store import EventStore

_DOCUMENT_COLUMNS = sql.SQL(
    "id, title, filename, size_bytes, page_count, chunks_total, chunks_done, model, attempts, "
    "last_error, uploaded_at, updated_at"
)
# pgvector 0.8 scans the HNSW index on until enough rows pass the filters (other tenants'
# chunks in a shared store, another model's vectors); `relaxed_order` is re-sorted below. An
# older pgvector knows no such setting (and refuses it), so it is set only from 0.8 on.
_EF_SEARCH = "SELECT set_config('hnsw.ef_search', '100', true)"
_ITERATIVE_SCAN = "SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)"
_ITERATIVE_SINCE = (0, 8)
# The question's words stemmed as the chunks were, with how many of the tenant's chunks hold
# each stem, and how many chunks the tenant has.
_STEMS = (
    "SELECT l, coalesce(t.chunks, 0), (SELECT coalesce(sum(chunks_total), 0) FROM {documents} "
    "WHERE tenant_id = %s) FROM unnest(tsvector_to_array(to_tsvector('indonesian', %s))) AS l "
    "LEFT JOIN {terms} AS t ON t.tenant_id = %s AND t.lexeme = l"
)
# Any (or every) searched stem: a chunk matching more of them, and more often, ranks higher
# (normalised by its length). For the best, the share of all the question's stems they hold.
_BY_TEXT = (
    "WITH w AS (SELECT websearch_to_tsquery('simple', array_to_string(%s::text[], %s)) "
    "AS query), "
    "best AS (SELECT document_id, seq, tsv, ts_rank(tsv, w.query, 1) AS rank FROM {}, w "
    "WHERE tenant_id = %s AND tsv @@ w.query ORDER BY rank DESC, document_id, seq LIMIT %s) "
    "SELECT document_id, seq, rank, cardinality(ARRAY(SELECT unnest(%s::text[]) INTERSECT "
    "SELECT unnest(tsvector_to_array(best.tsv))))::float8 / %s "
    "FROM best ORDER BY rank DESC, document_id, seq"
)


class PostgresKnowledgeReadModels:
    """Implements KnowledgeReadModels.

    The searches are never prepared: a generic plan cannot see which tenant (a few chunks in a
    shared store, or thousands) or which words it is for, and after a few runs PostgreSQL would
    keep one that ranks every chunk of a tenant exactly instead of asking the HNSW index."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores
        self._vector_home: dict[str, str | None] = {}  # per store schema: pgvector's schema
        self._iterative: dict[str, bool] = {}  # per store schema: pgvector 0.8 or later

    def vectors_ready(self, store: EventStore) -> bool:
        return self._home(store) is not None

    def documents(self, store: EventStore, tenant_id: UUID) -> list[DocumentRow]:
        query = sql.SQL(
            "SELECT {} FROM {} WHERE tenant_id = %s ORDER BY uploaded_at DESC, id"
        ).format(_DOCUMENT_COLUMNS, table(store, "kb_documents"))
        return [DocumentRow(*row) for row in self._rows(store, query, (tenant_id,))]

    def chunk_texts(self, store: EventStore, document_id: UUID, start: int, stop: int) -> list[str]:
        query = sql.SQL(
            "SELECT text FROM {} WHERE document_id = %s AND seq >= %s AND seq < %s ORDER BY seq"
        ).format(table(store, "kb_chunks"))
        return [row[0] for row in self._rows(store, query, (document_id, start, stop))]

    def by_vector(
        self, store: EventStore, tenant_id: UUID, model: str, vector: Sequence[float], limit: int
    ) -> list[Hit]:
        home = self._home(store)
        if home is None:
            return []
        distance = sql.SQL("embedding OPERATOR({}.<=>) %s::{}.vector").format(
            sql.Identifier(home), sql.Identifier(home)
        )
        query = sql.SQL(
            "SELECT document_id, seq, 1 - ({0}) FROM {1} WHERE tenant_id = %s AND model = %s "
            "AND embedding IS NOT NULL ORDER BY {0} LIMIT %s"
        ).format(distance, table(store, "kb_chunks"))
        literal = "[" + ",".join(format(v, ".9g") for v in vector) + "]"
        with self._stores.database_for(store).connection() as conn, conn.transaction():
            conn.execute(_EF_SEARCH)
            if self._iterative.get(store.ref.schema):  # type: ignore[attr-defined]
                conn.execute(_ITERATIVE_SCAN)
            params = (literal, tenant_id, model, literal, limit)
            rows = conn.execute(query, params, prepare=False).fetchall()
        hits = [Hit(d, seq, float(similarity)) for d, seq, similarity in map(_row, rows)]
        return sorted(hits, key=lambda h: -h.score)

    def by_text(
        self, store: EventStore, tenant_id: UUID, terms: Sequence[str], limit: int
    ) -> list[Hit]:
        if not terms:
            return []
        stems_query = sql.SQL(_STEMS).format(
            documents=table(store, "kb_documents"), terms=table(store, "kb_terms")
        )
        counted = self._rows(store, stems_query, (tenant_id, " ".join(terms), tenant_id))
        if not counted:
            return []
        stems = [row[0] for row in counted]
        searched = selective([(row[0], row[1]) for row in counted], int(counted[0][2]))
        query = sql.SQL(_BY_TEXT).format(table(store, "kb_chunks"))
        joiner = " " if searched.every else " or "  # websearch: a space is AND
        params = (searched.stems, joiner, tenant_id, limit, stems, len(stems))
        rows = self._rows(store, query, params, prepare=False)
        return [Hit(d, seq, float(rank), float(coverage)) for d, seq, rank, coverage in rows]

    def passages(
        self, store: EventStore, tenant_id: UUID, keys: Sequence[tuple[UUID, int]]
    ) -> list[Passage]:
        if not keys:
            return []
        query = sql.SQL(
            "SELECT c.document_id, d.title, c.page, c.seq, c.text FROM {} AS c "
            "JOIN unnest(%s::uuid[], %s::int[]) AS k(d, s) ON c.document_id = k.d AND c.seq = k.s "
            "JOIN {} AS d ON d.id = c.document_id WHERE c.tenant_id = %s"
        ).format(table(store, "kb_chunks"), table(store, "kb_documents"))
        params = ([d for d, _ in keys], [s for _, s in keys], tenant_id)
        return [Passage(*row) for row in self._rows(store, query, params)]

    def pending(self, store: EventStore, model: str, limit: int) -> list[tuple[Any, ...]]:
        """Documents whose chunks lack vectors of `model`: (tenant, id, attempts, updated_at)."""
        query = sql.SQL(
            "SELECT tenant_id, id, attempts, updated_at FROM {} "
            "WHERE model IS DISTINCT FROM %s OR chunks_done < chunks_total "
            "ORDER BY updated_at, id LIMIT %s"
        ).format(table(store, "kb_documents"))
        return self._rows(store, query, (model, limit))

    def _home(self, store: EventStore) -> str | None:
        """The schema pgvector lives in, if the store's chunks have their vector column."""
        schema: str = store.ref.schema  # type: ignore[attr-defined]
        if schema not in self._vector_home:
            query = (
                "SELECT n.nspname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE a.attrelid = to_regclass(%s) AND a.attname = 'embedding' "
                "AND NOT a.attisdropped"
            )
            rows = self._rows(store, sql.SQL(query), (f'"{schema}".kb_chunks',))
            found = rows[0][0] if rows else None
            if found is None:
                return None  # asked again next time: pgvector may be added by a migration
            version = self._rows(
                store, sql.SQL("SELECT extversion FROM pg_extension WHERE extname = 'vector'"), ()
            )
            self._iterative[schema] = bool(version) and _version(version[0][0]) >= _ITERATIVE_SINCE
            self._vector_home[schema] = str(found)
        return self._vector_home[schema]

    def _rows(
        self,
        store: EventStore,
        query: sql.SQL | sql.Composed,
        params: Sequence[Any],
        prepare: bool | None = None,
    ) -> list[tuple[Any, ...]]:
        with self._stores.database_for(store).connection() as conn:
            return [_row(r) for r in conn.execute(query, params, prepare=prepare).fetchall()]


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _row(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)

"""`knowledge_base`: the knowledge base's documents with their embedding progress
(`kb_documents`), their chunks with text and vectors (`kb_chunks`), and how many of a tenant's
chunks hold each stem (`kb_terms`, kept as chunks come and go).

Vectors come from the `ChunksEmbedded` events the embedding jobs record: no model is called
here, and a rebuild writes the very same vectors. A deleted document's content reads back as
forgotten (its key is destroyed), so a rebuild never writes chunks for it in the first place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from psycopg import Cursor, sql

from domain.ai import vectors as vector_text
from domain.ai.knowledge import KnowledgeDocument
from domain.shared.recorded import RecordedEvent
from projections.shared import rows as table_rows
from projections.shared.base import table
from projections.shared.rows import Row

DOCUMENTS = "kb_documents"
CHUNKS = "kb_chunks"
TERMS = "kb_terms"
DOCUMENT_COLUMNS = (
    "id",
    "tenant_id",
    "title",
    "filename",
    "size_bytes",
    "sha256",
    "page_count",
    "chunks_total",
    "chunks_done",
    "model",
    "attempts",
    "last_error",
    "uploaded_at",
    "updated_at",
)
CHUNK_COLUMNS = ("document_id", "seq", "tenant_id", "page", "text")
D = KnowledgeDocument


class KnowledgeBaseProjection:
    name: str = "knowledge_base"
    event_types: tuple[type, ...] = (D.Uploaded, D.ChunksEmbedded, D.EmbeddingFailed, D.Deleted)
    tables: tuple[str, ...] = (DOCUMENTS, CHUNKS, TERMS)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        deleted = {e.aggregate_id for e in events if isinstance(e.event, D.Deleted)}
        table_rows.reduce_page(
            cur, schema, DOCUMENTS, DOCUMENT_COLUMNS, events, D.Uploaded, _document
        )
        chunks: list[Row] = []
        vectors: dict[tuple[UUID, int], tuple[str, str]] = {}
        for recorded in events:
            if recorded.aggregate_id in deleted:
                continue
            event = recorded.event
            if isinstance(event, D.Uploaded):
                chunks.extend(_chunks(recorded, event))
            elif isinstance(event, D.ChunksEmbedded) and not isinstance(event.vectors, str):
                for offset, encoded in enumerate(event.vectors):
                    key = (recorded.aggregate_id, event.first + offset)
                    vectors[key] = (_array_text(encoded), event.model)
        if chunks:
            table_rows.copy_in(cur, schema, CHUNKS, CHUNK_COLUMNS, chunks)
            _count_terms(cur, schema, list({row["document_id"] for row in chunks}), 1)
        _write_vectors(cur, schema, vectors)
        if deleted:
            _count_terms(cur, schema, list(deleted), -1)
            for name, column in ((CHUNKS, "document_id"), (DOCUMENTS, "id")):
                cur.execute(
                    sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(
                        table(schema, name), sql.Identifier(column)
                    ),
                    (list(deleted),),
                )


def _document(documents: dict[Any, Row], recorded: RecordedEvent) -> None:
    event = recorded.event
    if isinstance(event, D.Uploaded):
        documents[recorded.aggregate_id] = {
            "id": recorded.aggregate_id,
            "tenant_id": event.tenant_id,
            "title": event.title,
            "filename": event.filename,
            "size_bytes": event.size_bytes,
            "sha256": event.sha256,
            "page_count": event.page_count,
            "chunks_total": len(event.pages),
            "chunks_done": 0,
            "model": None,
            "attempts": 0,
            "last_error": None,
            "uploaded_at": recorded.timestamp,
        }
    row = documents.get(recorded.aggregate_id)
    if row is None:
        return
    if isinstance(event, D.ChunksEmbedded) and not isinstance(event.vectors, str):
        row.update(
            chunks_done=event.first + len(event.vectors),
            model=event.model,
            attempts=0,
            last_error=None,
        )
    elif isinstance(event, D.EmbeddingFailed):
        row.update(attempts=event.attempt, last_error=event.reason)
    elif isinstance(event, D.Deleted):
        del documents[recorded.aggregate_id]  # and deleted from the table after the page
        return
    row["updated_at"] = recorded.timestamp


def _chunks(recorded: RecordedEvent, event: Any) -> list[Row]:
    if isinstance(event.texts, str):  # forgotten: the document was deleted since
        return []
    return [
        {
            "document_id": recorded.aggregate_id,
            "seq": seq,
            "tenant_id": event.tenant_id,
            "page": page,
            "text": text,
        }
        for seq, (page, text) in enumerate(zip(event.pages, event.texts, strict=True))
    ]


def _count_terms(cur: Cursor[Any], schema: str, documents: list[UUID], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) the stems of these documents' chunks; a stem no
    chunk holds any more goes."""
    cur.execute(
        sql.SQL(
            "INSERT INTO {terms} (tenant_id, lexeme, chunks) "
            "SELECT c.tenant_id, l, %s * count(*) FROM {chunks} AS c, "
            "unnest(tsvector_to_array(c.tsv)) AS l WHERE c.document_id = ANY(%s) GROUP BY 1, 2 "
            "ON CONFLICT (tenant_id, lexeme) DO UPDATE SET chunks = {terms}.chunks + "
            "EXCLUDED.chunks"
        ).format(terms=table(schema, TERMS), chunks=table(schema, CHUNKS)),
        (sign, documents),
    )
    if sign < 0:  # before the documents' rows go: they name the tenants
        cur.execute(
            sql.SQL(
                "DELETE FROM {} WHERE chunks <= 0 AND tenant_id IN "
                "(SELECT tenant_id FROM {} WHERE id = ANY(%s))"
            ).format(table(schema, TERMS), table(schema, DOCUMENTS)),
            (documents,),
        )


def _array_text(encoded: str) -> str:
    """A vector as a PostgreSQL real[] literal: pgvector casts real[] to its type on assignment,
    so no statement here names the type (or the schema pgvector was installed in)."""
    return "{" + ",".join(format(v, ".9g") for v in vector_text.decode(encoded)) + "}"


def _write_vectors(
    cur: Cursor[Any], schema: str, vectors: dict[tuple[UUID, int], tuple[str, str]]
) -> None:
    if not vectors:
        return
    keys = list(vectors)
    cur.execute(
        sql.SQL(
            "UPDATE {} AS c SET embedding = v.e::real[], model = v.m "
            "FROM unnest(%s::uuid[], %s::int[], %s::text[], %s::text[]) AS v(d, s, e, m) "
            "WHERE c.document_id = v.d AND c.seq = v.s"
        ).format(table(schema, CHUNKS)),
        (
            [d for d, _ in keys],
            [s for _, s in keys],
            [vectors[k][0] for k in keys],
            [vectors[k][1] for k in keys],
        ),
    )

"""Follows kb_documents: a document whose chunks lack vectors of the current embedding model
gets an `embed` job (one batch of chunks), as the shared process-manager policy says: at once
when new or after a batch was recorded (the row changed), with backoff after failures, again
when a job was lost. What is still to embed is derived from the log, so nothing is lost when a
process dies; a batch embedded twice is recorded once."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from uuid import UUID

from adapters.ai.knowledge.read_models import PostgresKnowledgeReadModels
from adapters.shared.stores import PostgresEventStore, PostgresStores
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.ports import EmbeddingUnavailable
from application.shared.process_manager import (
    Dispatch,
    Pending,
    RetryPolicy,
    SideEffect,
    StoreSweep,
)

log = logging.getLogger(__name__)
# Doubling up to fifteen minutes: an embedding provider that is down or out of quota (or AI
# switched off, with Gemini as the embedder) is not helped by asking more often.
RETRIES = RetryPolicy(max_wait=900.0)
PAGE = 500


def embed_effect(documents: KnowledgeDocuments) -> SideEffect[UUID]:
    """Embed one batch of a document's chunks; a model that did not answer is recorded and
    retried."""
    return SideEffect("knowledge-embed", documents.embed, RETRIES, (EmbeddingUnavailable,))


class KnowledgeDispatcher(StoreSweep[PostgresEventStore]):
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresKnowledgeReadModels,
        model: str,
        embed: Dispatch[UUID],
    ) -> None:
        def pending(store: PostgresEventStore) -> list[Pending]:
            rows = read_models.pending(store, model, PAGE)
            return [Pending(tenant, doc, attempts, at) for tenant, doc, attempts, at in rows]

        super().__init__(stores.open_stores, pending, RETRIES, embed, lambda: datetime.now(UTC))

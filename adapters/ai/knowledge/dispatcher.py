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
from adapters.shared.stores import PostgresStores
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.ports import EmbeddingUnavailable
from application.shared.process_manager import (
    Dispatch,
    Pending,
    ProcessManager,
    RetryPolicy,
    SideEffect,
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


class KnowledgeDispatcher:
    def __init__(
        self,
        stores: PostgresStores,
        read_models: PostgresKnowledgeReadModels,
        model: str,
        embed: Dispatch[UUID],
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._model = model
        self._manager = ProcessManager(RETRIES, embed)

    def dispatch(self) -> int:
        """Submit a job for every document that is due; returns how many were submitted."""
        submitted = 0
        for store in self._stores.open_stores():
            rows = self._read_models.pending(store, self._model, PAGE)
            pending = [
                Pending(tenant, document, attempts, at) for tenant, document, attempts, at in rows
            ]
            submitted += self._manager.submit_due(pending, datetime.now(UTC))
        return submitted

    def forget_submissions(self) -> None:
        self._manager.forget_submissions()

    def wait(self) -> None:
        self._manager.wait()

    def close(self) -> None:
        self._manager.close()

"""The knowledge base as the WhatsApp concierge sees it (its `ShopKnowledge` port): the relevant
passages of the tenant's own documents, with "title, hlm. N" citations, and no answer.

The concierge records its own AI calls with its outcome; this lookup makes none of its own: with
the local embedding model the question is embedded here (no AI call), with Gemini as the
embedder the passages are found by their words alone, so no embedding call goes unmetered.
"""

from __future__ import annotations

from uuid import UUID

from application.ai.concierge.ports import Passage
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.ports import (
    KB_DIMENSIONS,
    Embedder,
    EmbeddingUnavailable,
    KnowledgeBaseUnavailable,
)
from application.ai.knowledge.retrieval import Retriever
from application.ai.ports import EmbeddingTask
from domain.ai import vectors as vector_text

MAX_QUESTION = 1_000


class ShopPassages:
    """Implements the concierge's `ShopKnowledge`."""

    def __init__(
        self,
        documents: KnowledgeDocuments,
        embedder: Embedder,
        retriever: Retriever,
        embed_questions: bool,
    ) -> None:
        self._documents = documents
        self._embedder = embedder
        self._retriever = retriever
        self._embed_questions = embed_questions  # only where embedding is no AI call

    def passages(self, tenant_id: UUID, question: str) -> list[Passage]:
        text = question.strip()[:MAX_QUESTION]
        if not text:
            return []
        try:
            store = self._documents.store_of(tenant_id)
        except KnowledgeBaseUnavailable:
            return []
        retrieval = self._retriever.retrieve(store, tenant_id, text, self._vector(tenant_id, text))
        return [
            Passage(f.passage.text, f"{f.passage.title}, hlm. {f.passage.page}")
            for f in retrieval.found
        ]

    def _vector(self, tenant_id: UUID, text: str) -> tuple[str, list[float], float] | None:
        if not self._embed_questions:
            return None
        try:
            embedded = self._embedder.embed(tenant_id, [text], EmbeddingTask.QUERY)
        except EmbeddingUnavailable:
            return None
        vector = vector_text.padded(embedded.vectors[0], KB_DIMENSIONS)
        return (self._embedder.model, vector, self._embedder.min_similarity)

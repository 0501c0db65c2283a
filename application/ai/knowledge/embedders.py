"""Gemini as the knowledge base's embedding model, through the AI port: the texts are masked
before they leave, and every call is metered like any other AI call."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from application.ai.knowledge.ports import EmbeddedTexts, EmbeddingUnavailable
from application.ai.ports import Ai, AiUnavailable, EmbeddingTask

FEATURE = "knowledge_base"
# gemini-embedding-001 puts related texts well above 0.7 in cosine similarity and unrelated
# Indonesian texts mostly between 0.5 and 0.65 (a starting point, not measured here: tune with
# NIAGA_KB_MIN_SIMILARITY); below it a passage counts only if it holds enough of the words.
GEMINI_MIN_SIMILARITY = 0.7


class GeminiEmbedder:
    """Implements `Embedder` with the AI port (`Ai.embed`)."""

    def __init__(self, ai: Ai, model: str, min_similarity: float = GEMINI_MIN_SIMILARITY) -> None:
        self._ai = ai
        self._model = model
        self._min_similarity = min_similarity

    @property
    def model(self) -> str:
        return self._model

    @property
    def min_similarity(self) -> float:
        return self._min_similarity

    def embed(self, tenant_id: UUID, texts: Sequence[str], task: EmbeddingTask) -> EmbeddedTexts:
        try:
            answer = self._ai.embed(tenant_id, FEATURE, texts, task)
        except AiUnavailable as error:
            usages = [error.usage] if error.usage is not None else []
            raise EmbeddingUnavailable(error.reason.value, error.message, usages) from None
        if len(answer.vectors) != len(texts):
            raise EmbeddingUnavailable(
                "invalid_answer",
                f"{len(answer.vectors)} vectors for {len(texts)} texts",
                [answer.usage],
            )
        return EmbeddedTexts(answer.vectors, [answer.usage])

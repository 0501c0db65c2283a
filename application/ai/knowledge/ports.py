"""What the knowledge base needs from outside: a PDF's text, an embedding model, and its read
models (documents with their progress; chunks searched by vector and by full text)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.ai.ports import EmbeddingTask
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from domain.ai.usage import AiUsage
from domain.shared.errors import InvalidValue

# The width of the vector column (migrations/sql/read_models/0019c_knowledge_base.sql): Gemini's
# recommended size for gemini-embedding-001; a smaller model's vectors are padded with zeros.
KB_DIMENSIONS = 768


class KnowledgeBaseUnavailable(ApplicationError):
    """The tenant's store is on a server without pgvector (0.5.0 or later)."""

    code = "KNOWLEDGE_BASE_UNAVAILABLE"


class NotAPdf(InvalidValue):
    code = "NOT_A_PDF"


class EncryptedPdf(InvalidValue):
    code = "PDF_ENCRYPTED"


class DocumentTooLarge(InvalidValue):
    code = "DOCUMENT_TOO_LARGE"


# -- PDF ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfPages:
    texts: list[str]  # one per page, in order; "" for a page without text


class PdfText(Protocol):
    def pages(self, data: bytes) -> PdfPages:
        """The text of every page; `NotAPdf`, `EncryptedPdf` (a password is needed) or
        `DocumentTooLarge` (too many pages) when it cannot be read."""


# -- embeddings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddedTexts:
    vectors: list[list[float]]
    usages: list[AiUsage]  # one per AI call made; none for a model on this machine


class EmbeddingUnavailable(ApplicationError):
    """The embedding model did not answer; `reason` says why (the AI layer's reasons)."""

    code = "EMBEDDING_UNAVAILABLE"

    def __init__(self, reason: str, message: str, usages: Sequence[AiUsage] = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.usages = list(usages)


class Embedder(Protocol):
    """Turns texts into vectors of at most `KB_DIMENSIONS` dimensions."""

    @property
    def model(self) -> str:
        """Names the vectors: those of different models are never compared."""

    @property
    def min_similarity(self) -> float:
        """Below this cosine similarity a chunk is not relevant to a question (by vector)."""

    def embed(self, tenant_id: UUID, texts: Sequence[str], task: EmbeddingTask) -> EmbeddedTexts:
        """Vectors in the order of the texts, or EmbeddingUnavailable."""


# -- read models -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRow:
    id: UUID
    title: str
    filename: str
    size_bytes: int
    page_count: int
    chunks_total: int
    chunks_done: int
    model: str | None
    attempts: int
    last_error: str | None
    uploaded_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Hit:
    document_id: UUID
    seq: int
    score: float  # cosine similarity, or full-text rank
    coverage: float = 0.0  # full text: the share of the question's words the chunk holds


@dataclass(frozen=True)
class Passage:
    document_id: UUID
    title: str
    page: int
    seq: int
    text: str


class KnowledgeReadModels(Protocol):
    def vectors_ready(self, store: EventStore) -> bool:
        """Whether the store's server has pgvector and the store its vector column."""

    def documents(self, store: EventStore, tenant_id: UUID) -> list[DocumentRow]:
        """Newest first."""

    def chunk_texts(self, store: EventStore, document_id: UUID, start: int, stop: int) -> list[str]:
        """The texts of chunks `start` to `stop - 1` of a document, in order."""

    def by_vector(
        self, store: EventStore, tenant_id: UUID, model: str, vector: Sequence[float], limit: int
    ) -> list[Hit]:
        """The tenant's chunks nearest to `vector` among those embedded by `model`."""

    def by_text(
        self, store: EventStore, tenant_id: UUID, terms: Sequence[str], limit: int
    ) -> list[Hit]:
        """The tenant's chunks matching any of the terms (Indonesian stemming), best first,
        each with the share of the terms it holds."""

    def passages(
        self, store: EventStore, tenant_id: UUID, keys: Sequence[tuple[UUID, int]]
    ) -> list[Passage]:
        """The chunks named by (document, seq), in no particular order."""

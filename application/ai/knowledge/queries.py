"""What clients read of the knowledge base: its documents and how far their embedding got."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from application.ai.knowledge.ports import DocumentRow, KnowledgeReadModels
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.ports import Stores


class DocumentStatus(StrEnum):
    EMBEDDING = "embedding"  # chunks still wait for vectors; words already find it
    RETRYING = "retrying"  # the embedding model failed; retried with backoff
    READY = "ready"


@dataclass(frozen=True)
class DocumentView:
    id: UUID
    title: str
    filename: str
    size_bytes: int
    page_count: int
    chunks_total: int
    chunks_done: int  # with the current embedding model
    status: DocumentStatus
    attempts: int
    last_error: str | None
    uploaded_at: datetime
    updated_at: datetime


class KnowledgeQueries:
    def __init__(self, stores: Stores, read_models: KnowledgeReadModels, model: str) -> None:
        self._stores = stores
        self._read_models = read_models
        self._model = model

    def documents(self, principal: Principal) -> list[DocumentView]:
        """The tenant's documents, newest first."""
        authorize(principal, Permission.READ_KNOWLEDGE)
        store = self._stores.for_tenant(principal.tenant_id)
        return [self._view(r) for r in self._read_models.documents(store, principal.tenant_id)]

    def document(self, principal: Principal, document_id: UUID) -> DocumentView | None:
        return next((d for d in self.documents(principal) if d.id == document_id), None)

    def _view(self, row: DocumentRow) -> DocumentView:
        # Vectors of another model (before the embedder was switched) count for nothing.
        done = row.chunks_done if row.model == self._model else 0
        if done >= row.chunks_total:
            status = DocumentStatus.READY
        elif row.attempts:
            status = DocumentStatus.RETRYING
        else:
            status = DocumentStatus.EMBEDDING
        return DocumentView(
            row.id,
            row.title,
            row.filename,
            row.size_bytes,
            row.page_count,
            row.chunks_total,
            done,
            status,
            row.attempts,
            row.last_error,
            row.uploaded_at,
            row.updated_at,
        )

"""Documents of the knowledge base: uploaded (text read per page and cut into chunks in the
command), embedded by a side effect, deleted with their content.

Embedding calls a model, so no projection can do it: the knowledge-base process manager
(adapters/ai/knowledge/dispatcher.py) finds documents whose chunks still lack vectors of the
current model and submits `embed` jobs, one batch of chunks each, under the shared retry policy
(application/shared/process_manager.py). Each batch's vectors are recorded as an event
(`ChunksEmbedded`), which the projection writes into the read model: progress is visible
batch by batch, and a read model rebuilt from the log has the very same vectors.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.ai.knowledge.ports import (
    KB_DIMENSIONS,
    DocumentTooLarge,
    Embedder,
    EmbeddingUnavailable,
    KnowledgeBaseUnavailable,
    KnowledgeReadModels,
    PdfText,
)
from application.ai.ports import EmbeddingTask
from application.shared.authorization import Permission, authorize
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from domain.ai import vectors as vector_text
from domain.ai.chunking import chunk_pages
from domain.ai.knowledge import KnowledgeDocument, NoTextFound
from domain.shared.errors import InvalidValue
from domain.shared.text import check_line

log = logging.getLogger(__name__)
EMBEDDER = Actor(ActorKind.SYSTEM, "knowledge-base")
BATCH = 64  # chunks per job and per event: one Gemini batch request (at most 100)
UNAVAILABLE = (
    "the knowledge base is not available: the PostgreSQL server of this tenant's store has no "
    "pgvector 0.5.0 or later (see docs/ai.md, Knowledge base)"
)


@dataclass(frozen=True)
class UploadDocument:
    filename: str
    data: bytes | None  # None: what came was not a file (a string where a multipart part goes)
    title: str = ""


class KnowledgeDocuments:
    """Upload and delete documents; `embed` is the side effect's job."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        read_models: KnowledgeReadModels,
        pdf: PdfText,
        embedder: Embedder,
        max_bytes: int,
        batch: int = BATCH,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._saver = Saver(sync)
        self._read_models = read_models
        self._pdf = pdf
        self._embedder = embedder
        self.max_bytes = max_bytes
        self._batch = batch

    def upload(self, principal: Principal, command: UploadDocument) -> UUID:
        """Read the PDF's text per page, cut it into chunks and record the document; its chunks
        are embedded afterwards (see the module's doc)."""
        authorize(principal, Permission.MANAGE_KNOWLEDGE)
        store = self.store_of(principal.tenant_id)
        if command.data is None:
            raise InvalidValue(
                "send the file as a part of a multipart request (GraphQL multipart or REST)",
                field="file",
            )
        if len(command.data) > self.max_bytes:
            raise DocumentTooLarge(
                f"the file is larger than {self.max_bytes // (1024 * 1024)} MiB", field="file"
            )
        check_line(command.title.strip(), "title", max_length=200)
        pdf = self._pdf.pages(command.data)
        chunks = chunk_pages(pdf.texts)
        if not chunks:
            raise NoTextFound(
                "no text found in the PDF (a scan or images only?): upload a PDF whose text can "
                "be selected, or run OCR on it first",
                field="file",
            )
        content = (len(command.data), len(pdf.texts), hashlib.sha256(command.data).hexdigest())
        document = KnowledgeDocument.upload(
            principal.tenant_id, command.title, command.filename, content, chunks
        )
        self._saver.save(store, principal, "UploadKnowledgeDocument", document)
        return document.id

    def delete(self, principal: Principal, document_id: UUID) -> None:
        """Delete a document and its chunks; its content is erased from the log too (its key
        is destroyed first, as forgetting a customer does)."""
        authorize(principal, Permission.MANAGE_KNOWLEDGE)
        store = self._stores.for_tenant(principal.tenant_id)
        document = load(store, KnowledgeDocument, document_id, principal.tenant_id, "document")
        if not document.delete():
            return
        store.niaga_mapper.personal_data.forget(document_id)
        self._saver.save(store, principal, "DeleteKnowledgeDocument", document)

    def store_of(self, tenant_id: UUID) -> EventStore:
        """The tenant's store, if its server can hold vectors; else KnowledgeBaseUnavailable."""
        store = self._stores.for_tenant(tenant_id)
        if not self._read_models.vectors_ready(store):
            raise KnowledgeBaseUnavailable(UNAVAILABLE)
        return store

    # -- the side effect ---------------------------------------------------------------------

    def embed(self, tenant_id: UUID, document_id: UUID) -> bool:
        """Embed the document's next batch of chunks and record their vectors; True while
        chunks remain. A failure of the model is recorded (the process manager retries it
        with backoff) and raised as EmbeddingUnavailable."""
        store = self._stores.for_tenant(tenant_id)
        model = self._embedder.model
        document = find(store, KnowledgeDocument, document_id)
        if document is None or document.deleted or document.complete_for(model):
            return False
        batch = document.next_batch(model, self._batch)
        texts = self._read_models.chunk_texts(store, document_id, batch.start, batch.stop)
        if len(texts) != len(batch):  # the read model lags the upload: the next pass will do
            return True
        try:
            embedded = self._embedder.embed(tenant_id, texts, EmbeddingTask.DOCUMENT)
        except EmbeddingUnavailable as failure:
            document.record_failure(model, f"{failure.reason}: {failure.message}", failure.usages)
            self._record(store, tenant_id, "RecordEmbeddingFailure", document)
            raise
        encoded = [
            vector_text.encode(vector_text.padded(v, KB_DIMENSIONS)) for v in embedded.vectors
        ]
        if document.record_vectors(batch.start, encoded, model, embedded.usages):
            self._record(store, tenant_id, "EmbedKnowledgeChunks", document)
        return not document.complete_for(model)

    def _record(self, store: EventStore, tenant_id: UUID, command: str, doc: object) -> None:
        """Another job recording the same batch first is fine: its record stands."""
        try:
            with recording(command, actor=EMBEDDER, tenant_id=tenant_id):
                saved = store.save_and_locate(doc)
        except IntegrityError:
            log.info("%s of %s was recorded concurrently", command, getattr(doc, "id", "?"))
            return
        self._sync.wait(store, saved)

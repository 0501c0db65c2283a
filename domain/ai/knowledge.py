"""The knowledge base: a tenant's documents (SOPs, contracts) cut into chunks and embedded for
retrieval, and the questions answered from them.

A document's chunk texts and vectors are its content, and a contract's content is often personal
data: they are encrypted with a key of that document alone (`personal_fields`), and deleting the
document destroys the key. The content is then gone from the event log as well as from the read
models; the record that a document was uploaded and deleted stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.ai.chunking import Chunk
from domain.ai.usage import AiUsage
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.personal_data import CarriesPersonalData
from domain.shared.text import check_line, printable

MAX_TITLE = 200
MAX_FILENAME = 255
MAX_CHUNKS = 5_000  # about 1,500 dense pages; a larger manual is better split
MAX_REASON = 300


class NoTextFound(DomainError):
    """The file holds no text to search: a scan, a photo, or only images."""

    code = "NO_TEXT_FOUND"


class DocumentDeleted(DomainError):
    code = "DOCUMENT_DELETED"


class KnowledgeDocument(Aggregate):
    """One uploaded document. `pages[i]` is the page (from 1) of chunk i."""

    class Event(Aggregate.Event, CarriesPersonalData):
        personal_fields = frozenset({"texts", "vectors"})

    class Uploaded(Event, Aggregate.Created):
        tenant_id: UUID
        title: str
        filename: str
        size_bytes: int
        sha256: str
        page_count: int
        pages: tuple[int, ...]
        texts: tuple[str, ...]

    class ChunksEmbedded(Event):
        """Vectors (domain/ai/vectors.py) of chunks `first`, `first + 1`, ... by `model`."""

        first: int
        vectors: tuple[str, ...]
        model: str
        ai_usages: tuple[AiUsage, ...]

    class EmbeddingFailed(Event):
        attempt: int
        model: str
        reason: str
        ai_usages: tuple[AiUsage, ...]

    class Deleted(Event):
        erases_subject = True

    @classmethod
    def upload(
        cls,
        tenant_id: UUID,
        title: str,
        filename: str,
        content: tuple[int, int, str],
        chunks: Sequence[Chunk],
    ) -> KnowledgeDocument:
        """`content` is the file's size in bytes, its page count and its SHA-256 (hex)."""
        size_bytes, page_count, sha256 = content
        if not chunks:
            raise NoTextFound("no text found in the document", field="file")
        if len(chunks) > MAX_CHUNKS:
            raise InvalidValue(
                f"the document has {len(chunks)} chunks of text; at most {MAX_CHUNKS} are "
                "accepted (split it)",
                field="file",
            )
        name = check_line(filename.strip() or "dokumen.pdf", "filename", max_length=MAX_FILENAME)
        return cls._create(
            cls.Uploaded,
            id=uuid4(),
            tenant_id=tenant_id,
            title=check_line(title.strip() or name, "title", max_length=MAX_TITLE),
            filename=name,
            size_bytes=size_bytes,
            sha256=sha256,
            page_count=page_count,
            pages=tuple(c.page for c in chunks),
            texts=tuple(c.text for c in chunks),
        )

    @event(Uploaded)
    def __init__(
        self,
        tenant_id: UUID,
        title: str,
        filename: str,
        size_bytes: int,
        sha256: str,
        page_count: int,
        pages: Sequence[int],
        texts: Sequence[str] | str,
    ) -> None:
        # Only what decisions need: the texts live in the read model (and in the event).
        self.tenant_id = tenant_id
        self.title = title
        self.chunk_count = len(pages)
        self.model: str | None = None  # the model of the vectors recorded so far
        self.embedded = 0
        self.failures = 0
        self.deleted = False

    def complete_for(self, model: str) -> bool:
        return self.model == model and self.embedded >= self.chunk_count

    def next_batch(self, model: str, size: int) -> range:
        """The chunks to embed next with `model`: from the first, when the vectors so far are
        another model's (the tenant switched embedders), else after the last embedded."""
        start = self.embedded if self.model == model else 0
        return range(start, min(start + size, self.chunk_count))

    def record_vectors(
        self, first: int, vectors: Sequence[str], model: str, usages: Sequence[AiUsage]
    ) -> bool:
        """False (nothing recorded) when those chunks are no longer next: another job
        embedded them first."""
        self._refuse_if_deleted()
        expected = self.next_batch(model, len(vectors))
        if first != expected.start or len(vectors) != len(expected) or not vectors:
            return False
        self._chunks_embedded(
            first=first, vectors=tuple(vectors), model=model, ai_usages=tuple(usages)
        )
        return True

    @event(ChunksEmbedded)
    def _chunks_embedded(
        self, first: int, vectors: Sequence[str], model: str, ai_usages: Sequence[AiUsage]
    ) -> None:
        self.model = model
        self.embedded = first + len(vectors)
        self.failures = 0

    def record_failure(self, model: str, reason: str, usages: Sequence[AiUsage]) -> None:
        self._refuse_if_deleted()
        self._embedding_failed(
            attempt=self.failures + 1,
            model=model,
            reason=printable(reason.strip(), MAX_REASON) or "unknown",
            ai_usages=tuple(usages),
        )

    @event(EmbeddingFailed)
    def _embedding_failed(
        self, attempt: int, model: str, reason: str, ai_usages: Sequence[AiUsage]
    ) -> None:
        self.failures = attempt

    def delete(self) -> bool:
        """False (nothing recorded) when it is deleted already."""
        if self.deleted:
            return False
        self._deleted()
        return True

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True

    def _refuse_if_deleted(self) -> None:
        if self.deleted:
            raise DocumentDeleted(f"document {self.id} was deleted", field="id")


class KnowledgeQuestion(Aggregate):
    """A question put to the knowledge base, kept for what its AI calls cost and which documents
    the answer cited. The question itself is not kept: it may name anyone."""

    class Answered(Aggregate.Created):
        tenant_id: UUID
        ai_status: str  # ok, or why the passages were returned without a generated answer
        found: bool
        cited: tuple[UUID, ...]  # documents the answer cites
        ai_usages: tuple[AiUsage, ...]

    @classmethod
    def answered(
        cls,
        tenant_id: UUID,
        ai_status: str,
        found: bool,
        cited: Sequence[UUID],
        usages: Sequence[AiUsage],
    ) -> KnowledgeQuestion:
        return cls._create(
            cls.Answered,
            id=uuid4(),
            tenant_id=tenant_id,
            ai_status=ai_status,
            found=found,
            cited=tuple(dict.fromkeys(cited)),
            ai_usages=tuple(usages),
        )

    @event(Answered)
    def __init__(
        self,
        tenant_id: UUID,
        ai_status: str,
        found: bool,
        cited: Sequence[UUID],
        ai_usages: Sequence[AiUsage],
    ) -> None:
        self.tenant_id = tenant_id
        self.ai_status = ai_status

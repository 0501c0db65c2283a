"""The knowledge base in GraphQL: upload PDFs (multipart request), follow their embedding, ask
questions answered from them with citations, delete them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.ai.knowledge.answers import AnswerView, Citation
from application.ai.knowledge.documents import UploadDocument
from application.ai.knowledge.queries import DocumentView
from application.ai.knowledge.retrieval import Found


@strawberry.type(description="A document of your knowledge base and how far its embedding got.")
class KnowledgeDocument:
    id: strawberry.ID
    title: str
    filename: str
    size_bytes: int
    page_count: int
    chunks_total: int = strawberry.field(description="Passages the document was cut into")
    chunks_done: int = strawberry.field(description="Passages embedded so far")
    status: str = strawberry.field(
        description="embedding (words already find it), retrying (the embedding model failed; "
        "retried with backoff) or ready"
    )
    attempts: int = strawberry.field(description="Failed embedding attempts in a row")
    last_error: str | None
    uploaded_at: datetime
    updated_at: datetime

    @strawberry.field(description="chunksDone / chunksTotal, from 0 to 1")
    def progress(self) -> float:
        return self.chunks_done / self.chunks_total if self.chunks_total else 1.0

    @classmethod
    def from_view(cls, view: DocumentView) -> KnowledgeDocument:
        return cls(
            id=strawberry.ID(str(view.id)),
            title=view.title,
            filename=view.filename,
            size_bytes=view.size_bytes,
            page_count=view.page_count,
            chunks_total=view.chunks_total,
            chunks_done=view.chunks_done,
            status=view.status.value,
            attempts=view.attempts,
            last_error=view.last_error,
            uploaded_at=view.uploaded_at,
            updated_at=view.updated_at,
        )


@strawberry.type(description="Where an answer comes from: a document and a page.")
class KnowledgeCitation:
    document_id: strawberry.ID
    title: str
    page: int

    @classmethod
    def from_citation(cls, citation: Citation) -> KnowledgeCitation:
        return cls(
            document_id=strawberry.ID(str(citation.document_id)),
            title=citation.title,
            page=citation.page,
        )


@strawberry.type(description="A passage of a document found for the question.")
class KnowledgePassage:
    document_id: strawberry.ID
    title: str
    page: int
    text: str
    score: float = strawberry.field(description="Reciprocal rank fusion of both searches")
    similarity: float | None = strawberry.field(
        description="Cosine similarity to the question, when the vector search ranked it"
    )
    matched_words: bool = strawberry.field(
        description="It holds more than a third of the question's words (full text)"
    )

    @classmethod
    def from_found(cls, found: Found) -> KnowledgePassage:
        passage = found.passage
        return cls(
            document_id=strawberry.ID(str(passage.document_id)),
            title=passage.title,
            page=passage.page,
            text=passage.text,
            score=found.score,
            similarity=found.similarity,
            matched_words=found.matched_words,
        )


@strawberry.type(description="An answer from your own documents only, with its citations.")
class KnowledgeAnswer:
    found: bool = strawberry.field(description="Relevant passages were found (and held it)")
    answer: str | None = strawberry.field(
        description="Written by the model from the passages; null without AI or when not found"
    )
    message: str | None = strawberry.field(
        description="In Indonesian: nothing relevant was found, or why passages come alone"
    )
    ai_status: str = strawberry.field(
        description="ok; not_needed (nothing relevant, no model asked); or why AI did not "
        "answer: off, no_key, quota, timeout, invalid_answer, budget, breaker_open, "
        "provider_error"
    )
    retrieval: str = strawberry.field(
        description="hybrid (vectors and full text), or full_text when the question could not "
        "be embedded"
    )
    citations: list[KnowledgeCitation]
    passages: list[KnowledgePassage]

    @classmethod
    def from_view(cls, view: AnswerView) -> KnowledgeAnswer:
        return cls(
            found=view.found,
            answer=view.answer,
            message=view.message,
            ai_status=view.ai_status,
            retrieval="hybrid" if view.hybrid else "full_text",
            citations=[KnowledgeCitation.from_citation(c) for c in view.citations],
            passages=[KnowledgePassage.from_found(f) for f in view.passages],
        )


@strawberry.type
class KnowledgeDocumentSuccess:
    document: KnowledgeDocument


@strawberry.type
class DeleteKnowledgeDocumentSuccess:
    id: strawberry.ID


@strawberry.type
class AskKnowledgeBaseSuccess:
    answer: KnowledgeAnswer


KnowledgeDocumentResult = Annotated[
    KnowledgeDocumentSuccess | Errors, strawberry.union("KnowledgeDocumentResult")
]
DeleteKnowledgeDocumentResult = Annotated[
    DeleteKnowledgeDocumentSuccess | Errors, strawberry.union("DeleteKnowledgeDocumentResult")
]
AskKnowledgeBaseResult = Annotated[
    AskKnowledgeBaseSuccess | Errors, strawberry.union("AskKnowledgeBaseResult")
]


@strawberry.type
class KnowledgeQuery:
    @strawberry.field(description="Your knowledge base's documents, newest first.")
    async def knowledge_documents(self, info: NiagaInfo) -> list[KnowledgeDocument]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.knowledge_queries.documents(who))
        return [KnowledgeDocument.from_view(v) for v in views]

    @strawberry.field(description="One document of your knowledge base, with its progress.")
    async def knowledge_document(self, info: NiagaInfo, id: strawberry.ID) -> KnowledgeDocument:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.knowledge_queries.document(who, parse_id(id, "id")), "document")
        )
        return KnowledgeDocument.from_view(view)


@strawberry.type
class KnowledgeMutation:
    @strawberry.mutation(
        description="Upload a PDF (SOP, contract) to your knowledge base, as a multipart "
        "request; its text is read per page and embedded in the background (see progress)."
    )
    async def upload_knowledge_document(
        self, info: NiagaInfo, file: Upload, title: str = ""
    ) -> KnowledgeDocumentResult:
        services, who = info.context.services, info.context.principal
        limit = services.knowledge_documents.max_bytes
        # In a JSON body the "file" is whatever the client wrote there: refused by the command.
        read = getattr(file, "read", None)
        data = await read(limit + 1) if callable(read) else None
        filename = str(getattr(file, "filename", "") or "")
        command = UploadDocument(filename, data, title)

        def upload() -> KnowledgeDocumentSuccess:
            document_id = services.knowledge_documents.upload(who, command)
            view = found(services.knowledge_queries.document(who, document_id), "document")
            return KnowledgeDocumentSuccess(document=KnowledgeDocument.from_view(view))

        return await run_command(upload)

    @strawberry.mutation(description="Delete a document; its passages go with it, for good.")
    async def delete_knowledge_document(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> DeleteKnowledgeDocumentResult:
        services, who = info.context.services, info.context.principal

        def delete() -> DeleteKnowledgeDocumentSuccess:
            services.knowledge_documents.delete(who, parse_id(id, "id"))
            return DeleteKnowledgeDocumentSuccess(id=id)

        return await run_command(delete)

    @strawberry.mutation(
        description="Ask your knowledge base. The answer comes from your documents only, with "
        "citations; when they hold nothing relevant it says so. A mutation: it may spend AI "
        "tokens, and what it spent is recorded."
    )
    async def ask_knowledge_base(self, info: NiagaInfo, question: str) -> AskKnowledgeBaseResult:
        services, who = info.context.services, info.context.principal

        def ask() -> AskKnowledgeBaseSuccess:
            view = services.knowledge_answers.ask(who, question)
            return AskKnowledgeBaseSuccess(answer=KnowledgeAnswer.from_view(view))

        return await run_command(ask)

"""The knowledge base over REST: upload a PDF (multipart), list the documents with their
progress, delete one. Questions are asked through GraphQL (`askKnowledgeBase`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.shared.deps import PrincipalDep, ServicesDep, require_principal, require_writer
from application.ai.knowledge.documents import UploadDocument
from application.ai.knowledge.ports import DocumentTooLarge, KnowledgeBaseUnavailable
from application.ai.knowledge.queries import DocumentView
from domain.shared.errors import DomainError

router = APIRouter(prefix="/knowledge", tags=["knowledge base"])
_STATUS = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}


class KnowledgeDocumentPublic(BaseModel):
    id: UUID
    title: str
    filename: str
    size_bytes: int
    page_count: int
    chunks_total: int
    chunks_done: int
    status: str
    attempts: int
    last_error: str | None
    uploaded_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: DocumentView) -> KnowledgeDocumentPublic:
        return cls(**{**vars(view), "status": view.status.value})


@router.post(
    "/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=KnowledgeDocumentPublic,
    responses={202: {"description": "Stored; its read model is not there yet: list again"}},
)
async def upload_document(
    services: ServicesDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="A PDF whose text can be selected")],
    title: Annotated[str, Form()] = "",
) -> Response | KnowledgeDocumentPublic:
    """Upload a PDF; its text is read per page now and embedded in the background."""
    who = require_writer(principal)
    documents, queries = services.knowledge_documents, services.knowledge_queries
    data = await file.read(documents.max_bytes + 1)
    command = UploadDocument(file.filename or "", data, title)

    def upload() -> tuple[UUID, DocumentView | None]:
        document_id = documents.upload(who, command)
        return document_id, queries.document(who, document_id)

    try:
        document_id, view = await run_in_threadpool(upload)
    except DomainError as error:
        raise _http_error(error) from None
    if view is None:  # stored, but its read model lags: saved is reported as saved
        body = {"id": str(document_id), "stored": True}
        return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED)
    return KnowledgeDocumentPublic.of(view)


@router.get("/documents")
async def list_documents(
    services: ServicesDep, principal: PrincipalDep
) -> list[KnowledgeDocumentPublic]:
    """Your documents, newest first, with how far their embedding got."""
    who = require_principal(principal)
    try:
        views = await run_in_threadpool(services.knowledge_queries.documents, who)
    except DomainError as error:
        raise _http_error(error) from None
    return [KnowledgeDocumentPublic.of(v) for v in views]


@router.delete("/documents/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_document(
    document_id: UUID, services: ServicesDep, principal: PrincipalDep
) -> Response:
    """Delete a document and its passages, for good."""
    who = require_writer(principal)
    try:
        await run_in_threadpool(services.knowledge_documents.delete, who, document_id)
    except DomainError as error:
        raise _http_error(error) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _http_error(error: DomainError) -> HTTPException:
    if isinstance(error, DocumentTooLarge):
        code = 413
    elif isinstance(error, KnowledgeBaseUnavailable):
        code = status.HTTP_503_SERVICE_UNAVAILABLE
    else:
        code = _STATUS.get(error.code, 400)
    detail = {"code": error.code, "message": error.message, "field": error.field}
    return HTTPException(code, detail=detail)

"""The media library over REST: upload a file (multipart) and stream one back. Folders, lists,
renames, moves and deletes are in GraphQL (`mediaFiles`, `moveMedia`, ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, File, Form, HTTPException, UploadFile, status
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.shared.deps import PrincipalDep, ServicesDep, require_principal, require_writer
from application.agency.media import UploadMedia
from application.agency.ports import MediaFileView, MediaTooLarge, StorageUnavailable
from domain.agency.file_types import MediaType, MediaTypeRefused
from domain.shared.errors import DomainError

router = APIRouter(prefix="/api/v1/media", tags=["media library"])
_STATUS = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}


class MediaFilePublic(BaseModel):
    id: UUID
    folder_id: UUID | None
    name: str
    type: str
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    uploaded_by: str
    uploaded_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: MediaFileView) -> MediaFilePublic:
        return cls(**{**vars(view), "type": view.media_type.value})


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MediaFilePublic,
    responses={
        202: {"description": "Stored; its read model is not there yet: list again"},
        415: {"description": "The content is of no accepted type, or not the type it claims"},
    },
)
async def upload_media(
    services: ServicesDep,
    principal: PrincipalDep,
    file: Annotated[
        UploadFile, File(description="PNG, JPEG, GIF, WebP, PDF, ZIP or plain UTF-8 text")
    ],
    name: Annotated[str, Form(description="Unset: the file's own name")] = "",
    folder_id: Annotated[UUID | None, Form(description="Unset: the top level")] = None,
) -> JSONResponse | MediaFilePublic:
    """Upload a file to your media library; its type is read from its bytes."""
    who = require_writer(principal)
    library, queries = services.media_library, services.media_queries
    data = await file.read(library.max_bytes + 1)
    command = UploadMedia(file.filename or "", data, name, folder_id, file.content_type)

    def upload() -> tuple[UUID, MediaFileView | None]:
        file_id = library.upload(who, command)
        return file_id, queries.file(who, file_id)

    try:
        file_id, view = await run_in_threadpool(upload)
    except DomainError as error:
        raise _http_error(error) from None
    if view is None:  # stored, but its read model lags: saved is reported as saved
        return JSONResponse({"id": str(file_id), "stored": True}, status.HTTP_202_ACCEPTED)
    return MediaFilePublic.of(view)


@router.get(
    "/{file_id}/content",
    response_class=StreamingResponse,
    responses={200: {"content": {"image/*": {}, "application/pdf": {}, "text/plain": {}}}},
)
async def media_content(
    file_id: UUID, services: ServicesDep, principal: PrincipalDep
) -> StreamingResponse:
    """Stream one of your media files, with its content type."""
    who = require_principal(principal)
    try:
        view, chunks = await run_in_threadpool(services.media_queries.content, who, file_id)
    except DomainError as error:
        raise _http_error(error) from None
    disposition = "inline" if view.media_type is MediaType.IMAGE else "attachment"
    # X-Content-Type-Options: nosniff comes with every response (api/shared/security_headers.py).
    headers = {
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(view.name)}",
        "Content-Length": str(view.size_bytes),
    }
    return StreamingResponse(chunks, media_type=view.content_type, headers=headers)


def _http_error(error: DomainError) -> HTTPException:
    if isinstance(error, MediaTooLarge):
        code = status.HTTP_413_CONTENT_TOO_LARGE
    elif isinstance(error, MediaTypeRefused):
        code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    elif isinstance(error, StorageUnavailable):
        code = status.HTTP_503_SERVICE_UNAVAILABLE
    else:
        code = _STATUS.get(error.code, 400)
    detail = {"code": error.code, "message": error.message, "field": error.field}
    return HTTPException(code, detail=detail)

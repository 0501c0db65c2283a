"""REST for auditors' tools that want files, not GraphQL: a period's audit log or events,
streamed as CSV or JSON Lines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from adapters.audit.exports import lines
from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from api.shared.etag import ETAG_HEADER, ETAG_RESPONSES, etag_for, tag_headers
from application.audit.audit_exports import ExportKind
from domain.shared.errors import DomainError

router = APIRouter(responses=ETAG_RESPONSES)


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


_MEDIA_TYPES = {ExportFormat.csv: "text/csv", ExportFormat.jsonl: "application/x-ndjson"}


@router.get(
    "/audit/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {}, "application/x-ndjson": {}},
            "headers": ETAG_HEADER,
        }
    },
    tags=["audit"],
)
async def audit_export(
    services: ServicesDep,
    principal: PrincipalDep,
    tag: Annotated[str, Depends(etag_for())],
    start: Annotated[datetime, Query(alias="from", description="Inclusive, with an offset")],
    end: Annotated[datetime, Query(alias="to", description="Exclusive, with an offset")],
    what: ExportKind = ExportKind.AUDIT,
    format: ExportFormat = ExportFormat.jsonl,
) -> StreamingResponse:
    """Your tenant's audit log or events recorded in [from, to), oldest first, streamed a page
    at a time; forgotten personal data reads [forgotten]. Auditors, owners, admins, finance."""
    who = require_principal(principal)
    try:
        rows = await run_in_threadpool(services.audit_exports.export, who, what, start, end)
    except DomainError as error:
        status = {"PERMISSION_DENIED": 403}.get(error.code, 400)
        raise HTTPException(status, detail=error.message) from None
    filename = f"{what.value}-{start.date()}-{end.date()}.{format.value}"
    return StreamingResponse(
        lines(rows, what, format.value),
        media_type=_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **tag_headers(tag)},
    )

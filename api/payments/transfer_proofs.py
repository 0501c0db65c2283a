"""Manual bank transfers with an uploaded proof (multipart), and reading the proof back."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, File, Form, HTTPException, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from api.shared.deps import PrincipalDep, ServicesDep, require_principal, require_writer
from application.payments.transfer_proofs import ProofTooLarge, ProofTypeRefused
from domain.shared.errors import DomainError

router = APIRouter()
_STATUS = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}


@router.post("/transfers", status_code=status.HTTP_201_CREATED, tags=["transfers"])
async def submit_transfer(
    services: ServicesDep,
    principal: PrincipalDep,
    customer_id: Annotated[UUID, Form()],
    amount: Annotated[int, Form(gt=0)],
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or PDF")],
) -> dict[str, object]:
    """Submit a bank transfer with its proof, for finance to approve."""
    who = require_writer(principal)
    limit = services.transfer_proofs.max_bytes
    data = await file.read(limit + 1)
    try:
        submitted = await run_in_threadpool(
            services.transfer_proofs.submit, who, customer_id, amount, data
        )
    except DomainError as error:
        raise _http_error(error) from None
    return {
        "transfer_id": str(submitted.transfer_id),
        "content_type": submitted.content_type,
        "size": submitted.size,
    }


@router.get(
    "/transfers/{transfer_id}/proof",
    response_class=Response,
    responses={200: {"content": {"image/*": {}, "application/pdf": {}}}},
    tags=["transfers"],
)
async def transfer_proof(
    transfer_id: UUID, services: ServicesDep, principal: PrincipalDep
) -> Response:
    """The uploaded proof of one of your tenant's transfers."""
    who = require_principal(principal)
    try:
        data, content_type = await run_in_threadpool(
            services.transfer_proofs.proof, who, transfer_id
        )
    except DomainError as error:
        raise _http_error(error) from None
    return Response(data, media_type=content_type)


def _http_error(error: DomainError) -> HTTPException:
    if isinstance(error, ProofTooLarge):
        code = 413  # content too large
    elif isinstance(error, ProofTypeRefused):
        code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    else:
        code = _STATUS.get(error.code, 400)
    return HTTPException(code, detail={"code": error.code, "message": error.message})

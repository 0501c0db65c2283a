"""REST routes for what is not a GraphQL query: invoice PDFs."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from adapters.bootstrap import Niaga
from adapters.pdf.invoice_pdf import BillTo, Seller, render_invoice_pdf
from api.deps import NiagaDep, PrincipalDep, require_principal
from application.context import Principal
from application.tenancy import tenant_of
from domain.errors import DomainError

router = APIRouter()


@router.get(
    "/invoices/{invoice_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    tags=["invoices"],
)
async def invoice_pdf(invoice_id: UUID, niaga: NiagaDep, principal: PrincipalDep) -> Response:
    """The invoice as a PDF (issued invoices only), for the caller's own tenant."""
    who = require_principal(principal)
    try:
        pdf = await run_in_threadpool(_render, niaga, who, invoice_id)
    except DomainError as error:
        status = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}.get(error.code, 400)
        raise HTTPException(status, detail=error.message) from None
    filename = f"invoice-{invoice_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _render(niaga: Niaga, who: Principal, invoice_id: UUID) -> bytes:
    invoice = niaga.billing_queries.required_invoice(who, invoice_id)
    if invoice.number is None:
        raise DomainError("a drafted invoice has no PDF yet; issue it first", field="id")
    tenant = tenant_of(niaga.stores, who.tenant_id)
    customer = niaga.queries.find_customer(who, invoice.customer_id)
    bill_to = BillTo(
        name=invoice.customer_name,
        phone=customer.phone if customer else None,
        address=customer.address if customer else None,
    )
    return render_invoice_pdf(invoice, Seller(name=tenant.name, pkp=tenant.pkp), bill_to, None)

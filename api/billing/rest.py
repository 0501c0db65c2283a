"""REST routes for what is not a GraphQL query: invoice PDFs and voucher sheets."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from adapters.billing.invoice_pdf import BillTo, Seller, render_invoice_pdf
from adapters.bootstrap import Services
from adapters.vouchers.voucher_pdf import Layout, PrintedVoucher, render_voucher_pdf
from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from api.shared.etag import ETAG_HEADER, ETAG_RESPONSES, etag_for, tag_headers
from application.shared.context import Principal
from domain.shared.errors import DomainError
from domain.vouchers.voucher_codes import routeros_duration

# MikroTik's default hotspot address, until the voucher desk is configured with its own.
DEFAULT_LOGIN_URL = "http://10.5.50.1/login"

router = APIRouter(responses=ETAG_RESPONSES)
# A PDF costs far more to render than its tag: a client holding the current one gets 304.
TagDep = Annotated[str, Depends(etag_for())]


@router.get(
    "/invoices/{invoice_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "headers": ETAG_HEADER}},
    tags=["invoices"],
)
async def invoice_pdf(
    invoice_id: UUID, services: ServicesDep, principal: PrincipalDep, tag: TagDep
) -> Response:
    """The invoice as a PDF (issued invoices only), for the caller's own tenant."""
    who = require_principal(principal)
    try:
        pdf = await run_in_threadpool(_render, services, who, invoice_id)
    except DomainError as error:
        status = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}.get(error.code, 400)
        raise HTTPException(status, detail=error.message) from None
    filename = f"invoice-{invoice_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **tag_headers(tag)},
    )


def _render(services: Services, who: Principal, invoice_id: UUID) -> bytes:
    printable = services.billing_queries.printable_invoice(who, invoice_id)
    invoice = printable.invoice
    customer = services.customer_queries.find_customer(who, invoice.customer_id)
    bill_to = BillTo(
        name=invoice.customer_name,
        phone=customer.phone if customer else None,
        address=customer.address if customer else None,
    )
    details = printable.seller_details
    seller = Seller(
        name=printable.seller_name,
        pkp=printable.seller_pkp,
        legal_name=details.legal_name,
        address=details.address,
        npwp=details.npwp,
        bank_accounts=details.bank_accounts,
    )
    # The renderer leaves the link out of a void or settled invoice.
    link = services.gateway_queries.active_link(who, invoice.id)
    return render_invoice_pdf(invoice, seller, bill_to, link.url if link else None)


@router.get(
    "/voucher-batches/{batch_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "headers": ETAG_HEADER}},
    tags=["vouchers"],
)
async def voucher_batch_pdf(
    batch_id: UUID,
    services: ServicesDep,
    principal: PrincipalDep,
    tag: TagDep,
    layout: Layout = Layout.NORMAL,
) -> Response:
    """A batch's vouchers as a printable sheet: `normal` (A4, 24 a page), `small` (A4, 65 a
    page) or `thermal` (58 mm roll), each with a QR code that logs in to the hotspot."""
    who = require_principal(principal)
    try:
        pdf = await run_in_threadpool(_render_batch, services, who, batch_id, layout)
    except DomainError as error:
        status = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}.get(error.code, 400)
        raise HTTPException(status, detail=error.message) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="voucher-{batch_id}.pdf"',
            **tag_headers(tag),
        },
    )


def _render_batch(services: Services, who: Principal, batch_id: UUID, layout: Layout) -> bytes:
    batch = services.voucher_queries.printable_batch(who, batch_id)
    profiles = batch.profiles
    printed = [
        PrintedVoucher(
            v.username,
            v.password,
            v.profile_name,
            profiles[v.profile_id].selling_price,
            routeros_duration(profiles[v.profile_id].validity_seconds) or "",
        )
        for v in batch.vouchers
    ]
    login_url = batch.login_url or DEFAULT_LOGIN_URL
    return render_voucher_pdf(printed, layout, login_url, batch.seller_name)

"""REST routes for what is not a GraphQL query: invoice PDFs and voucher sheets."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, HTTPException, Response
from starlette.concurrency import run_in_threadpool

from adapters.billing.invoice_pdf import BillTo, Seller, render_invoice_pdf
from adapters.bootstrap import Niaga
from adapters.vouchers.voucher_pdf import Layout, PrintedVoucher, render_voucher_pdf
from api.shared.deps import NiagaDep, PrincipalDep, require_principal
from application.shared.context import Principal
from application.shared.tenancy import tenant_of
from domain.shared.errors import DomainError
from domain.vouchers.voucher_codes import routeros_duration

# MikroTik's default hotspot address, until the voucher desk is configured with its own.
DEFAULT_LOGIN_URL = "http://10.5.50.1/login"

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


@router.get(
    "/voucher-batches/{batch_id}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
    tags=["vouchers"],
)
async def voucher_batch_pdf(
    batch_id: UUID, niaga: NiagaDep, principal: PrincipalDep, layout: Layout = Layout.NORMAL
) -> Response:
    """A batch's vouchers as a printable sheet: `normal` (A4, 24 a page), `small` (A4, 65 a
    page) or `thermal` (58 mm roll), each with a QR code that logs in to the hotspot."""
    who = require_principal(principal)
    try:
        pdf = await run_in_threadpool(_render_batch, niaga, who, batch_id, layout)
    except DomainError as error:
        status = {"NOT_FOUND": 404, "PERMISSION_DENIED": 403}.get(error.code, 400)
        raise HTTPException(status, detail=error.message) from None
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="voucher-{batch_id}.pdf"'},
    )


def _render_batch(niaga: Niaga, who: Principal, batch_id: UUID, layout: Layout) -> bytes:
    vouchers = niaga.vouchers.queries.batch(who, batch_id)
    profiles = {p.id: p for p in niaga.vouchers.queries.profiles(who)}
    settings = niaga.vouchers.service.settings(who.tenant_id)
    printed = [
        PrintedVoucher(
            v.username,
            v.password,
            v.profile_name,
            profiles[v.profile_id].selling_price,
            routeros_duration(profiles[v.profile_id].validity_seconds) or "",
        )
        for v in vouchers
    ]
    login_url = settings.login_url if settings else DEFAULT_LOGIN_URL
    return render_voucher_pdf(
        printed, layout, login_url, tenant_of(niaga.stores, who.tenant_id).name
    )

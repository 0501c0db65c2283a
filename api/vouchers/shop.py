"""The public voucher shop: `/buy?agent=<code>` lists an agent's packages, takes a WhatsApp
number and sends the customer to the gateway; `/buy/orders/{id}?agent=<code>` shows the order
until it is paid, then the voucher. No login: the shop code and an unguessable order id are
the keys. Orders are rate-limited per client address; bad input gets an Indonesian page and
nothing is created."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import segno
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api.shared.deps import ServicesDep
from api.shared.rate_limit import TokenBuckets, retry_after
from application.payments.gateway_accounts import GatewayNotConfigured
from application.payments.ports import GatewayUnavailable
from application.shared.errors import NotFound
from domain.shared.errors import DomainError, InvalidPhoneNumber
from domain.shared.money import format_rupiah
from domain.vouchers.voucher_codes import routeros_duration

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["rupiah"] = format_rupiah
# A customer places an order or two; a script placing hundreds is turned away (per client
# address, per application instance).
ORDER_BURST, ORDERS_PER_MINUTE = 5, 2
_MAX_FIELD = 64


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status)


def _problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    return _page(request, "shop_error.html", status, title=title, message=message)


@router.get("/buy", response_class=HTMLResponse)
async def shop(
    request: Request, services: ServicesDep, agent: Annotated[str, Query()] = ""
) -> HTMLResponse:
    if not agent.strip() or len(agent) > _MAX_FIELD:
        return _problem(request, 400, "Toko tidak disebut", "Alamat ini perlu kode agen.")
    try:
        front = await run_in_threadpool(services.voucher_sales.shop, agent)
    except NotFound:
        return _unknown_shop(request, agent)
    packages = [
        {
            "name": p.name,
            "price": p.selling_price,
            "validity": routeros_duration(p.validity_seconds),
            "rate_limit": p.rate_limit,
        }
        for p in front.profiles
    ]
    return _page(request, "shop.html", front=front, packages=packages)


@router.post("/buy", response_model=None)
async def place_order(
    request: Request,
    services: ServicesDep,
    agent: Annotated[str, Form()] = "",
    profile: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> Response:
    if max(len(agent), len(profile), len(phone)) > _MAX_FIELD:
        return _problem(request, 422, "Isian terlalu panjang", "Periksa kembali isian Anda.")
    client = request.client.host if request.client else "unknown"
    wait = _order_buckets(request).take(client)
    if wait:
        response = _problem(
            request, 429, "Terlalu banyak pesanan", "Tunggu sebentar lalu coba lagi."
        )
        response.headers["Retry-After"] = retry_after(wait)
        return response
    sales = services.voucher_sales
    try:
        order_id = await run_in_threadpool(sales.place_order, agent, profile, phone)
    except NotFound:
        return _unknown_shop(request, agent)
    except InvalidPhoneNumber:
        return _problem(
            request,
            422,
            "Nomor WhatsApp tidak valid",
            f"Nomor {phone!r} bukan nomor Indonesia yang valid, contoh: 081234567890.",
        )
    except GatewayNotConfigured:
        return _problem(
            request, 503, "Pembayaran belum tersedia", "Toko ini belum mengatur pembayaran online."
        )
    except GatewayUnavailable:
        return _problem(
            request, 503, "Pembayaran sedang gangguan", "Coba lagi beberapa menit lagi."
        )
    except DomainError as error:
        if error.field == "profile":
            return _problem(
                request, 422, "Paket tidak dikenal", f"Paket {profile!r} tidak dijual di sini."
            )
        return _problem(request, 422, "Pesanan ditolak", error.message)
    # The status page links to the gateway's page (in a new tab) and shows the voucher once paid:
    # the customer keeps a page to come back to whatever the gateway does afterwards.
    return RedirectResponse(
        f"/buy/orders/{order_id}?{urlencode({'agent': agent.strip().upper()})}", status_code=303
    )


@router.get("/buy/orders/{order_id}", response_class=HTMLResponse)
async def order_status(
    request: Request,
    order_id: str,
    services: ServicesDep,
    agent: Annotated[str, Query()] = "",
) -> HTMLResponse:
    try:
        view = await run_in_threadpool(services.voucher_sales.order, agent, UUID(order_id))
    except (NotFound, ValueError):
        return _problem(request, 404, "Pesanan tidak ditemukan", "Periksa kembali alamatnya.")
    qr = None
    if view.username is not None:
        login = (
            f"{view.login_url}?{urlencode({'username': view.username, 'password': view.password})}"
        )
        qr = segno.make(login).svg_inline(scale=4)
    return _page(request, "shop_order.html", order=view, qr=qr)


def _order_buckets(request: Request) -> TokenBuckets:
    state = request.app.state
    if getattr(state, "shop_orders", None) is None:
        state.shop_orders = TokenBuckets(rate=ORDERS_PER_MINUTE / 60, burst=ORDER_BURST)
    buckets: TokenBuckets = state.shop_orders
    return buckets


def _unknown_shop(request: Request, agent: str) -> HTMLResponse:
    return _problem(
        request, 404, "Toko tidak ditemukan", f"Tidak ada toko voucher dengan kode {agent!r}."
    )

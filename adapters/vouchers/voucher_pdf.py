"""Voucher sheets as PDF (reportlab canvas): a normal A4 grid, a small A4 grid, and a 58 mm
thermal roll, each voucher with a QR code that logs in to the hotspot when scanned.

Drawn on the canvas directly rather than through platypus: a sheet of a thousand vouchers is
a thousand small fixed boxes, and flowables would only cost time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from domain.shared.errors import InvalidValue
from domain.shared.money import format_rupiah

INK = colors.HexColor("#1F4E79")
MUTED = colors.HexColor("#5A5A5A")
RULE = colors.HexColor("#C8CED6")


class Layout(StrEnum):
    NORMAL = "normal"
    SMALL = "small"
    THERMAL = "thermal"


@dataclass(frozen=True)
class PrintedVoucher:
    username: str
    password: str
    profile_name: str
    price: int
    validity: str  # e.g. "3h", as RouterOS writes it


@dataclass(frozen=True)
class _Grid:
    columns: int
    rows: int
    qr: float
    code_size: float
    text_size: float


_GRIDS = {
    Layout.NORMAL: _Grid(columns=3, rows=8, qr=22 * mm, code_size=13, text_size=7.5),
    Layout.SMALL: _Grid(columns=5, rows=13, qr=12 * mm, code_size=9, text_size=5.5),
}
MARGIN = 10 * mm
THERMAL_WIDTH = 58 * mm
THERMAL_HEIGHT = 62 * mm


def login_link(login_url: str, voucher: PrintedVoucher) -> str:
    """The hotspot login page with the credentials filled in (MikroTik's `login` form takes
    `username` and `password` as query parameters)."""
    separator = "&" if "?" in login_url else "?"
    query = urlencode({"username": voucher.username, "password": voucher.password})
    return f"{login_url}{separator}{query}"


def render_voucher_pdf(
    vouchers: list[PrintedVoucher], layout: str, login_url: str, seller: str
) -> bytes:
    """The sheet of `vouchers` in `layout` (normal, small or thermal)."""
    try:
        chosen = Layout(layout)
    except ValueError:
        raise InvalidValue(
            f"layout must be normal, small or thermal, got {layout!r}", field="layout"
        ) from None
    if not vouchers:
        raise InvalidValue("nothing to print", field="id")
    buffer = io.BytesIO()
    if chosen is Layout.THERMAL:
        _thermal(buffer, vouchers, login_url, seller)
    else:
        _grid(buffer, vouchers, login_url, seller, _GRIDS[chosen])
    return buffer.getvalue()


def _grid(
    buffer: io.BytesIO, vouchers: list[PrintedVoucher], login_url: str, seller: str, grid: _Grid
) -> None:
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Voucher {seller}")
    width = (A4[0] - 2 * MARGIN) / grid.columns
    height = (A4[1] - 2 * MARGIN) / grid.rows
    per_page = grid.columns * grid.rows
    for index, voucher in enumerate(vouchers):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        x = MARGIN + (slot % grid.columns) * width
        y = A4[1] - MARGIN - (slot // grid.columns + 1) * height
        _card(canvas, voucher, login_url, seller, grid, x, y, width, height)
    canvas.save()


def _card(
    canvas: Canvas,
    voucher: PrintedVoucher,
    login_url: str,
    seller: str,
    grid: _Grid,
    x: float,
    y: float,
    width: float,
    height: float,
) -> None:
    pad = 2 * mm
    canvas.setStrokeColor(RULE)
    canvas.setDash(2, 2)
    canvas.rect(x, y, width, height)
    canvas.setDash()
    _qr(canvas, login_link(login_url, voucher), x + width - grid.qr - pad, y + pad, grid.qr)
    text_x, top = x + pad, y + height - pad
    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", grid.text_size)
    canvas.drawString(text_x, top - grid.text_size, seller[:28])
    canvas.setFillColor(colors.black)
    code_y = top - grid.text_size - grid.code_size - 1.5 * mm
    canvas.setFont("Courier-Bold", grid.code_size)
    canvas.drawString(text_x, code_y, voucher.username)
    lines = [] if voucher.username == voucher.password else [f"Pass: {voucher.password}"]
    lines += [
        f"{voucher.profile_name} - {format_rupiah(voucher.price)}",
        f"Aktif {voucher.validity} sejak login",
    ]
    canvas.setFont("Helvetica", grid.text_size)
    canvas.setFillColor(MUTED)
    for number, line in enumerate(lines, start=1):
        canvas.drawString(text_x, code_y - number * (grid.text_size + 1.5), line)
    canvas.setFillColor(colors.black)


def _thermal(
    buffer: io.BytesIO, vouchers: list[PrintedVoucher], login_url: str, seller: str
) -> None:
    """One voucher per label on a 58 mm roll: the printer cuts between pages."""
    canvas = Canvas(buffer, pagesize=(THERMAL_WIDTH, THERMAL_HEIGHT), pageCompression=1)
    canvas.setTitle(f"Voucher {seller}")
    middle = THERMAL_WIDTH / 2
    qr_size = 30 * mm
    for voucher in vouchers:
        top = THERMAL_HEIGHT - 4 * mm
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawCentredString(middle, top - 6, seller[:30])
        canvas.setFont("Courier-Bold", 14)
        canvas.drawCentredString(middle, top - 22, voucher.username)
        detail = f"{voucher.profile_name} {format_rupiah(voucher.price)} {voucher.validity}"
        canvas.setFont("Helvetica", 7.5)
        if voucher.username != voucher.password:
            canvas.drawCentredString(middle, top - 32, f"Password: {voucher.password}")
        canvas.drawCentredString(middle, top - 41, detail)
        _qr(canvas, login_link(login_url, voucher), middle - qr_size / 2, 2 * mm, qr_size)
        canvas.showPage()
    canvas.save()


def _qr(canvas: Canvas, content: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled path of horizontal runs of dark modules, written in module
    units (whole numbers) under a scaling transform.

    segno encodes with a fixed mask: choosing the best of eight masks is most of the work of
    encoding and only matters for codes printed far worse than on a voucher sheet. reportlab's
    own QR widget took about 20 ms a code here, too slow for a sheet of a thousand."""
    matrix = segno.make_qr(content, error="l", boost_error=False, mask=2).matrix
    count = len(matrix)
    runs: list[str] = []
    for row_number, row in enumerate(matrix):
        bottom = count - 1 - row_number
        start = -1
        for column, dark in enumerate([*row, 0]):
            if dark and start < 0:
                start = column
            elif not dark and start >= 0:
                runs.append(f"{start} {bottom} {column - start} 1 re")
                start = -1
    canvas.saveState()
    canvas.transform(size / count, 0, 0, size / count, x, y)
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()

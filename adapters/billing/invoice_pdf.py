"""An invoice as an A4 PDF (reportlab platypus), with Indonesian labels and PPN per PMK 131/2024.

It names the seller as a tax office expects (legal name, address, NPWP) and, while something is
due, tells the customer how to pay: the seller's bank accounts and the invoice's payment link
with its QR code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table

from adapters.billing.indonesian_dates import period_in_words
from application.billing.ports import InvoiceLineView, InvoiceView
from domain.billing.tax import DPP_DENOMINATOR, DPP_NUMERATOR, PPN_RATE_PERCENT
from domain.platform.legal_details import BankAccount
from domain.shared.money import format_rupiah

ACCENT = colors.HexColor("#1F4E79")
MUTED = colors.HexColor("#5A5A5A")
RULE = colors.HexColor("#C8CED6")
MARGIN = 18 * mm
INSET = MARGIN + 6  # platypus frames keep 6 pt of padding inside the page margins
WIDTH = A4[0] - 2 * INSET
FOOTER = "Dokumen ini dibuat oleh Niaga"
QR_COLUMN = 36 * mm  # beside the payment instructions: the 32 mm code and a gap

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=12.5)
SMALL = ParagraphStyle("small", BODY, fontSize=8.5, leading=11, textColor=MUTED)
BOLD = ParagraphStyle("bold", BODY, fontName="Helvetica-Bold")
SELLER = ParagraphStyle("seller", BOLD, fontSize=14, leading=18)
TITLE = ParagraphStyle("title", BOLD, fontSize=22, leading=26, alignment=TA_RIGHT, textColor=ACCENT)
SUBTITLE = ParagraphStyle("subtitle", SMALL, fontSize=10, leading=13, alignment=TA_RIGHT)
HEADING = ParagraphStyle("heading", BOLD, textColor=ACCENT, spaceAfter=2)
LINK = ParagraphStyle("link", SMALL, textColor=ACCENT)
PADDINGS = ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")
FLUSH = [(padding, (0, 0), (-1, -1), 0) for padding in PADDINGS]  # table style: no cell padding


@dataclass(frozen=True)
class Seller:
    """The tenant as its invoice shows it: `name` is the name it trades under, `legal_name`
    the one registered with the tax office, when it has told us."""

    name: str
    pkp: bool
    logo_png: bytes | None = None
    legal_name: str | None = None
    address: str | None = None
    npwp: str | None = None
    bank_accounts: tuple[BankAccount, ...] = ()


@dataclass(frozen=True)
class BillTo:
    name: str
    phone: str | None
    address: str | None


def render_invoice_pdf(
    invoice: InvoiceView, seller: Seller, customer: BillTo, payment_link: str | None
) -> bytes:
    """Render the invoice as an A4 PDF and return its bytes.

    The figures are the invoice's own, never recomputed; DPP Nilai Lain and PPN rows appear only
    for a PKP seller. Payment instructions ("Cara membayar": the bank accounts, the online link
    and its QR code) are left out of a void or settled invoice, which asks for nothing. Names
    are printed as given, so a forgotten customer reads "[forgotten]".
    """
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=16 * mm,
        bottomMargin=20 * mm,
        title=f"Invoice {invoice.number or ''}".strip(),
        author=seller.name,
        creator="Niaga",
        invariant=True,  # the same invoice gives the same bytes
    )
    story = [
        _header(seller),
        Spacer(1, 6 * mm),
        _parties(invoice, customer),
        Spacer(1, 6 * mm),
        _lines(invoice),
        Spacer(1, 3 * mm),
        _totals(invoice, seller.pkp),
        *_payment(invoice, seller, payment_link),
    ]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return out.getvalue()


def _text(value: str | None, style: ParagraphStyle = BODY) -> Paragraph:
    """Text from users as a paragraph: markup escaped, line breaks kept."""
    return Paragraph(escape(value or "-").replace("\n", "<br/>"), style)


def _date(on: date | None) -> str:
    return f"{on:%d/%m/%Y}" if on else "-"


def _status(status: str) -> str:
    return {"paid": "Lunas", "void": "BATAL"}.get(status, "Belum Lunas")


def _columns(cells: list[Any], widths: list[float]) -> Table:
    """Side-by-side blocks without borders or padding, aligned at the top."""
    table = Table([cells], colWidths=widths)
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), *FLUSH])
    return table


def _header(seller: Seller) -> Table:
    left: list[Flowable] = [_text(seller.name, SELLER)]
    if seller.legal_name and seller.legal_name != seller.name:
        left.append(_text(seller.legal_name, BOLD))
    if seller.address:
        left.append(_text(seller.address, SMALL))
    if seller.npwp:
        left.append(_text(f"NPWP: {seller.npwp}", SMALL))
    if seller.logo_png:
        left[:0] = [_logo(seller.logo_png), Spacer(1, 3 * mm)]
    right = [Paragraph("INVOICE", TITLE), Paragraph("FAKTUR TAGIHAN", SUBTITLE)]
    return _columns([left, right], [WIDTH * 0.6, WIDTH * 0.4])


def _logo(png: bytes) -> Image:
    """The logo at most 30 mm high and 60 mm wide, in its own proportions."""
    width, height = ImageReader(io.BytesIO(png)).getSize()
    scale = min(30 * mm / height, 60 * mm / width)
    logo = Image(io.BytesIO(png), width=width * scale, height=height * scale)
    logo.hAlign = "LEFT"
    return logo


def _parties(invoice: InvoiceView, customer: BillTo) -> Table:
    bill_to = [Paragraph("Kepada", HEADING), _text(customer.name, BOLD)]
    bill_to += [_text(value) for value in (customer.phone, customer.address) if value]
    facts = [
        ("No. Invoice", invoice.number or "-"),
        *([("Periode", period_in_words(invoice.period))] if invoice.period else []),
        ("Tanggal terbit", _date(invoice.issued_on)),
        ("Jatuh tempo", _date(invoice.due_on)),
        ("Status", _status(invoice.status)),
    ]
    rows = [[_text(k, SMALL), _text(v, BOLD)] for k, v in facts]
    # Wide enough for a period in words on one line ("28 November 2026 - 27 Desember 2026").
    meta = Table(rows, colWidths=[26 * mm, 66 * mm])
    meta.setStyle([*FLUSH, ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    return _columns([bill_to, meta], [WIDTH - 92 * mm, 92 * mm])


def _line_row(line: InvoiceLineView) -> list[Any]:
    prices = [format_rupiah(line.unit_price), format_rupiah(line.amount)]
    return [_text(line.description), str(line.quantity), *prices]


def _lines(invoice: InvoiceView) -> Table:
    header: list[Any] = ["Deskripsi", "Qty", "Harga Satuan", "Jumlah"]
    rows = [header, *(_line_row(line) for line in invoice.lines)]
    table = Table(rows, colWidths=[WIDTH - 80 * mm, 16 * mm, 32 * mm, 32 * mm], repeatRows=1)
    table.setStyle(
        [
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 9.5),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE),
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
    )
    return table


def _totals(invoice: InvoiceView, pkp: bool) -> Table:
    rows = [("Subtotal (Harga Jual)", invoice.subtotal)]
    if pkp:
        rows.append((f"DPP Nilai Lain ({DPP_NUMERATOR}/{DPP_DENOMINATOR})", invoice.dpp))
        rows.append((f"PPN {PPN_RATE_PERCENT}%", invoice.ppn))
    total = len(rows)
    rows += [("Total", invoice.total), ("Sudah dibayar", invoice.paid)]
    if invoice.credited:
        rows.append(("Nota kredit", invoice.credited))
    rows.append(("Sisa tagihan", invoice.balance_due))
    table = Table([[k, format_rupiah(v)] for k, v in rows], colWidths=[52 * mm, 36 * mm])
    table.hAlign = "RIGHT"
    table.setStyle(
        [
            ("FONTSIZE", (0, 0), (-1, -1), 9.5),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("LINEABOVE", (0, total), (-1, total), 0.8, ACCENT),
            ("FONTNAME", (0, total), (-1, total), "Helvetica-Bold"),
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#EAF0F7")),
        ]
    )
    return table


def _payment(invoice: InvoiceView, seller: Seller, link: str | None) -> list[Flowable]:
    asks_for_payment = invoice.status != "void" and invoice.balance_due > 0
    if not asks_for_payment or not (seller.bank_accounts or link):
        return []
    block: list[Flowable] = [Paragraph("Cara membayar", HEADING)]
    if seller.bank_accounts:
        block += _by_transfer(invoice, seller.bank_accounts)
    if link:
        block += _online(link, after_transfer=bool(seller.bank_accounts))
    qr = _qr(link) if link else ""
    return [Spacer(1, 8 * mm), _columns([block, qr], [WIDTH - QR_COLUMN, QR_COLUMN])]


def _by_transfer(invoice: InvoiceView, accounts: tuple[BankAccount, ...]) -> list[Flowable]:
    number = escape(invoice.number or "")
    how = Paragraph(
        "Transfer sejumlah sisa tagihan ke salah satu rekening berikut dan tulis nomor invoice "
        f"<b>{number}</b> pada berita transfer:",
        BODY,
    )
    rows = [
        [_text(a.bank, BOLD), _text(a.number, BOLD), _text(f"a.n. {a.holder}")] for a in accounts
    ]
    table = Table(rows, colWidths=[28 * mm, 42 * mm, WIDTH - QR_COLUMN - 70 * mm], hAlign="LEFT")
    table.setStyle(
        [*FLUSH, ("TOPPADDING", (0, 0), (-1, -1), 2), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    return [how, Spacer(1, 1 * mm), table, Spacer(1, 3 * mm)]


def _online(link: str, *, after_transfer: bool) -> list[Flowable]:
    lead = "Atau bayar online" if after_transfer else "Bayar online"
    how = _text(
        f"{lead}: pindai kode QR di samping atau buka tautan berikut. "
        "Pembayaran online tercatat otomatis."
    )
    url = escape(link, {'"': "&quot;"})
    line = Paragraph(f'<link href="{url}">{url}</link>', _link_style(link, WIDTH - QR_COLUMN))
    return [how, Spacer(1, 1 * mm), line]


def _link_style(link: str, width: float) -> ParagraphStyle:
    """The link's face, as small as it takes (down to 6 pt) to keep the link on one line, so
    that it reads and copies whole; a longer link wraps, and its QR code still holds it all."""
    size = min(LINK.fontSize, max(6.0, width / stringWidth(link, LINK.fontName, 1) - 0.1))
    return ParagraphStyle("link-fitted", LINK, fontSize=size, leading=size + 2.5)


def _qr(link: str, size: float = 32 * mm) -> Drawing:
    drawing = Drawing(size, size)
    drawing.add(QrCodeWidget(link, barWidth=size, barHeight=size, barBorder=0))
    return drawing


def _footer(canvas: Any, _doc: Any) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.line(INSET, 14 * mm, A4[0] - INSET, 14 * mm)
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(A4[0] / 2, 10 * mm, FOOTER)
    canvas.restoreState()

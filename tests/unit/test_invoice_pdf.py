"""The invoice PDF: what a customer reads on it, read back from the rendered bytes."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

from pypdf import PdfReader

from adapters.billing.invoice_pdf import BillTo, Seller, render_invoice_pdf
from application.billing.ports import InvoiceLineView, InvoiceView
from domain.billing.invoice import Line, totals

LINK = "https://bayar.example.id/i/7f3a9c"
SELLER = Seller(
    name="PT Jaringan Nusantara",
    pkp=True,
    address="Jl. Merdeka No. 10\nBandung 40111",
    bank_instructions="Transfer ke BCA 123-456-7890 a.n. PT Jaringan Nusantara",
)
CUSTOMER = BillTo(name="Siti Rahmawati", phone="+6281234567890", address="Jl. Melati 5, Cimahi")


def an_invoice(
    *, pkp: bool = True, paid: int = 100_000, status: str = "partially_paid"
) -> InvoiceView:
    lines = [
        Line("plan", "Paket Internet 30 Mbps (Mei 2025)", 1, 125_000, True),
        Line("charge", "Sewa router ONT", 1, 25_000, True),
    ]
    t = totals(lines, pkp=pkp)
    return InvoiceView(
        id=uuid4(),
        tenant_id=uuid4(),
        customer_id=uuid4(),
        customer_name=CUSTOMER.name,
        subscription_id=uuid4(),
        number="INV/2025/05/00042",
        status=status,
        period="2025-05",
        issued_on=date(2025, 5, 1),
        due_on=date(2025, 5, 10),
        subtotal=t.subtotal,
        dpp=t.dpp,
        ppn=t.ppn,
        total=t.total,
        paid=paid,
        credited=0,
        balance_due=t.total - paid,
        lines=[
            InvoiceLineView(x.kind, x.description, x.quantity, x.unit_price, x.amount, x.taxable)
            for x in lines
        ],
        updated_at=datetime(2025, 5, 3, tzinfo=UTC),
    )


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def rectangles_drawn(pdf: bytes) -> int:
    contents = PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert contents is not None
    return contents.get_data().count(b" re")


def one_pixel_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x1f\x4e\x79")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_shows_the_number_customer_lines_ppn_totals_and_payment_link() -> None:
    text = text_of(render_invoice_pdf(an_invoice(), SELLER, CUSTOMER, LINK))

    for expected in [
        "INV/2025/05/00042",
        "Siti Rahmawati",
        "Paket Internet 30 Mbps (Mei 2025)",
        "Sewa router ONT",
        "Rp150.000",  # Harga Jual
        "DPP Nilai Lain (11/12)",
        "Rp137.500",  # DPP
        "PPN 12%",
        "Rp16.500",  # PPN
        "Rp166.500",  # total
        "Rp100.000",  # paid
        "Rp66.500",  # still due
        "01/05/2025",
        "10/05/2025",
        "Belum Lunas",
        f"Bayar online: {LINK}",
        "Dokumen ini dibuat oleh Niaga",
    ]:
        assert expected in text, expected


def test_a_settled_invoice_reads_lunas_and_asks_for_no_payment() -> None:
    invoice = an_invoice(paid=166_500, status="paid")

    text = text_of(render_invoice_pdf(invoice, SELLER, CUSTOMER, LINK))

    assert "Lunas" in text
    assert "Belum Lunas" not in text
    assert LINK not in text


def test_a_forgotten_customer_is_printed_as_is() -> None:
    forgotten = BillTo(name="[forgotten]", phone=None, address=None)

    assert "[forgotten]" in text_of(render_invoice_pdf(an_invoice(), SELLER, forgotten, None))


def test_a_seller_who_is_not_pkp_shows_no_ppn() -> None:
    seller = replace(SELLER, pkp=False)

    text = text_of(render_invoice_pdf(an_invoice(pkp=False), seller, CUSTOMER, LINK))

    assert "PPN" not in text
    assert "DPP" not in text
    assert "Rp150.000" in text


def test_draws_a_qr_code_of_the_payment_link() -> None:
    with_link = render_invoice_pdf(an_invoice(), SELLER, CUSTOMER, LINK)
    without_link = render_invoice_pdf(an_invoice(), SELLER, CUSTOMER, None)

    # the QR code is drawn as one filled rectangle per dark module: hundreds of them
    assert rectangles_drawn(with_link) > rectangles_drawn(without_link) + 100


def test_renders_the_sellers_logo() -> None:
    seller = replace(SELLER, logo_png=one_pixel_png())

    pdf = render_invoice_pdf(an_invoice(), seller, CUSTOMER, LINK)

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1
    assert "PT Jaringan Nusantara" in page.extract_text()

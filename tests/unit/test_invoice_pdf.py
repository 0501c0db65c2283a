"""The invoice PDF: what a customer reads on it, read back from the rendered bytes."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pypdf import PdfReader

from adapters.billing.indonesian_dates import period_in_words
from adapters.billing.invoice_pdf import BillTo, Seller, render_invoice_pdf
from application.billing.ports import InvoiceLineView, InvoiceView
from domain.billing.invoice import Line, totals
from domain.platform.legal_details import BankAccount

LINK = "https://bayar.example.id/i/7f3a9c"
SELLER = Seller(
    name="PT Jaringan Nusantara",
    pkp=True,
    legal_name="PT Jaringan Nusantara Digital",
    address="Jl. Merdeka No. 10\nBandung 40111",
    npwp="0012345678901000",
    bank_accounts=(
        BankAccount("BCA", "123-456-7890", "PT Jaringan Nusantara Digital"),
        BankAccount("Bank Mandiri", "1300012345678", "PT Jaringan Nusantara Digital"),
    ),
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
        period="2025-05-01..2025-06-01",
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


def words_of(pdf: bytes) -> str:
    """The text with each run of spaces and line breaks as one space: table cells and wrapped
    lines read as a sentence."""
    return " ".join(text_of(pdf).split())


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


def test_shows_the_seller_number_customer_lines_ppn_totals_and_how_to_pay() -> None:
    text = words_of(render_invoice_pdf(an_invoice(), SELLER, CUSTOMER, LINK))

    for expected in [
        "PT Jaringan Nusantara Digital",
        "Jl. Merdeka No. 10 Bandung 40111",
        "NPWP: 0012345678901000",
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
        "Cara membayar",
        "BCA 123-456-7890 a.n. PT Jaringan Nusantara Digital",
        "Bank Mandiri 1300012345678 a.n. PT Jaringan Nusantara Digital",
        "tulis nomor invoice INV/2025/05/00042 pada berita transfer",
        "Atau bayar online: pindai kode QR",
        "1 Mei 2025 \N{EN DASH} 31 Mei 2025",
        LINK,
        "Dokumen ini dibuat oleh Niaga",
    ]:
        assert expected in text, expected


def test_prints_the_period_as_dates_up_to_its_last_day() -> None:
    december = replace(an_invoice(), period="2026-12-01..2027-01-01")

    text = text_of(render_invoice_pdf(december, SELLER, CUSTOMER, LINK))

    assert "1 Desember 2026 \N{EN DASH} 31 Desember 2026" in text
    assert "2027" not in text
    assert ".." not in text


def test_a_long_payment_link_is_printed_whole() -> None:
    link = "https://app.sandbox.midtrans.com/snap/v4/redirection/" + "3f1c0c5e" * 5

    text = text_of(render_invoice_pdf(an_invoice(), SELLER, CUSTOMER, link))

    assert link in text


def test_without_bank_accounts_or_link_there_is_nothing_to_explain() -> None:
    seller = replace(SELLER, bank_accounts=())

    text = text_of(render_invoice_pdf(an_invoice(), seller, CUSTOMER, None))

    assert "Cara membayar" not in text
    assert "rekening" not in text


def test_with_only_a_link_it_asks_for_the_online_payment_alone() -> None:
    seller = replace(SELLER, bank_accounts=())

    text = words_of(render_invoice_pdf(an_invoice(), seller, CUSTOMER, LINK))

    assert "Bayar online: pindai kode QR" in text
    assert "Atau" not in text
    assert "rekening" not in text


def test_a_settled_invoice_reads_lunas_and_asks_for_no_payment() -> None:
    invoice = an_invoice(paid=166_500, status="paid")

    text = text_of(render_invoice_pdf(invoice, SELLER, CUSTOMER, LINK))

    assert "Lunas" in text
    assert "Belum Lunas" not in text
    assert LINK not in text
    assert "Cara membayar" not in text
    assert "123-456-7890" not in text
    assert "NPWP: 0012345678901000" in text  # the seller is still named


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


@pytest.mark.parametrize(
    ("stored", "printed"),
    [
        ("2026-12-01..2027-01-01", "1 Desember 2026 \N{EN DASH} 31 Desember 2026"),
        ("2026-01-10..2026-02-10", "10 Januari 2026 \N{EN DASH} 9 Februari 2026"),
        ("2026-02-28..2026-03-01", "28 Februari 2026"),
        ("2026-05", "Mei 2026"),
        ("2026-13-01..2026-14-01", "2026-13-01..2026-14-01"),
    ],
)
def test_a_stored_period_is_printed_in_indonesian_up_to_its_last_day(
    stored: str, printed: str
) -> None:
    assert period_in_words(stored) == printed

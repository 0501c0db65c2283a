"""Voucher sheets: what is printed, read back from the rendered bytes, in every layout."""

from __future__ import annotations

import io
import re

import pytest
import segno
from pypdf import PdfReader

from adapters.vouchers.voucher_pdf import PrintedVoucher, login_link, render_voucher_pdf
from domain.shared.errors import InvalidValue

LOGIN = "http://hotspot.warung.net/login"


def _vouchers(count: int) -> list[PrintedVoucher]:
    return [
        PrintedVoucher(f"hs{n:04d}", f"hs{n:04d}" if n % 2 else f"pw{n:04d}", "3JAM", 3000, "3h")
        for n in range(count)
    ]


def _read(pdf: bytes) -> PdfReader:
    assert pdf.startswith(b"%PDF")
    return PdfReader(io.BytesIO(pdf))


@pytest.mark.parametrize(("layout", "per_page"), [("normal", 24), ("small", 65), ("thermal", 1)])
def test_each_layout_fills_its_pages_and_prints_every_code(layout: str, per_page: int) -> None:
    count = per_page * 2 + 1
    reader = _read(render_voucher_pdf(_vouchers(count), layout, LOGIN, "Warung Net"))
    assert len(reader.pages) == 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all(f"hs{n:04d}" in text for n in range(count))
    assert "pw0000" in text
    assert "Rp3.000" in text
    assert "Warung Net" in text


def test_the_thermal_label_is_58_mm_wide() -> None:
    reader = _read(render_voucher_pdf(_vouchers(1), "thermal", LOGIN, "Warung Net"))
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    assert round(width_mm) == 58


def test_the_qr_code_logs_in_with_the_voucher() -> None:
    voucher = _vouchers(1)[0]
    link = login_link(LOGIN, voucher)
    assert link == f"{LOGIN}?username=hs0000&password=pw0000"
    reader = _read(render_voucher_pdf([voucher], "thermal", LOGIN, "Warung Net"))
    content = reader.pages[0].get_contents()
    assert content is not None
    drawn = _qr_matrix(content.get_data().decode("latin-1"))
    expected = segno.make_qr(link, error="l", boost_error=False, mask=2).matrix
    assert drawn == [list(row) for row in expected]


def test_a_login_url_with_a_query_keeps_it() -> None:
    link = login_link("http://10.5.50.1/login?dst=http://x", _vouchers(1)[0])
    assert link.startswith("http://10.5.50.1/login?dst=http://x&username=hs0000")


def test_an_unknown_layout_or_an_empty_sheet_is_refused() -> None:
    with pytest.raises(InvalidValue) as refused:
        render_voucher_pdf(_vouchers(1), "poster", LOGIN, "Warung Net")
    assert refused.value.field == "layout"
    with pytest.raises(InvalidValue):
        render_voucher_pdf([], "normal", LOGIN, "Warung Net")


def _qr_matrix(stream: str) -> list[list[int]]:
    """The modules the sheet paints, read back from its `x y w 1 re` runs."""
    runs = [tuple(map(int, m)) for m in re.findall(r"^(\d+) (\d+) (\d+) 1 re$", stream, re.M)]
    size = max(y for _, y, _ in runs) + 1
    matrix = [[0] * size for _ in range(size)]
    for x, y, width in runs:
        for column in range(x, x + width):
            matrix[size - 1 - y][column] = 1
    return matrix

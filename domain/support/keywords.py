"""A ticket asked for on WhatsApp: `KELUHAN <text>` or `TIKET <text>` (any case, with or
without a colon), and a first guess at what it is about from its words."""

from __future__ import annotations

import re

from domain.support.ticket import MAX_SUBJECT, Category

TICKET_WORDS = ("KELUHAN", "TIKET")
_REQUEST = re.compile(
    r"\s*(?:" + "|".join(TICKET_WORDS) + r")(?![^\W_])[\s:.,;!-]*(.*)", re.IGNORECASE | re.DOTALL
)
SUBJECT_WORDS = 100  # characters of the first line a subject keeps
# The first category whose words the complaint holds; in this order, as "bayar voucher" is
# about a voucher and "tagihan internet" about a bill.
_CATEGORY_WORDS: tuple[tuple[Category, frozenset[str]], ...] = (
    (Category.VOUCHER, frozenset({"voucher", "vocer", "voc"})),
    (Category.BILLING, frozenset({"tagihan", "bayar", "pembayaran", "invoice", "faktur", "denda"})),
    (Category.REPAIR, frozenset({"servis", "service", "perbaikan", "garansi", "teknisi", "layar"})),
    (
        Category.CONNECTION,
        frozenset(
            {"internet", "koneksi", "wifi", "lemot", "lambat", "putus", "gangguan", "sinyal"}
            | {"jaringan", "modem", "router", "los", "mati"}
        ),
    ),
)
_WORD = re.compile(r"[^\W_]+")


def ticket_request(text: str) -> str | None:
    """The complaint after the keyword ('' when nothing follows it), or None when the message
    does not start with a ticket keyword."""
    match = _REQUEST.fullmatch(text)
    return match[1].strip() if match else None


def guess_category(text: str) -> Category:
    words = set(_WORD.findall(text.lower()))
    for category, known in _CATEGORY_WORDS:
        if words & known:
            return category
    return Category.OTHER


def subject_of(complaint: str) -> str:
    """A one-line subject: the complaint's first line, cut at a word if it is long."""
    first = " ".join(complaint.strip().splitlines()[0].split()) if complaint.strip() else ""
    limit = min(SUBJECT_WORDS, MAX_SUBJECT)
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"

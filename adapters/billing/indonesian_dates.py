"""Dates as Indonesian customers read them on printed documents ("1 Desember 2026")."""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
EN_DASH = "\N{EN DASH}"  # between the first and last day, as Indonesian style writes a span
_SPAN = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def long_date(on: date) -> str:
    return f"{on.day} {MONTHS[on.month - 1]} {on.year}"


def period_in_words(period: str) -> str:
    """A stored billing period in words. A span `start..end` is stored with its end excluded,
    so its last day is printed: `2026-12-01..2027-01-01` is "1 Desember 2026 - 31 Desember
    2026" (with an en dash). A month `2026-12` is "Desember 2026"; anything else is printed
    as stored."""
    span = _SPAN.fullmatch(period)
    if span:
        return _span_in_words(*span.groups()) or period
    month = _MONTH.fullmatch(period)
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{MONTHS[int(month.group(2)) - 1]} {month.group(1)}"
    return period


def _span_in_words(first: str, end: str) -> str | None:
    try:
        start, last = date.fromisoformat(first), date.fromisoformat(end) - timedelta(days=1)
    except ValueError:
        return None
    if last <= start:
        return long_date(start)
    return f"{long_date(start)} {EN_DASH} {long_date(last)}"

"""What list queries share: the most rows one page may ask for (unless the query sets its own
bound), and the check every free-text filter passes before it reaches a read model."""

from __future__ import annotations

from domain.shared.text import check_line

MAX_PAGE = 100
# Longer than any name, phone number or username a search or filter matches.
MAX_FILTER_LENGTH = 200


def filter_text(value: str | None, field: str) -> str | None:
    """A search or filter text as sent, or None. Text no row could hold (NUL, control
    characters, lone surrogates, several lines, over 200 characters) is refused naming the
    field, before any SQL sees it."""
    if value is None:
        return None
    return check_line(value, field, max_length=MAX_FILTER_LENGTH)

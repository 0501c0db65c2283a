"""Text that can be stored, projected and shown: the one check every text value passes.

PostgreSQL refuses NUL in text, JSON cannot carry lone surrogates as UTF-8, and control
characters corrupt what people read. A value with any of them is refused naming its field,
before anything is recorded. Tab, newline and carriage return are allowed where a field is
multi-line (addresses, complaints, notes, message bodies) and refused where it is one line.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from domain.shared.errors import InvalidValue

# Longer than any field a person types or a stored callback body (64 KiB); the limit keeps one
# event from filling a page.
MAX_TEXT = 65_536
_LINE_BREAKS = frozenset("\t\n\r")
# Every character `_bad_character` refuses, as one class, so the mapper's check of every text of
# every event is one regex search per value (a billing run checks hundreds of thousands): C0 and
# C1 controls and DEL except the line breaks, lone surrogates, and the non-characters U+xFFFE
# and U+xFFFF of every plane.
_SUSPECT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
    + "".join(chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF))
    + "]"
)
_LINE_BREAK = re.compile("[\t\n\r]")


def problem_in(value: str, *, multiline: bool = True, max_length: int = MAX_TEXT) -> str | None:
    """What makes the text unstorable, or None if it is fine."""
    if len(value) > max_length:
        return f"is longer than {max_length:,} characters".replace(",", ".")
    if not _SUSPECT.search(value) and (multiline or not _LINE_BREAK.search(value)):
        return None  # the usual case; otherwise find the first culprit to name it
    for char in value:
        if char in _LINE_BREAKS:
            if not multiline:
                return "must be a single line"
            continue
        reason = _bad_character(char)
        if reason:
            return reason
    return None


def check_text(
    value: str, field: str, *, multiline: bool = True, max_length: int = MAX_TEXT
) -> str:
    """The value, or `InvalidValue` naming the field and what is wrong with it."""
    reason = problem_in(value, multiline=multiline, max_length=max_length)
    if reason:
        raise InvalidValue(f"{field} {reason}", field=field)
    return value


def check_line(value: str, field: str, *, max_length: int = 200) -> str:
    """A one-line value (a name, a label, a code)."""
    return check_text(value, field, multiline=False, max_length=max_length)


def check_all_text(values: Mapping[str, Any]) -> None:
    """Every text inside these values, however nested (payload objects, lists, mappings)."""
    for field, text in _texts(values.items()):
        check_text(text, field)


def _bad_character(char: str) -> str | None:
    category = unicodedata.category(char)
    if char == "\x00":
        return "must not contain NUL characters"
    if category == "Cc":
        return f"must not contain control characters (U+{ord(char):04X})"
    if category == "Cs":
        return "must be valid Unicode (it contains a lone surrogate)"
    if category == "Cn" and (ord(char) & 0xFFFE) == 0xFFFE:
        return f"must not contain non-characters (U+{ord(char):04X})"
    return None


def _texts(items: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in items:
        path = f"{prefix}{key}"
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, Mapping):
            # Its keys are stored as text too (JSON object keys), named by the mapping.
            yield from ((path, k) for k in value if isinstance(k, str))
            yield from _texts(value.items(), f"{path}.")
        elif isinstance(value, list | tuple | set | frozenset):
            yield from _texts(((f"[{i}]", v) for i, v in enumerate(value)), path)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = ((f.name, getattr(value, f.name)) for f in dataclasses.fields(value))
            yield from _texts(fields, f"{path}.")


def printable(value: str, max_length: int = MAX_TEXT) -> str:
    """Text that came from outside (a provider's error, a receiver's response, a callback body)
    made storable: each unstorable character becomes U+FFFD and the length is bounded. Such text
    is kept as evidence, so it is never refused."""
    kept = (c if c in _LINE_BREAKS or _bad_character(c) is None else "\ufffd" for c in value)
    return "".join(kept)[:max_length]

"""The tenant's own customers' names and addresses, found wherever they appear in a text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from application.ai.pii_spans import PiiKind, Span

_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
# Shorter values would hide ordinary words ("Al", "Jo") and tell the model nothing on their own.
_SHORTEST = 3
# Words that make a value an address when the caller does not say which it is.
_ADDRESS_WORDS = re.compile(
    r"(?<!\w)(?:jl|jln|jalan|gg|gang|rt|rw|no|blok|kel|kelurahan|kec|kecamatan|kab|kabupaten"
    r"|kota|desa|dusun|kp|kampung|perum|perumahan|komplek|kompleks|ruko|apartemen|lantai)(?!\w)",
    re.IGNORECASE,
)


@dataclass
class _Node:
    """Values by their words: a node is reached by a value's first words, in lower case."""

    next: dict[str, _Node] = field(default_factory=dict)
    # The values whose words end here (they may differ in punctuation), by their comparable form.
    ending: dict[str, PiiKind] = field(default_factory=dict)


class KnownValues:
    """Names and addresses to mask, matched whole and case-insensitively on word boundaries, any
    run of whitespace standing for any other, the longest first where several start at the same
    word. Punctuation around a value is not part of it ("Jl. Merdeka 5," matches "Jl. Merdeka 5").
    Building one is a pass over the values; finding costs a dictionary look-up per word of text.
    """

    def __init__(self, names: Iterable[str] = (), addresses: Iterable[str] = ()) -> None:
        self._root = _Node()
        for kind, values in ((PiiKind.NAME, names), (PiiKind.ADDRESS, addresses)):
            for value in values:
                self._add(_trimmed(value), kind)

    @classmethod
    def classify(cls, values: Iterable[str]) -> KnownValues:
        """Values whose kind the caller does not know: one holding a digit or an address word
        (Jl., Gg., RT, RW, No., Kel., Kec., Kota, ...) is an address, any other a name."""
        names: list[str] = []
        addresses: list[str] = []
        for value in values:
            is_address = any(c.isdigit() for c in value) or _ADDRESS_WORDS.search(value)
            (addresses if is_address else names).append(value)
        return cls(names, addresses)

    def __bool__(self) -> bool:
        return bool(self._root.next)

    def find(self, text: str) -> Iterator[Span]:
        """Every place a known value appears in `text` (they may overlap)."""
        starts = self._root.next
        if not starts:
            return
        # Lower-casing ASCII keeps its words as they are; text in other scripts is split first.
        if text.isascii():
            lowered = _WORD.findall(text.lower())
            if starts.keys().isdisjoint(lowered):
                return
            words = list(_WORD.finditer(text))
        else:
            words = list(_WORD.finditer(text))
            lowered = [word.group().lower() for word in words]
        for first in [i for i, word in enumerate(lowered) if word in starts]:
            span = self._longest_from(text, words, lowered, first)
            if span is not None:
                yield span

    def _longest_from(
        self, text: str, words: list[re.Match[str]], lowered: list[str], first: int
    ) -> Span | None:
        node = self._root
        longest = None
        for last in range(first, len(words)):
            found = node.next.get(lowered[last])
            if found is None:
                break
            node = found
            if node.ending:
                start, end = words[first].start(), words[last].end()
                kind = node.ending.get(_comparable(text[start:end]))
                if kind is not None:
                    longest = Span(start, end, kind)
        return longest

    def _add(self, value: str, kind: PiiKind) -> None:
        if len(_comparable(value)) < _SHORTEST:
            return
        node = self._root
        for word in _WORD.findall(value):
            node = node.next.setdefault(word.lower(), _Node())
        # The first kind given for a value stays: a value listed as a name and as an address.
        node.ending.setdefault(_comparable(value), kind)


def _comparable(value: str) -> str:
    """Lower case, every run of whitespace one space: two spellings of a value compare equal."""
    return _SPACES.sub(" ", value).lower()


def _trimmed(value: str) -> str:
    """`value` from its first to its last word character."""
    words = list(_WORD.finditer(value))
    return value[words[0].start() : words[-1].end()] if words else ""

"""The kinds of personal value the masking recognises, where one sits in a text, and which of
several overlapping findings is masked."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from enum import StrEnum
from typing import NamedTuple


class PiiKind(StrEnum):
    """What a masked value is. The order is the precedence between two equally long spans."""

    # Text that already looks like one of our placeholders: hidden like a value, so that putting
    # values back can never confuse it with a real placeholder.
    PLACEHOLDER = "PLACEHOLDER"
    EMAIL = "EMAIL"
    NPWP = "NPWP"
    NIK = "NIK"
    BANK_ACCOUNT = "BANK_ACCOUNT"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"
    NAME = "NAME"


_PRECEDENCE = {kind: rank for rank, kind in enumerate(PiiKind)}


class Span(NamedTuple):
    start: int
    end: int
    kind: PiiKind


def _rank(span: Span) -> tuple[int, int, int]:
    return (span.start - span.end, _PRECEDENCE[span.kind], span.start)


def resolve_overlaps(text: str, candidates: Iterable[Span]) -> list[Span]:
    """The spans to mask, in text order, none overlapping.

    Of overlapping candidates the longest wins (ties: the kind listed first in `PiiKind`, then
    the leftmost), so the result does not depend on the order they were found in. A candidate
    that lost but would leave a letter or digit of its own unmasked is joined to the spans it
    overlaps instead: whatever a recognizer found is masked, if need be under one placeholder."""
    chosen = _Chosen()
    lost: list[Span] = []
    for span in sorted(candidates, key=_rank):
        if not chosen.add(span):
            lost.append(span)
    for span in lost:
        chosen.absorb(text, span)
    return chosen.spans


class _Chosen:
    """Non-overlapping spans kept in text order."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, span: Span) -> bool:
        first, last = self._overlapping(span)
        if first < last:
            return False
        self.spans.insert(first, span)
        self._starts.insert(first, span.start)
        self._ends.insert(first, span.end)
        return True

    def absorb(self, text: str, span: Span) -> None:
        first, last = self._overlapping(span)
        overlapped = self.spans[first:last]
        if not _leaves_unmasked(text, span, overlapped):
            return
        winner = min(overlapped, key=_rank)
        merged = Span(
            min(span.start, overlapped[0].start), max(span.end, overlapped[-1].end), winner.kind
        )
        self.spans[first:last] = [merged]
        self._starts[first:last] = [merged.start]
        self._ends[first:last] = [merged.end]

    def _overlapping(self, span: Span) -> tuple[int, int]:
        """The index range of the chosen spans that overlap `span`."""
        return bisect_right(self._ends, span.start), bisect_left(self._starts, span.end)


def _leaves_unmasked(text: str, span: Span, covering: list[Span]) -> bool:
    """Whether a letter or digit of `span` lies outside every span of `covering` (in order)."""
    position = span.start
    for cover in covering:
        if cover.start > position and _has_alphanumeric(text[position : cover.start]):
            return True
        position = max(position, cover.end)
    return position < span.end and _has_alphanumeric(text[position : span.end])


def _has_alphanumeric(text: str) -> bool:
    return any(c.isalnum() for c in text)

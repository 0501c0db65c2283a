"""Cutting a document's pages into overlapping chunks for retrieval.

A chunk never spans two pages, so every passage cites one page. Within a page, sentences are
packed into chunks of at most `size` characters; the next chunk starts with the last words
of the one before (up to `overlap` characters of it), so an answer that straddles a cut is still
found whole in one of them. A sentence longer than a chunk is cut between words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

CHUNK_SIZE = 900  # characters: a paragraph or two, what one citation should point at
CHUNK_OVERLAP = 150
MIN_CHUNK = 3  # a page with less text than this (a page number, a stray mark) has no chunk
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n{2,}")
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_HYPHENATED = re.compile(r"(\w)-\n(\w)")


@dataclass(frozen=True)
class Chunk:
    page: int  # from 1
    text: str


def normalise(text: str) -> str:
    """Text as a PDF's extraction gives it, tidied: words hyphenated across lines joined, runs
    of spaces made one, blank lines kept as paragraph breaks, single line breaks as spaces."""
    text = _HYPHENATED.sub(r"\1\2", text.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = re.split(r"\n\s*\n", text)
    tidied = (_SPACES.sub(" ", " ".join(p.split("\n"))).strip() for p in paragraphs)
    return "\n\n".join(p for p in tidied if p)


def chunk_pages(
    pages: Sequence[str], size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP
) -> list[Chunk]:
    """The chunks of every page in order; pages without text give none."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("a chunk must be longer than its overlap")
    chunks: list[Chunk] = []
    for number, page in enumerate(pages, start=1):
        chunks.extend(Chunk(number, text) for text in chunk_text(normalise(page), size, overlap))
    return chunks


def chunk_text(text: str, size: int = CHUNK_SIZE, overlap: int = CHUNK_OVERLAP) -> list[str]:
    pieces = [p for s in _SENTENCE_END.split(text) for p in _fit(s.strip(), size) if p]
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        if current and len(" ".join([*current, piece])) > size:
            chunks.append(" ".join(current))
            current = _tail(current, overlap, size - len(piece) - 1)
        current.append(piece)
    if current:
        chunks.append(" ".join(current))
    return [c for c in chunks if len(c) >= MIN_CHUNK]


def _fit(sentence: str, size: int) -> list[str]:
    """A sentence as pieces of at most `size` characters, cut between words (a word longer
    than that is cut where it must)."""
    if len(sentence) <= size:
        return [sentence]
    pieces: list[str] = []
    current = ""
    for word in sentence.split():
        while len(word) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:size])
            word = word[size:]
        if current and len(current) + 1 + len(word) > size:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def _tail(pieces: list[str], overlap: int, room: int) -> list[str]:
    """The last words of a chunk, at most `overlap` characters of them (and no more than leaves
    the next piece room in the next chunk), to start the next chunk with."""
    words = " ".join(pieces).split()
    kept: list[str] = []
    length = 0
    for word in reversed(words):
        if length + len(word) > min(overlap, room):
            break
        kept.insert(0, word)
        length += len(word) + 1
    return [" ".join(kept)] if kept else []

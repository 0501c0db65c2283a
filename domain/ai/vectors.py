"""Embedding vectors as events carry them: 32-bit floats, little-endian, in base64.

A vector is the recorded outcome of a call to a model, so it is stored as the model gave it
(to float32 precision, what pgvector keeps) and a read model rebuilt from the log gets the very
same vectors. As text it is a third of the size of a JSON list of numbers.
"""

from __future__ import annotations

import base64
import math
import sys
from array import array
from collections.abc import Sequence

_LITTLE = sys.byteorder == "little"


def encode(vector: Sequence[float]) -> str:
    values = array("f", vector)
    if not _LITTLE:
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")


def decode(text: str) -> list[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text.encode("ascii"), validate=True))
    if not _LITTLE:
        values.byteswap()
    return values.tolist()


def padded(vector: Sequence[float], dimensions: int) -> list[float]:
    """A shorter vector in a longer column: zeros after it change no cosine distance between
    vectors padded alike."""
    if len(vector) > dimensions:
        raise ValueError(f"a vector of {len(vector)} dimensions does not fit in {dimensions}")
    return [*vector, *([0.0] * (dimensions - len(vector)))]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0

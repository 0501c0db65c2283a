"""Answers filed under who asked, what, and where the read models stood: reused while they stand.

The key is a digest of the caller's audience (tenant, role, login), the read models' positions,
the window of the application clock the answer was computed in, and the request itself. An
answer filed under a key is what a fresh computation returns for that key, so any answer found
may be given again; the time to live and the clock window bound answers that depend on the time
of day (ageing buckets, overdue jobs).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from application.shared.read_state import ReadVersion

T = TypeVar("T")


class AnswerCache(Generic[T]):
    """At most `size` answers, each for at most `seconds`; the least recently used go first.

    Used from the event loop only, so it takes no lock."""

    def __init__(
        self, seconds: float, size: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._size = size
        self._monotonic = monotonic
        self._answers: OrderedDict[str, tuple[float, T]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self._size > 0

    def get(self, key: str) -> T | None:
        kept = self._answers.get(key)
        if kept is None:
            return None
        until, answer = kept
        if until <= self._monotonic():
            del self._answers[key]
            return None
        self._answers.move_to_end(key)
        return answer

    def put(self, key: str, answer: T) -> None:
        self._answers[key] = (self._monotonic() + self.seconds, answer)
        self._answers.move_to_end(key)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)


def answer_key(version: ReadVersion, window_seconds: float, *request: object) -> str:
    """The digest an answer is filed under: the version it was read at (audience, positions and
    the clock's window) and every part of the request, each as canonical JSON."""
    window = int(version.at.timestamp() // window_seconds) if window_seconds > 0 else 0
    digest = hashlib.blake2b(digest_size=24)
    for part in (version.audience, version.positions, window, *request):
        encoded = json.dumps(part, sort_keys=True, separators=(",", ":"), default=str).encode()
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()

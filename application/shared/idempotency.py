"""Safe retries: a mutation sent with an idempotency key runs once; a retry with the same key
gets the first outcome and records nothing new (the `Idempotency-Key` of Stripe's API).

A key belongs to one caller (its scope) and one request (its fingerprint). A retry that arrives
while the first attempt still runs is told so; a key reused for a different request is refused.
An attempt that failed unexpectedly (no outcome to give) releases its key, so the retry runs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from application.shared.errors import ApplicationError
from domain.shared.errors import InvalidValue

KEEP_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyConflict(ApplicationError):
    code = "IDEMPOTENCY_CONFLICT"


class ClaimState(StrEnum):
    NEW = "new"
    DONE = "done"
    RUNNING = "running"
    OTHER_REQUEST = "other_request"


@dataclass(frozen=True)
class Claim:
    state: ClaimState
    response: dict[str, Any] | None = None


class IdempotencyRecords(Protocol):
    """Where first outcomes are kept (a table beside the tenant directory)."""

    def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        """Take the key for this request, or say what became of it."""

    def complete(self, scope: str, key: str, response: dict[str, Any]) -> None:
        """Keep the outcome to replay."""

    def release(self, scope: str, key: str) -> None:
        """Give the key back: the attempt ended without an outcome."""

    def purge(self, older_than: datetime) -> int:
        """Forget keys older than this; return how many."""


@dataclass(frozen=True)
class Outcome:
    response: dict[str, Any]
    replayed: bool


def fingerprint(request: dict[str, Any]) -> str:
    """The same request, whatever the order of its keys, has the same fingerprint."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotentMutations:
    """Runs a mutation at most once per (caller, key)."""

    def __init__(self, records: IdempotencyRecords) -> None:
        self._records = records

    def run(
        self,
        scope: str,
        key: str,
        request: dict[str, Any],
        execute: Callable[[], dict[str, Any]],
    ) -> Outcome:
        replay = self.begin(scope, key, request)
        if replay is not None:
            return replay
        try:
            response = execute()
        except BaseException:
            self.abandon(scope, key)
            raise
        self.finish(scope, key, response)
        return Outcome(response, replayed=False)

    def begin(self, scope: str, key: str, request: dict[str, Any]) -> Outcome | None:
        """Take the key for a first attempt (None), or the first outcome to replay; refuses a
        retry while the first attempt runs and a key reused for a different request."""
        _check_key(key)
        claim = self._records.claim(scope, key, fingerprint(request))
        if claim.state is ClaimState.DONE and claim.response is not None:
            return Outcome(claim.response, replayed=True)
        if claim.state is ClaimState.RUNNING:
            raise IdempotencyConflict(
                "a request with this idempotency key is still running; retry shortly",
                field="Idempotency-Key",
            )
        if claim.state is ClaimState.OTHER_REQUEST:
            raise IdempotencyConflict(
                "this idempotency key was used for a different request", field="Idempotency-Key"
            )
        return None

    def finish(self, scope: str, key: str, response: dict[str, Any]) -> None:
        """Keep the first attempt's outcome for its retries."""
        self._records.complete(scope, key, response)

    def abandon(self, scope: str, key: str) -> None:
        """The attempt ended without an outcome to give: the next retry runs it again."""
        self._records.release(scope, key)

    def purge(self, now: datetime) -> int:
        return self._records.purge(now - KEEP_FOR)


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InvalidValue(
            f"an idempotency key is 1-{MAX_KEY_LENGTH} printable ASCII characters",
            field="Idempotency-Key",
        )

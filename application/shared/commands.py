"""Where a command runs: the one place that lets it decide on cached aggregates and runs it again
when that decision turns out to rest on state another writer had already changed.

An interface hands the whole command (load, decide, save, and reading its answer) to
`run_command`. Each attempt is served cached aggregates without a look-up
(application/shared/aggregate_cache.py) and nothing it decided is kept unless its save goes
through, so running it again is safe until something was stored:

- a conflict (the store refused a version, or an aggregate it only read had moved on): the stale
  entries are gone from the cache already; the command runs again and loads them anew;
- a refusal (a business rule said no) after the command was served cached aggregates: it runs
  once more on state read from the store, so that no one is refused on the strength of an old copy;
- once an attempt stored events, nothing is run again: its outcome, error or not, is the answer.

After `ATTEMPTS` attempts the last error stands (`ConcurrentModification` for a conflict).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from eventsourcing.persistence import IntegrityError

from application.shared.aggregate_cache import serving_cached
from application.shared.errors import ConcurrentModification
from application.shared.event_store import watching_writes
from domain.shared.errors import DomainError

T = TypeVar("T")
ATTEMPTS = 3
CONFLICT_PAUSE = 0.02  # seconds, at most, before the last attempt after repeated conflicts


def run_command(call: Callable[[], T]) -> T:
    """Run `call`, again if it lost to a concurrent writer or decided on stale cached state."""
    trusted = True
    for attempt in range(1, ATTEMPTS):
        with watching_writes() as watch, serving_cached(trusted=trusted) as reads:
            try:
                return call()
            except (DomainError, IntegrityError) as error:
                if watch.stored:
                    raise
                if is_conflict(error):
                    _pause_after(attempt)
                    continue
                if not (trusted and reads.any):
                    raise  # decided on state read from the store: the refusal stands
                trusted = False
    with serving_cached(trusted=trusted):
        return call()


def _pause_after(attempt: int) -> None:
    """The first conflict is most often a stale cached copy, dropped by now: run again at once.
    A second means writers are colliding on one aggregate: a pause drawn at random spreads them,
    where running again in step would collide again."""
    if attempt > 1:
        time.sleep(random.uniform(0, CONFLICT_PAUSE))


def is_conflict(error: BaseException) -> bool:
    """Whether `error` says a concurrent writer got there first: `ConcurrentModification`, or a
    refusal a command chose to raise for a refused version (a phone number claimed meanwhile)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConcurrentModification | IntegrityError):
            return True
        cause = cause.__cause__
    return False

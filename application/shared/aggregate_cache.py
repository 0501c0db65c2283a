"""Aggregates kept in memory between commands, and when a command may trust them unread.

A command that runs through `application.shared.commands.run_command` is served cached aggregates
as they are, without asking the store for newer events: optimistic concurrency keeps it right.
An aggregate it changes carries its version into the save, and the store refuses a version that
another writer (a thread, or another process) took first. An aggregate it only read is checked
against the store when it saves, in one look-up per aggregate. Either way the stale entries are
dropped and the whole command runs again from the store.

Everything else (jobs, process managers, queries, the CLI) cannot be run again, so it reads as
the library does: the cached aggregate brought up to date with the newer events of the store.

An entry is never handed out nor changed in place: every reader gets a deep copy, and what a
save leaves in the cache is a copy taken after the save went through. A command that fails, or
goes on changing an aggregate after saving it, cannot leave its changes in the cache.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.persistence import IntegrityError

# A save of more aggregates than this is batch work (a billing run, a voucher batch): its
# aggregates are dropped from the cache rather than copied into it, which would cost a deep copy
# each while they are seldom loaded again soon.
REMEMBERED_PER_SAVE = 16


class StaleRead(IntegrityError):
    """An aggregate a command read from the cache, and did not change, had moved on in the
    store: the command decided on old state and must decide again."""


@dataclass
class CachedReads:
    """What one attempt of a command was served from the cache, without asking the store."""

    trusted: bool = True
    any: bool = False  # whether anything was served from the cache, checked or not
    served: dict[AggregateCache, dict[UUID, int]] = field(default_factory=dict)  # to check

    def note(self, cache: AggregateCache, aggregate_id: UUID, version: int) -> None:
        self.served.setdefault(cache, {})[aggregate_id] = version
        self.any = True

    def check(self, saving: AggregateCache, changed: set[UUID]) -> None:
        """Refuse the save if any aggregate read from the cache and not `changed` by it has newer
        events in the store; those are dropped, so the command's next attempt reads them anew.
        Changed aggregates need no look-up: the store refuses their versions if they moved."""
        for cache, versions in self.served.items():
            unchanged = {
                i: v for i, v in versions.items() if cache is not saving or i not in changed
            }
            stale = cache.moved_on(unchanged)
            if stale:
                cache.forget(stale)
                raise StaleRead(f"{len(stale)} aggregate(s) read from the cache had moved on")
            versions.clear()  # checked once; a later save of the same attempt checks later reads


_READS: ContextVar[CachedReads | None] = ContextVar("niaga_cached_reads", default=None)


@contextmanager
def serving_cached(*, trusted: bool) -> Iterator[CachedReads]:
    """Within this block, loads serve cached aggregates without a look-up when `trusted`, and
    note them so that a save checks the ones it does not change; untrusted, loads read anew."""
    reads = CachedReads(trusted=trusted)
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def current_reads() -> CachedReads | None:
    """The cached reads of the command attempt under way, if its loads trust the cache."""
    reads = _READS.get()
    return reads if reads is not None and reads.trusted else None


class AggregateCache(Repository[UUID]):
    """The library's repository with a cache whose entries are never shared, and served without
    a look-up to commands that can be run again (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._entries_lock = threading.Lock()  # compare-and-put: a newer entry is never replaced

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: Any = project_aggregate,
        **_: Any,  # the library's options for its own fast-forward: not how this cache works
    ) -> Any:
        if version is not None or self.cache is None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        cached = self._cached(aggregate_id)
        if cached is None:
            return self._load(aggregate_id, projector_func)
        reads = current_reads()
        if reads is not None:
            reads.note(self, aggregate_id, cached.version)
            return deepcopy(cached)
        return self._brought_up_to_date(cached, projector_func)

    def remember(self, aggregates: Iterable[Any]) -> None:
        """After a save went through: keep copies of what it saved, or drop a batch's."""
        saved = list(aggregates)
        if len(saved) > REMEMBERED_PER_SAVE:
            self.forget(a.id for a in saved)
            return
        for aggregate in saved:
            self._keep(deepcopy(aggregate))

    def forget(self, aggregate_ids: Iterable[UUID]) -> None:
        if self.cache is None:
            return
        for aggregate_id in aggregate_ids:
            with suppress(KeyError):
                self.cache.get(aggregate_id, evict=True)

    def moved_on(self, versions: dict[UUID, int]) -> set[UUID]:
        """Which of these aggregates have events in the store after the given versions."""
        return {
            aggregate_id
            for aggregate_id, version in versions.items()
            if self.event_store.recorder.select_events(aggregate_id, gt=version, limit=1)
        }

    def _load(self, aggregate_id: UUID, projector_func: Any) -> Any:
        aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
        self._keep(aggregate)
        return deepcopy(aggregate)

    def _brought_up_to_date(self, cached: Any, projector_func: Any) -> Any:
        newer = list(self.event_store.get(cached.id, gt=cached.version))
        if not newer:
            return deepcopy(cached)
        aggregate = projector_func(deepcopy(cached), newer)
        if aggregate is None:
            raise AggregateNotFoundError(cached.id)
        self._keep(aggregate)
        return deepcopy(aggregate)

    def _cached(self, aggregate_id: UUID) -> Any | None:
        if self.cache is None:
            return None
        try:
            return self.cache.get(aggregate_id)
        except KeyError:
            return None

    def _keep(self, aggregate: Any) -> None:
        """Cache `aggregate` (which nobody else holds) unless a newer version is cached already:
        a slow load finishing after a save must not put the older state back."""
        if self.cache is None:
            return
        with self._entries_lock:
            cached = self._cached(aggregate.id)
            if cached is None or cached.version <= aggregate.version:
                self.cache.put(aggregate.id, aggregate)


@contextmanager
def reading_from_store() -> Iterator[None]:
    """Loads inside read the store even in a command that trusts the cache: for what leaves the
    process before the save could find a stale copy out (personal data sent to a gateway, of a
    customer another process may just have forgotten)."""
    with serving_cached(trusted=False):
        yield

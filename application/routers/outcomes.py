"""Recording what a push to a router came to, without flooding the log with repeats.

A router that stays down fails the same retried job the same way again and again. Recording each
attempt says nothing new and costs a save under the store's lock, so a retryable failure that
repeats the one last recorded for its target is only counted (in this process) and recorded once,
with its count in the attempt number, when the streak ends: at the next success or a different
failure (a process that stops forgets its count; the first failure stays recorded). A refusal is
always recorded: it is never retried on a timer, so each one answers a change or a manual retry.

Two jobs of one process for one target (a batch job and the sweep, say) do not run together: the
second stands back as a duplicate, since pushing the same state twice at once can make the router
refuse the second `add`. Jobs of different processes may still race to record an outcome; the one
that saves first stands, and the other's outcome is dropped as a duplicate instead of failing its
job. A desired state (`HotspotUserWanted`) is never dropped: that save fails, to be tried again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.shared.context import Actor, ActorKind, recording
from application.shared.event_store import EventStore
from domain.routers.provisioning import Provisioning

PROVISIONER = Actor(ActorKind.SYSTEM, "provisioner")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Streak:
    """Failures not recorded since the last one that was: how many, and the latest message."""

    router: str
    version: int
    count: int
    message: str


class OutcomeRecorder:
    """Applies outcomes to provisioning records and saves them (see the module's docstring)."""

    def __init__(self) -> None:
        self._streaks: dict[UUID, _Streak] = {}
        self._lock = threading.Lock()

    def failed(
        self, record: Provisioning, router: str, version: int, message: str, will_retry: bool
    ) -> bool:
        """Apply a failure to `record`; False when it only counted as a repeat."""
        if record.repeats_failure(version, will_retry):
            with self._lock:
                streak = self._streaks.get(record.id)
                count = streak.count + 1 if streak and streak.version == version else 1
                self._streaks[record.id] = _Streak(router, version, count, message)
            return False
        self._end_streak(record)
        record.fail(router, version, message, will_retry)
        return True

    def succeeded(
        self, record: Provisioning, router: str, version: int, changes: list[str]
    ) -> None:
        self._end_streak(record)
        record.succeed(router, version, changes)

    def save(self, store: EventStore, tenant_id: UUID, records: Sequence[Provisioning]) -> None:
        """Save the records that changed, in one transaction; if another job recorded an
        outcome of one of them first, save them one by one and let that job's record stand."""
        changed = [record for record in records if record.pending_events]
        if not changed:
            return
        # A failed save has already collected the pending events: keep them to try again.
        pending = [list(record.pending_events) for record in changed]
        with recording("Provision", actor=PROVISIONER, tenant_id=tenant_id):
            try:
                store.save(*changed)
                return
            except IntegrityError:
                log.info("provisioning outcomes of tenant %s raced another job", tenant_id)
            for record, events in zip(changed, pending, strict=True):
                record.pending_events[:] = events
            for record, events in zip(changed, pending, strict=True):
                try:
                    store.save(record)
                except IntegrityError:
                    if any(isinstance(e, Provisioning.HotspotUserWanted) for e in events):
                        raise  # a desired state is never dropped: its caller tries again
                    log.info("%s: another job recorded its outcome first", record.target_id)

    def _end_streak(self, record: Provisioning) -> None:
        """Record the failures counted since the last recorded one, as one failure."""
        with self._lock:
            streak = self._streaks.pop(record.id, None)
        if streak is not None and record.repeats_failure(streak.version, True):
            record.fail(streak.router, streak.version, streak.message, True, streak.count - 1)


class InFlight:
    """The targets this process is pushing right now."""

    def __init__(self) -> None:
        self._busy: set[UUID] = set()
        self._lock = threading.Lock()

    @contextmanager
    def claim(self, target_ids: Iterable[UUID]) -> Iterator[set[UUID]]:
        """Claim the targets no other job of this process is pushing; yields those claimed,
        released again when the block ends."""
        with self._lock:
            claimed = {target for target in target_ids if target not in self._busy}
            self._busy |= claimed
        try:
            yield claimed
        finally:
            with self._lock:
                self._busy -= claimed

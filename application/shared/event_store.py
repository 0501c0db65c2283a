"""One event store: an eventsourcing application bound to one store (a database schema)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoding
from eventsourcing.utils import EnvType

from application.shared.aggregate_cache import AggregateCache, current_reads
from application.shared.event_payloads import payload_transcodings
from application.shared.mapper import NiagaMapper
from application.shared.personal_data import PersonalDataCipher, PersonalDataKeys
from domain.shared.recorded import RecordedEvent


class DateAsISO(Transcoding):
    """Calendar dates (due dates, billing periods) as `YYYY-MM-DD`."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Saved:
    """Where a save's events landed in the log and what they were: a command waits for the
    read models of those topics to reach that position, and no others."""

    position: int
    topics: frozenset[str]

    def __bool__(self) -> bool:
        return self.position > 0


@dataclass
class WriteWatch:
    """Whether a save went through while it was watching."""

    stored: bool = False


_WATCH: ContextVar[WriteWatch | None] = ContextVar("niaga_write_watch", default=None)


@contextmanager
def watching_writes() -> Iterator[WriteWatch]:
    """Notes whether anything called inside stored events: an interface can then tell a client
    its write was stored even when what comes after the save (reading the answer) fails."""
    watch = WriteWatch()
    enclosing = _WATCH.get()
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)
        if enclosing is not None and watch.stored:
            enclosing.stored = True  # a watch inside another (one attempt of a command)


class EventStore(Application[UUID]):
    """Loads and saves aggregates of one store. Persistence is chosen by the adapters."""

    name = "Niaga"
    env = {"AGGREGATE_CACHE_MAXSIZE": "20000", "IS_SNAPSHOTTING_ENABLED": "n"}

    def __init__(
        self,
        env: EnvType | None,
        personal_data_keys: Callable[[EventStore], PersonalDataKeys],
    ) -> None:
        self._personal_data_keys_factory = personal_data_keys
        super().__init__(env)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for transcoding in payload_transcodings():
            transcoder.register(transcoding)

    def construct_mapper(self) -> NiagaMapper:
        keys = self._personal_data_keys_factory(self)
        return NiagaMapper(self.construct_transcoder(), PersonalDataCipher(keys))

    @property
    def niaga_mapper(self) -> NiagaMapper:
        return cast(NiagaMapper, self.mapper)

    def get_many(self, ids: list[UUID]) -> dict[UUID, Any]:
        """Load several aggregates; persistence adapters may do it in one round trip."""
        found: dict[UUID, Any] = {}
        for aggregate_id in ids:
            try:
                found[aggregate_id] = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                continue
        return found

    def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        """Every event of one aggregate in version order, with who and why; persistence adapters
        that know the log positions fill them in (0 here)."""
        stored = list(self.recorder.select_events(aggregate_id))
        self.niaga_mapper.prefetch_keys(stored)
        return [self.niaga_mapper.decode(0, s) for s in stored]

    def construct_repository(self) -> AggregateCache:
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return AggregateCache(
            self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
        )

    @property
    def aggregate_cache(self) -> AggregateCache:
        return cast(AggregateCache, self.repository)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        changed = {e.originator_id for e in processing_event.events}
        reads = current_reads()
        if reads is not None:
            reads.check(self.aggregate_cache, changed)
        try:
            recordings: list[Recording[UUID]] = super()._record(processing_event)
        except IntegrityError:
            # Another writer got there first: what this process cached of them is stale.
            self.aggregate_cache.forget(changed)
            raise
        saved = processing_event.aggregates
        self.aggregate_cache.remember(saved[i] for i in changed if i in saved)
        watch = _WATCH.get()
        if watch is not None and recordings:
            watch.stored = True
        return recordings

    def head(self) -> int:
        """The log position of the last event recorded in this store (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def save_and_locate(self, *objs: Any) -> Saved:
        """Save aggregates atomically; return the log position of the last event recorded and
        the topics of the events."""
        recordings: list[Recording[UUID]] = self.save(*objs)
        return Saved(
            max((r.notification.id for r in recordings), default=0),
            frozenset(r.notification.topic for r in recordings),
        )

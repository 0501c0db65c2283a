"""Time travel for auditors: any aggregate as it was at a version or a moment, and its history.

Replays the aggregate's own events from its store (never a read model), so what it shows is what
the log says. Personal data of a forgotten subject replays as forgotten: its key is gone.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, OriginatorVersionError

import domain
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.event_store import EventStore
from application.shared.ports import Stores
from domain.shared.errors import InvalidValue
from domain.shared.recorded import RecordedEvent

REDACTED = "[redacted]"
MAX_HISTORY_PAGE = 100
# Secrets never leave the store this way, not even hashed (the audit log hides them too).
_SECRET_MARKERS = ("secret", "password")
# These move with every event; a diff showing them says nothing.
_BOOKKEEPING = frozenset({"version", "modified_on"})
_RENAMED = {"_id": "id", "_version": "version", "_created_on": "created_on"}


class BeyondHistory(ApplicationError):
    """The replay position lies outside the aggregate's history."""

    code = "BEYOND_HISTORY"


class BrokenHistory(ApplicationError):
    """The aggregate's events do not follow one another: the log was changed out of band."""

    code = "BROKEN_HISTORY"


@dataclass(frozen=True)
class AggregateSnapshot:
    type: str
    id: UUID
    version: int
    recorded_at: datetime  # when the last event replayed was recorded
    state: dict[str, Any]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class HistoryEntry:
    position: int
    version: int
    action: str
    occurred_at: datetime
    actor: str
    command: str
    correlation_id: str
    causation_id: str
    changes: list[FieldChange]


@dataclass(frozen=True)
class AggregateHistory:
    type: str
    id: UUID
    total_versions: int
    entries: list[HistoryEntry]

    @property
    def has_more(self) -> bool:
        return bool(self.entries) and self.entries[-1].version < self.total_versions


class TimeTravel:
    """Authorised, tenant-scoped replays of single aggregates."""

    def __init__(self, stores: Stores) -> None:
        self._stores = stores

    def at(
        self,
        principal: Principal,
        type_name: str,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        at: datetime | None = None,
    ) -> AggregateSnapshot:
        """The aggregate as of `version` or as of the moment `at` (exactly one of them)."""
        authorize(principal, Permission.READ_AUDIT)
        if (version is None) == (at is None):
            raise InvalidValue("give exactly one of version or at", field="version")
        events = self._history(principal, type_name, aggregate_id)
        upto = _upto_version(events, version) if version is not None else _upto_moment(events, at)
        aggregate = _replay(events[:upto])
        last = events[upto - 1]
        return AggregateSnapshot(type_name, aggregate_id, last.version, last.timestamp, aggregate)

    def history(
        self,
        principal: Principal,
        type_name: str,
        aggregate_id: UUID,
        after_version: int = 0,
        first: int = 50,
    ) -> AggregateHistory:
        """Each event with who, through which command, and the fields it changed."""
        authorize(principal, Permission.READ_AUDIT)
        if not 1 <= first <= MAX_HISTORY_PAGE:
            raise InvalidValue(f"first must be between 1 and {MAX_HISTORY_PAGE}", field="first")
        if after_version < 0:
            raise InvalidValue("after must not be negative", field="after")
        events = self._history(principal, type_name, aggregate_id)
        entries: list[HistoryEntry] = []
        aggregate: Any = None
        before: dict[str, Any] = {}
        for recorded in events[: after_version + first]:
            aggregate = _apply(aggregate, recorded)
            after = state_of(aggregate)
            if recorded.version > after_version:
                entries.append(_entry(recorded, diff(before, after)))
            before = after
        return AggregateHistory(type_name, aggregate_id, len(events), entries)

    def _history(
        self, principal: Principal, type_name: str, aggregate_id: UUID
    ) -> list[RecordedEvent]:
        require_known_type(type_name)
        store = self._store_of(principal, type_name)
        events = store.history(aggregate_id)
        if not events or not _belongs(events, type_name, principal.tenant_id):
            # Another tenant's aggregate is reported exactly like a missing one.
            raise NotFound(f"no {type_name} {aggregate_id}", field="id")
        return events

    def _store_of(self, principal: Principal, type_name: str) -> EventStore:
        # Tenants are platform aggregates; everything else lives in the tenant's own store.
        if type_name == "Tenant":
            return self._stores.platform()
        return self._stores.for_tenant(principal.tenant_id)


@functools.cache
def known_types() -> dict[str, type]:
    """Every aggregate class the domain defines, by name."""
    found: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(domain.__path__, f"{domain.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Aggregate)
                and value.__module__ == module.__name__
            ):
                found[value.__name__] = value
    return dict(sorted(found.items()))


def require_known_type(type_name: str) -> None:
    if type_name not in known_types():
        known = ", ".join(known_types())
        raise InvalidValue(f"unknown aggregate type {type_name!r}; known: {known}", field="type")


def parse_moment(raw: str, field: str = "at") -> datetime:
    """An ISO 8601 time with its offset, e.g. 2026-01-05T10:00:00+07:00 (or Z)."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidValue(
            f"{field} {raw!r} is not an ISO 8601 time such as 2026-01-05T10:00:00+07:00",
            field=field,
        ) from None
    return require_offset(moment, field)


def require_offset(moment: datetime, field: str = "at") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(
            f"{field} needs a time zone offset, e.g. 2026-01-05T10:00:00+07:00", field=field
        )
    return moment


def state_of(aggregate: Any) -> dict[str, Any]:
    """An aggregate's fields as JSON-able values, its id, version and creation time included."""
    state: dict[str, Any] = {}
    for name, value in vars(aggregate).items():
        if name in ("_pending_events", "_modified_on"):
            continue
        key = _RENAMED.get(name, name.lstrip("_"))
        state[key] = as_json(key, value)
    state["modified_on"] = as_json("modified_on", aggregate.modified_on)
    return state


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """Fields whose value differs between two states, in the order the later state lists them."""
    keys = [*after, *(k for k in before if k not in after)]
    return [
        FieldChange(k, before.get(k), after.get(k))
        for k in keys
        if k not in _BOOKKEEPING and before.get(k) != after.get(k)
    ]


def _replay(events: Sequence[RecordedEvent]) -> dict[str, Any]:
    aggregate: Any = None
    for recorded in events:
        aggregate = _apply(aggregate, recorded)
    return state_of(aggregate)


def _apply(aggregate: Any, recorded: RecordedEvent) -> Any:
    try:
        return recorded.event.mutate(aggregate)
    except OriginatorVersionError:
        # Only a log changed outside Niaga has a hole in an aggregate's versions.
        raise BrokenHistory(
            f"{recorded.aggregate_type} {recorded.aggregate_id} has no event before version "
            f"{recorded.version}; check the log with `niaga audit verify-chain`",
            field="id",
        ) from None


def _upto_version(events: Sequence[RecordedEvent], version: int) -> int:
    latest = events[-1].version
    if version < 1 or version > latest:
        kind, aggregate_id = events[0].aggregate_type, events[0].aggregate_id
        raise BeyondHistory(
            f"{kind} {aggregate_id} has versions 1 to {latest}; version {version} is outside it",
            field="version",
        )
    return version


def _upto_moment(events: Sequence[RecordedEvent], at: datetime | None) -> int:
    moment = require_offset(at) if at is not None else None
    count = sum(1 for e in events if moment is not None and e.timestamp <= moment)
    if count == 0:
        first = events[0]
        raise BeyondHistory(
            f"{first.aggregate_type} {first.aggregate_id} did not exist yet at {moment}; "
            f"it was created at {first.timestamp.isoformat()}",
            field="at",
        )
    return count


def _belongs(events: Sequence[RecordedEvent], type_name: str, tenant_id: UUID) -> bool:
    first = events[0]
    if first.aggregate_type != type_name:
        return False
    if type_name == "Tenant":
        return first.aggregate_id == tenant_id
    owner = getattr(first.event, "tenant_id", None) or first.meta.tenant_id
    return str(owner) == str(tenant_id)


def _entry(recorded: RecordedEvent, changes: list[FieldChange]) -> HistoryEntry:
    meta = recorded.meta
    return HistoryEntry(
        position=recorded.position,
        version=recorded.version,
        action=recorded.name,
        occurred_at=recorded.timestamp,
        actor=meta.actor,
        command=meta.command,
        correlation_id=meta.correlation_id,
        causation_id=meta.causation_id,
        changes=changes,
    )


def as_json(name: str, value: Any) -> Any:
    """A field's value as JSON-able data; values of secret-looking fields are redacted."""
    if value is not None and any(marker in name for marker in _SECRET_MARKERS):
        return REDACTED
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(f.name, getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): as_json(str(k), v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((as_json(name, v) for v in value), key=str)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [as_json(name, v) for v in value]
    return value

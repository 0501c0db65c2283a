"""An event as recorded: its position in the log and the envelope saying who did it and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID


@dataclass(frozen=True)
class EventMeta:
    """Who acted (actor), through which command, and the ids that tie a chain of work together."""

    tenant_id: str | None
    actor: str
    command: str
    correlation_id: str
    causation_id: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "actor": self.actor,
            "command": self.command,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> EventMeta:
        raw = raw or {}
        return cls(
            tenant_id=raw.get("tenant_id"),
            actor=raw.get("actor", "unknown"),
            command=raw.get("command", "unknown"),
            correlation_id=raw.get("correlation_id", ""),
            causation_id=raw.get("causation_id", ""),
        )


@dataclass(frozen=True)
class RecordedEvent:
    """A domain event read back from a store's log."""

    position: int
    event: Any
    meta: EventMeta

    @property
    def aggregate_id(self) -> UUID:
        return cast(UUID, self.event.originator_id)

    @property
    def version(self) -> int:
        return cast(int, self.event.originator_version)

    @property
    def timestamp(self) -> datetime:
        return cast(datetime, self.event.timestamp)

    @property
    def name(self) -> str:
        """`Aggregate.EventName`, e.g. `Customer.Registered`."""
        return type(self.event).__qualname__

    @property
    def aggregate_type(self) -> str:
        return self.name.split(".", 1)[0]

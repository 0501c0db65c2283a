"""The public event schema integrators receive: stable, versioned names and payloads derived
from domain events (see `application/public_event_types.py`), never the internal events
themselves, in one envelope: id, type, version, occurred_at, tenant_id, data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from application.integrations.public_event_types import CATALOGUE, Aggregates, Data, PublicEventType
from application.shared.errors import ApplicationError
from domain.shared.recorded import RecordedEvent
from domain.shared.topics import topics_of

__all__ = ["CATALOGUE", "PublicEventType", "PublicMessage"]
_NAMESPACE = UUID("5b0b8a6e-0c55-4c1e-9f47-7f6a8f0f1a10")


@dataclass(frozen=True)
class PublicMessage:
    """One public event, ready to send to every endpoint that wants it."""

    id: str
    type: str
    version: int
    occurred_at: datetime
    tenant_id: UUID
    position: int
    data: Data = field(default_factory=dict)

    def body(self) -> str:
        """The JSON envelope, byte for byte what is signed and sent."""
        return json.dumps(
            {
                "id": self.id,
                "type": self.type,
                "version": self.version,
                "occurred_at": self.occurred_at.isoformat(),
                "tenant_id": str(self.tenant_id),
                "data": self.data,
            },
            separators=(",", ":"),
            sort_keys=True,
            default=_json_value,
        )


def _json_value(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of the public schema")


_BY_SOURCE: dict[type, PublicEventType] = {t.source: t for t in CATALOGUE}
_BY_NAME: dict[str, PublicEventType] = {t.name: t for t in CATALOGUE}
SOURCE_TOPICS: tuple[str, ...] = tuple(topic for t in CATALOGUE for topic in topics_of(t.source))


def known_types() -> list[str]:
    return sorted(_BY_NAME)


def validate_types(event_types: Sequence[str], field: str = "eventTypes") -> list[str]:
    """The event types as given, or ApplicationError naming the unknown ones and the known."""
    unknown = sorted({t for t in event_types if t not in _BY_NAME})
    if unknown:
        raise ApplicationError(
            f"unknown event type(s) {', '.join(unknown)}; known: {', '.join(known_types())}",
            field=field,
        )
    return sorted(set(event_types))


def public_type_of(recorded: RecordedEvent) -> PublicEventType | None:
    return _BY_SOURCE.get(type(recorded.event))


def needs_aggregate(recorded: RecordedEvent) -> bool:
    kind = public_type_of(recorded)
    return kind is not None and kind.needs_aggregate


def to_public(recorded: RecordedEvent, aggregates: Aggregates) -> PublicMessage | None:
    """The public message for a domain event, or None if it is not part of the schema."""
    kind = public_type_of(recorded)
    tenant = recorded.meta.tenant_id or getattr(recorded.event, "tenant_id", None)
    if kind is None or tenant is None:
        return None
    event_key = f"{recorded.aggregate_id}:{recorded.version}:{kind.name}"
    return PublicMessage(
        id=f"evt_{uuid5(_NAMESPACE, event_key).hex}",
        type=kind.name,
        version=kind.version,
        occurred_at=recorded.timestamp,
        tenant_id=UUID(str(tenant)),
        position=recorded.position,
        data=kind.build(recorded, aggregates),
    )

"""Time travel in GraphQL: any aggregate as of a version or a moment, and its history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query
from application.audit.time_travel import (
    AggregateHistory as HistoryView,
)
from application.audit.time_travel import (
    AggregateSnapshot,
    FieldChange,
)
from application.audit.time_travel import (
    HistoryEntry as EntryView,
)


@strawberry.type(description="An aggregate's state replayed from its own events.")
class AggregateState:
    type: str
    id: strawberry.ID
    version: int = strawberry.field(description="The last event replayed")
    recorded_at: datetime = strawberry.field(description="When that event was recorded")
    state: JSON = strawberry.field(
        description="Its fields; personal data of a forgotten customer reads [forgotten]"
    )

    @classmethod
    def from_view(cls, view: AggregateSnapshot) -> AggregateState:
        return cls(
            type=view.type,
            id=strawberry.ID(str(view.id)),
            version=view.version,
            recorded_at=view.recorded_at,
            state=cast(JSON, view.state),
        )


@strawberry.type(description="One field an event changed.")
class FieldDiff:
    field: str
    old: JSON | None
    new: JSON | None

    @classmethod
    def from_view(cls, view: FieldChange) -> FieldDiff:
        return cls(field=view.field, old=_json(view.old), new=_json(view.new))


@strawberry.type(description="One event of an aggregate: who, through which command, what changed.")
class AggregateHistoryEntry:
    position: int
    version: int
    action: str
    occurred_at: datetime
    actor: str
    command: str
    correlation_id: str
    causation_id: str
    changes: list[FieldDiff]

    @classmethod
    def from_view(cls, view: EntryView) -> AggregateHistoryEntry:
        return cls(
            position=view.position,
            version=view.version,
            action=view.action,
            occurred_at=view.occurred_at,
            actor=view.actor,
            command=view.command,
            correlation_id=view.correlation_id,
            causation_id=view.causation_id,
            changes=[FieldDiff.from_view(c) for c in view.changes],
        )


@strawberry.type
class AggregateHistory:
    type: str
    id: strawberry.ID
    total_versions: int
    has_more: bool = strawberry.field(description="Ask again with after = the last version")
    entries: list[AggregateHistoryEntry]

    @classmethod
    def from_view(cls, view: HistoryView) -> AggregateHistory:
        return cls(
            type=view.type,
            id=strawberry.ID(str(view.id)),
            total_versions=view.total_versions,
            has_more=view.has_more,
            entries=[AggregateHistoryEntry.from_view(e) for e in view.entries],
        )


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="An aggregate (Customer, Invoice, Subscription, ...) as it was at a version "
        "or at a moment (exactly one of them). Auditors, owners, admins and finance."
    )
    async def aggregate_at(
        self,
        info: NiagaInfo,
        type: str,
        id: strawberry.ID,
        version: int | None = None,
        at: Annotated[
            datetime | None,
            strawberry.argument(description="With a time zone offset: 2026-01-05T10:00:00+07:00"),
        ] = None,
    ) -> AggregateState:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: services.time_travel.at(who, type, parse_id(id, "id"), version=version, at=at)
        )
        return AggregateState.from_view(view)

    @strawberry.field(
        description="Every event of an aggregate with its actor, command and field changes, "
        "oldest first, `first` at a time after version `after`."
    )
    async def aggregate_history(
        self,
        info: NiagaInfo,
        type: str,
        id: strawberry.ID,
        first: int = 50,
        after: int = 0,
    ) -> AggregateHistory:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: services.time_travel.history(who, type, parse_id(id, "id"), after, first)
        )
        return AggregateHistory.from_view(view)


def _json(value: Any) -> JSON | None:
    return None if value is None else cast(JSON, value)

"""The operator's console's types: tenants as the platform sees them, stores, servers, a
tenant's month of revenue and costs, and a move's progress."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.shared.errors import (
    NotFoundError,
    RefusedError,
    StoredPendingRead,
    ValidationError,
)
from api.graphql.shared.support import NiagaInfo, query
from api.graphql.shared.types import Connection, connection_parts
from application.platform import console as views
from application.shared.ports import Page, Placement


@strawberry.enum(description="Where a tenant's data lives.")
class TenantTier(StrEnum):
    SHARED = "shared"
    SCHEMA = "schema"
    DATABASE = "database"

    @property
    def placement(self) -> Placement:
        return Placement(self.value)


@strawberry.type(description="How much a tenant keeps in its store.")
class TenantSize:
    events: int = strawberry.field(description="Its events in its store's event log")
    bytes: float = strawberry.field(description="The stored size of those events, in bytes")
    last_activity: datetime | None = strawberry.field(
        description="When its newest event was recorded; null: none yet"
    )


@strawberry.type(description="A tenant as the platform sees it: where it lives, its plan, lock.")
class OperatorTenant:
    id: strawberry.ID
    name: str
    region: str
    tier: str = strawberry.field(description="shared, schema or database")
    server: str
    store: str
    writes: str = strawberry.field(description="open, locked or moving")
    locked: bool
    lock_reason: str | None
    moving_to: str | None = strawberry.field(description="tier@server while it moves")
    registered_at: datetime
    plan: str | None = strawberry.field(description="Its platform plan; null: none")
    plan_status: str | None = strawberry.field(description="Stripe's status of that plan")

    @strawberry.field(description="Its events and bytes, and its last activity (read on ask).")
    async def size(self, info: NiagaInfo) -> TenantSize:
        services, who = info.context.services, info.context.principal
        tenant_id = UUID(str(self.id))
        size = await query(lambda: services.operator_console.size(who, tenant_id))
        return TenantSize(
            events=size.events, bytes=float(size.bytes), last_activity=size.last_activity
        )

    @classmethod
    def from_view(cls, v: views.OperatorTenantView) -> OperatorTenant:
        return cls(
            id=strawberry.ID(str(v.id)),
            name=v.name,
            region=v.region,
            tier=v.tier,
            server=v.server,
            store=v.store,
            writes=v.writes,
            locked=bool(v.lock_reason),
            lock_reason=v.lock_reason or None,
            moving_to=v.moving_to,
            registered_at=v.registered_at,
            plan=v.plan,
            plan_status=v.plan_status,
        )


@strawberry.type
class OperatorTenantEdge:
    cursor: str
    node: OperatorTenant


@strawberry.type
class OperatorTenantConnection(Connection[OperatorTenantEdge]):
    @classmethod
    def from_page(cls, page: Page[views.OperatorTenantView]) -> OperatorTenantConnection:
        return cls(**connection_parts(page, OperatorTenant.from_view, OperatorTenantEdge))


@strawberry.type(description="A tenant's month: what it pays the platform, what it costs it.")
class TenantFigures:
    tenant: OperatorTenant
    month: str = strawberry.field(description="YYYY-MM (WIB)")
    revenue: int = strawberry.field(description="Rupiah: its plan's monthly fee for its tier")
    ai_cost: int = strawberry.field(description="Rupiah: its AI calls (ai_costs)")
    messages: int = strawberry.field(description="WhatsApp messages the provider took")
    message_cost: int = strawberry.field(description="Rupiah: messages x NIAGA_MESSAGE_COST_IDR")
    margin: int = strawberry.field(description="Rupiah: revenue - AI cost - message cost")

    @classmethod
    def from_view(cls, v: views.TenantFigures) -> TenantFigures:
        return cls(
            tenant=OperatorTenant.from_view(v.tenant),
            month=f"{v.month:%Y-%m}",
            revenue=v.revenue,
            ai_cost=v.ai_cost,
            messages=v.messages,
            message_cost=v.message_cost,
            margin=v.margin,
        )


@strawberry.type
class TenantFiguresEdge:
    cursor: str
    node: TenantFigures


@strawberry.type
class TenantFiguresConnection(Connection[TenantFiguresEdge]):
    @classmethod
    def from_page(cls, page: Page[views.TenantFigures]) -> TenantFiguresConnection:
        return cls(**connection_parts(page, TenantFigures.from_view, TenantFiguresEdge))


@strawberry.type(description="Rows waiting for one process manager's side effect.")
class Backlog:
    process_manager: str
    rows: int


@strawberry.type(description="One store's read models and side effects.")
class StoreHealth:
    store: str
    server: str
    lag: int = strawberry.field(description="Events its slowest read model has yet to apply")
    parked: int = strawberry.field(description="Events its projections set aside (alert if > 0)")
    backlog: list[Backlog]
    last_error: str | None = strawberry.field(description="The newest parked event's error")
    last_error_at: datetime | None

    @classmethod
    def from_view(cls, v: views.StoreHealth) -> StoreHealth:
        return cls(
            store=v.store,
            server=v.server,
            lag=v.lag,
            parked=v.parked,
            backlog=[Backlog(process_manager=k, rows=n) for k, n in sorted(v.backlog.items())],
            last_error=v.last_error,
            last_error_at=v.last_error_at,
        )


@strawberry.type(description="One PostgreSQL server tenants may be placed on.")
class ServerHealth:
    server: str
    reachable: bool
    connections: int = strawberry.field(description="Client connections open on it now")
    max_connections: int
    error: str | None

    @classmethod
    def from_view(cls, v: views.ServerHealth) -> ServerHealth:
        return cls(
            server=v.server,
            reachable=v.reachable,
            connections=v.connections,
            max_connections=v.max_connections,
            error=v.error,
        )


@strawberry.type(description="The health of every store and server.")
class SystemHealth:
    stores: list[StoreHealth]
    servers: list[ServerHealth]


@strawberry.type(description="A move of a tenant's data, as far as it got.")
class TenantMove:
    id: strawberry.ID
    tenant_id: strawberry.ID
    step: str = strawberry.field(
        description="prepared, precopied, started, frozen, copied, rebuilt, switched, done, "
        "abandoned or removed (docs/platform.md, Moving a tenant)"
    )
    finished: bool
    tier: str
    source: str
    target: str
    events: int = strawberry.field(description="Events copied (known from `copied` on)")
    error: str | None = strawberry.field(description="Why it was rolled back")
    started_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, v: views.MoveState) -> TenantMove:
        return cls(
            id=strawberry.ID(str(v.move_id)),
            tenant_id=strawberry.ID(str(v.tenant_id)),
            step=v.step,
            finished=v.finished,
            tier=v.tier,
            source=v.source,
            target=v.target,
            events=v.events,
            error=v.error or None,
            started_at=v.started_at,
            updated_at=v.updated_at,
        )


@strawberry.type
class OperatorTenantSuccess:
    tenant: OperatorTenant


@strawberry.type
class TenantMoveSuccess:
    move: TenantMove


# No PermissionDeniedError here: a caller without `platform:operate` (any tenant's key) gets a
# PERMISSION_DENIED error and HTTP 403, never a result.
OperatorErrors = ValidationError | NotFoundError | RefusedError | StoredPendingRead
OperatorTenantResult = Annotated[
    OperatorTenantSuccess | OperatorErrors, strawberry.union("OperatorTenantResult")
]
TenantMoveResult = Annotated[
    TenantMoveSuccess | OperatorErrors, strawberry.union("TenantMoveResult")
]

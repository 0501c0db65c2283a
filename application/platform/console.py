"""The operator's console: the tenant manager (where each tenant lives, how big it is, its plan
and lock; register, lock, unlock, move), the health of every store and server, and what each
tenant earns the platform against what it costs.

Every method checks `platform:operate`, which the operator's key alone holds: a tenant's key is
refused here, and the operator's key holds no tenant permission, so it can never read a tenant's
customers. Moves run on a worker the wiring owns; `upgrade` answers once the move is under way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from application.platform.tenants import TenantService
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.paging import MAX_PAGE, filter_text
from application.shared.ports import Page, Placement
from domain.platform.plans import PlatformPlan, Tier
from domain.shared.errors import InvalidValue
from domain.shared.text import check_line

PLATFORM_ZONE = "Asia/Jakarta"  # the platform's months, like its AI cost days, are WIB months
MICRO = 1_000_000  # AI costs are kept in millionths of a rupiah
# Stripe's subscription statuses under which the platform's monthly fee is no longer earned.
_ENDED = frozenset({"canceled", "incomplete_expired"})


@dataclass(frozen=True)
class TenantFilter:
    region: str | None = None
    tier: Placement | None = None
    server: str | None = None
    locked: bool | None = None
    search: str | None = None  # part of the name, any case


@dataclass(frozen=True)
class OperatorTenantView:
    id: UUID
    name: str
    region: str  # a tenant registered before regions is in the default region
    tier: str
    server: str
    store: str
    writes: str  # open, locked, moving
    lock_reason: str
    moving_to: str | None
    registered_at: datetime
    plan: str | None  # the platform subscription's plan, None without one
    plan_tier: str | None  # the tier the subscription is priced for
    plan_status: str | None  # Stripe's status of that subscription


@dataclass(frozen=True)
class TenantSize:
    events: int  # the tenant's rows in its store's event table
    bytes: int  # the stored size of their states (pg_column_size)
    last_activity: datetime | None  # when the newest of its events was recorded


@dataclass(frozen=True)
class StoreHealth:
    store: str
    server: str
    lag: int  # events its slowest read model has yet to apply
    parked: int  # events set aside by its projections (dead letters)
    backlog: dict[str, int]  # rows waiting for a side effect, per process manager
    last_error: str | None  # the newest parked event's error
    last_error_at: datetime | None


@dataclass(frozen=True)
class ServerHealth:
    server: str
    reachable: bool
    connections: int  # client connections open on the server now (all databases)
    max_connections: int
    error: str | None


@dataclass(frozen=True)
class TenantCosts:
    ai_micro_idr: int  # AI calls' cost, millionths of a rupiah
    messages: int  # WhatsApp messages the provider took


@dataclass(frozen=True)
class TenantFigures:
    tenant: OperatorTenantView
    month: date  # its first day
    revenue: int  # rupiah: the plan's monthly fee for its tier
    ai_cost: int  # rupiah
    messages: int
    message_cost: int  # rupiah
    margin: int  # revenue - ai_cost - message_cost


@dataclass(frozen=True)
class MoveState:
    move_id: UUID
    tenant_id: UUID
    step: str  # a `Step` of application/platform/moves.py: prepared ... done, abandoned
    tier: str
    source: str
    target: str
    events: int
    error: str
    started_at: datetime
    updated_at: datetime

    @property
    def finished(self) -> bool:
        return self.step in ("done", "abandoned", "removed")


class ConsoleReadModels(Protocol):
    def tenants(
        self, where: TenantFilter, first: int, after: str | None
    ) -> Page[OperatorTenantView]:
        """Tenants, oldest first, with their platform subscription."""

    def tenant(self, tenant_id: UUID) -> OperatorTenantView | None: ...

    def size(self, tenant_id: UUID) -> TenantSize: ...

    def costs(self, tenant_id: UUID, start: date, end: date) -> TenantCosts: ...

    def latest_move(self, tenant_id: UUID) -> MoveState | None:
        """The tenant's unfinished move, else its last one."""


class SystemHealth(Protocol):
    def stores(self) -> list[StoreHealth]: ...

    def servers(self) -> list[ServerHealth]: ...


class MoveLauncher(Protocol):
    def launch(self, tenant_id: UUID, tier: Placement, server: str | None, actor: Actor) -> None:
        """Start a move on a worker and return once it is under way; a refusal (unknown
        tenant, already moving, a server outside the region, ...) is raised here."""


class OperatorConsole:
    def __init__(
        self,
        tenants: TenantService,
        read_models: ConsoleReadModels,
        health: SystemHealth,
        moves: MoveLauncher,
        plans: Sequence[PlatformPlan],
        message_cost: int,
        clock: Clock,
    ) -> None:
        self._tenants = tenants
        self._read_models = read_models
        self._health = health
        self._moves = moves
        self._plans = {plan.code: plan for plan in plans}
        self._message_cost = message_cost
        self._clock = clock

    # -- the tenant manager ------------------------------------------------------------------

    def tenants(
        self, principal: Principal, where: TenantFilter, first: int, after: str | None
    ) -> Page[OperatorTenantView]:
        authorize(principal, Permission.OPERATE_PLATFORM)
        for field, text in (("region", where.region), ("server", where.server)):
            filter_text(text, field)
        filter_text(where.search, "search")
        return self._read_models.tenants(where, _first(first), after)

    def tenant(self, principal: Principal, tenant_id: UUID) -> OperatorTenantView:
        authorize(principal, Permission.OPERATE_PLATFORM)
        return self._found(tenant_id)

    def size(self, principal: Principal, tenant_id: UUID) -> TenantSize:
        authorize(principal, Permission.OPERATE_PLATFORM)
        return self._read_models.size(tenant_id)

    def register(
        self,
        principal: Principal,
        name: str,
        tier: Placement,
        region: str | None = None,
        server: str | None = None,
    ) -> OperatorTenantView:
        authorize(principal, Permission.OPERATE_PLATFORM)
        tenant_id = self._tenants.create(
            name, tier, principal.actor, region=_optional(region, "region"), server=server
        )
        return self._found(tenant_id)

    def lock(self, principal: Principal, tenant_id: UUID, reason: str) -> OperatorTenantView:
        authorize(principal, Permission.OPERATE_PLATFORM)
        reason = check_line(reason, "reason", max_length=500)
        if not reason:
            raise InvalidValue("say why the tenant is locked", field="reason")
        self._tenants.lock(tenant_id, reason, principal.actor)
        return self._found(tenant_id)

    def unlock(self, principal: Principal, tenant_id: UUID) -> OperatorTenantView:
        authorize(principal, Permission.OPERATE_PLATFORM)
        self._tenants.unlock(tenant_id, principal.actor)
        return self._found(tenant_id)

    def upgrade(
        self, principal: Principal, tenant_id: UUID, tier: Placement, server: str | None = None
    ) -> MoveState:
        """Start moving the tenant to `tier` (on `server`, else its region's first); the move
        goes on in the background, `move` shows how far it got."""
        authorize(principal, Permission.OPERATE_PLATFORM)
        self._found(tenant_id)
        self._moves.launch(tenant_id, tier, _optional(server, "server"), principal.actor)
        moved = self._read_models.latest_move(tenant_id)
        if moved is None:  # the launcher returns once the move is recorded
            raise ApplicationError("the move was not recorded", field="tenant")
        return moved

    def move(self, principal: Principal, tenant_id: UUID) -> MoveState | None:
        authorize(principal, Permission.OPERATE_PLATFORM)
        return self._read_models.latest_move(tenant_id)

    # -- health and intelligence -------------------------------------------------------------

    def stores(self, principal: Principal) -> list[StoreHealth]:
        authorize(principal, Permission.OPERATE_PLATFORM)
        return self._health.stores()

    def servers(self, principal: Principal) -> list[ServerHealth]:
        authorize(principal, Permission.OPERATE_PLATFORM)
        return self._health.servers()

    def figures(
        self,
        principal: Principal,
        month: str | None,
        where: TenantFilter,
        first: int,
        after: str | None,
    ) -> tuple[date, Page[TenantFigures]]:
        """Each tenant's month (this month unless named, as YYYY-MM): what it pays the platform
        and what it costs."""
        page = self.tenants(principal, where, first, after)
        start, end = self._month(month)
        items = [self._figures(tenant, start, end) for tenant in page.items]
        return start, Page(items, page.cursors, page.has_next_page, page.count)

    def _figures(self, tenant: OperatorTenantView, start: date, end: date) -> TenantFigures:
        costs = self._read_models.costs(tenant.id, start, end)
        revenue = self._monthly_fee(tenant)
        ai_cost = (costs.ai_micro_idr + MICRO // 2) // MICRO
        message_cost = costs.messages * self._message_cost
        margin = revenue - ai_cost - message_cost
        return TenantFigures(tenant, start, revenue, ai_cost, costs.messages, message_cost, margin)

    def _monthly_fee(self, tenant: OperatorTenantView) -> int:
        plan = self._plans.get(tenant.plan or "")
        if plan is None or tenant.plan_status in _ENDED or tenant.plan_tier is None:
            return 0
        return plan.monthly_for(Tier(tenant.plan_tier))

    def _month(self, month: str | None) -> tuple[date, date]:
        """The first day of the month and of the one after it."""
        try:
            if month is None:
                first = self._clock.today(PLATFORM_ZONE).replace(day=1)
            else:
                first = datetime.strptime(month, "%Y-%m").date()
            return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)
        except ValueError:
            shown = (month or "")[:20]
            raise InvalidValue(f"month must be YYYY-MM, got {shown!r}", field="month") from None

    def _found(self, tenant_id: UUID) -> OperatorTenantView:
        view = self._read_models.tenant(tenant_id)
        if view is None:
            raise NotFound(f"no tenant {tenant_id}", field="tenantId")
        return view


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")
    return first


def _optional(value: str | None, field: str) -> str | None:
    return None if value is None else check_line(value, field, max_length=80)

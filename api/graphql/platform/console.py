"""The operator's console: the tenant manager, system health, each tenant's figures, and the
operator's commands on tenants. Every field needs `platform:operate`, which only an operator's
key (`nop_...`) holds; resolvers parse and call `OperatorConsole`, nothing else."""

from __future__ import annotations

import strawberry

from api.graphql.platform import types as t
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.platform.console import MoveState, TenantFilter

_PAGE = "first: at most 100; after: the cursor of the last tenant seen"


def _filter(
    region: str | None,
    tier: t.TenantTier | None,
    server: str | None,
    locked: bool | None,
    search: str | None,
) -> TenantFilter:
    return TenantFilter(region, tier.placement if tier else None, server, locked, search)


@strawberry.type
class OperatorQuery:
    @strawberry.field(
        description="Every tenant on the platform, oldest first: filter by region, tier, "
        "server or lock; search by name. " + _PAGE
    )
    async def platform_tenants(
        self,
        info: NiagaInfo,
        region: str | None = None,
        tier: t.TenantTier | None = None,
        server: str | None = None,
        locked: bool | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> t.OperatorTenantConnection:
        console, who = info.context.services.operator_console, info.context.principal
        where = _filter(region, tier, server, locked, search)
        page = await query(lambda: console.tenants(who, where, first, after))
        return t.OperatorTenantConnection.from_page(page)

    @strawberry.field(description="One tenant on the platform by id.")
    async def platform_tenant(self, info: NiagaInfo, id: strawberry.ID) -> t.OperatorTenant:
        console, who = info.context.services.operator_console, info.context.principal
        view = await query(lambda: console.tenant(who, parse_id(id, "id")))
        return t.OperatorTenant.from_view(view)

    @strawberry.field(
        description="Each store's read-model lag, parked events, side-effect "
        "backlog and last error; each server's connections."
    )
    async def system_health(self, info: NiagaInfo) -> t.SystemHealth:
        console, who = info.context.services.operator_console, info.context.principal
        stores = await query(lambda: console.stores(who))
        servers = await query(lambda: console.servers(who))
        return t.SystemHealth(
            stores=[t.StoreHealth.from_view(s) for s in stores],
            servers=[t.ServerHealth.from_view(s) for s in servers],
        )

    @strawberry.field(
        description="Each tenant's month (YYYY-MM, WIB; this month when omitted): revenue to "
        "the platform, AI cost, message cost and margin, in rupiah. Filters as platformTenants."
    )
    async def tenant_figures(
        self,
        info: NiagaInfo,
        month: str | None = None,
        region: str | None = None,
        tier: t.TenantTier | None = None,
        server: str | None = None,
        locked: bool | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> t.TenantFiguresConnection:
        console, who = info.context.services.operator_console, info.context.principal
        where = _filter(region, tier, server, locked, search)
        _, page = await query(lambda: console.figures(who, month, where, first, after))
        return t.TenantFiguresConnection.from_page(page)

    @strawberry.field(
        description="The tenant's move under way, else its last one (NOT_FOUND: it never moved)."
    )
    async def tenant_move(self, info: NiagaInfo, tenant_id: strawberry.ID) -> t.TenantMove:
        console, who = info.context.services.operator_console, info.context.principal

        def read() -> MoveState:
            move = console.move(who, parse_id(tenant_id, "tenantId"))
            return found(move, "a move of this tenant", "tenantId")

        return t.TenantMove.from_view(await query(read))


@strawberry.type
class OperatorMutation:
    @strawberry.mutation(
        description="Register a business on the platform in a tier, region and server "
        "(defaults: the default region, its first server)."
    )
    async def register_tenant(
        self,
        info: NiagaInfo,
        name: str,
        tier: t.TenantTier = t.TenantTier.SHARED,
        region: str | None = None,
        server: str | None = None,
    ) -> t.OperatorTenantResult:
        console, who = info.context.services.operator_console, info.context.principal

        def register() -> t.OperatorTenantSuccess:
            view = console.register(who, name, tier.placement, region, server)
            return t.OperatorTenantSuccess(tenant=t.OperatorTenant.from_view(view))

        return await run_command(register)

    @strawberry.mutation(
        description="Soft-lock a tenant: it reads everything, its mutations answer "
        "TENANT_LOCKED; nothing is deleted."
    )
    async def lock_tenant(
        self, info: NiagaInfo, tenant_id: strawberry.ID, reason: str
    ) -> t.OperatorTenantResult:
        console, who = info.context.services.operator_console, info.context.principal

        def lock() -> t.OperatorTenantSuccess:
            view = console.lock(who, parse_id(tenant_id, "tenantId"), reason)
            return t.OperatorTenantSuccess(tenant=t.OperatorTenant.from_view(view))

        return await run_command(lock)

    @strawberry.mutation(description="Lift a tenant's soft lock at once.")
    async def unlock_tenant(
        self, info: NiagaInfo, tenant_id: strawberry.ID
    ) -> t.OperatorTenantResult:
        console, who = info.context.services.operator_console, info.context.principal

        def unlock() -> t.OperatorTenantSuccess:
            view = console.unlock(who, parse_id(tenant_id, "tenantId"))
            return t.OperatorTenantSuccess(tenant=t.OperatorTenant.from_view(view))

        return await run_command(unlock)

    @strawberry.mutation(
        description="Start moving a tenant's data to another tier (and server of its region; "
        "default: the region's first). Answers at once with the move; `tenantMove` follows it."
    )
    async def upgrade_tenant(
        self,
        info: NiagaInfo,
        tenant_id: strawberry.ID,
        tier: t.TenantTier,
        server: str | None = None,
    ) -> t.TenantMoveResult:
        console, who = info.context.services.operator_console, info.context.principal

        def upgrade() -> t.TenantMoveSuccess:
            move = console.upgrade(who, parse_id(tenant_id, "tenantId"), tier.placement, server)
            return t.TenantMoveSuccess(move=t.TenantMove.from_view(move))

        return await run_command(upgrade)

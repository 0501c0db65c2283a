"""The operator's console on PostgreSQL: the tenant manager's reads (`tenant_list` with
`platform_subscriptions`, each tenant's size in its own store, `tenant_moves`), the health of
every store and server, and the moves it starts on a worker of its own."""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import Connection, sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, table
from adapters.shared.projection_service import StoreStatus
from adapters.shared.settings import Settings
from adapters.shared.stores import MAIN_SERVER, PostgresEventStore, PostgresStores, StoreRef
from application.platform.console import (
    PLATFORM_ZONE,
    MoveState,
    OperatorConsole,
    OperatorTenantView,
    ServerHealth,
    StoreHealth,
    TenantCosts,
    TenantFilter,
    TenantSize,
)
from application.platform.moves import Step, StepWatcher, TenantMoves
from application.platform.tenants import TenantService
from application.shared.clock import Clock
from application.shared.context import Actor
from application.shared.event_store import EventStore
from application.shared.ports import Page, Placement
from domain.platform.plans import DEFAULT_PLANS, plans_from

log = logging.getLogger(__name__)

_TENANTS = sql.SQL(
    "SELECT t.id, t.name, coalesce(nullif(t.region, ''), {}), t.tier, t.server, t.store, "
    "t.writes, t.lock_reason, t.moving_to, t.registered_at, s.plan, s.tier, s.status "
    "FROM {} t LEFT JOIN {} s ON s.tenant_id = t.id"
)
_ORDER = sql.SQL("t.registered_at, t.id")
# The tenant an event of the shared store was recorded for, as the mover reads it.
_TENANT_OF = "convert_from(state, 'UTF8')::jsonb -> '__meta__' ->> 'tenant_id'"
# Messages the provider took: what the platform pays the provider for.
_SENT = ("sent", "delivered", "read")
_MOVE = (
    "SELECT move_id, tenant_id, step, tier, source_schema, source_server, source_database, "
    "target_schema, target_server, target_database, events, error, started_at, updated_at "
    "FROM {} WHERE tenant_id = %s "
    "ORDER BY step IN ('done', 'abandoned', 'removed'), started_at DESC LIMIT 1"
)
AiCost = Callable[[EventStore, UUID, date, date], int]  # millionths of a rupiah
Backlog = Callable[[PostgresEventStore], dict[str, int]]
SERVER_TIMEOUT_SECONDS = 3


class PostgresConsoleReadModels:
    """Implements ConsoleReadModels."""

    def __init__(self, stores: PostgresStores, ai_cost: AiCost) -> None:
        self._stores = stores
        self._ai_cost = ai_cost

    def tenants(
        self, where: TenantFilter, first: int, after: str | None
    ) -> Page[OperatorTenantView]:
        filters, params = self._filters(where)
        condition = sql.SQL(" AND ").join(filters)
        paged, paged_params = after_cursor(condition, params, after, _ORDER)
        query = sql.SQL("{} WHERE {} ORDER BY {} LIMIT %s").format(self._source(), paged, _ORDER)
        rows = self._all(query, [*paged_params, first + 1])
        tenants = sql.SQL("{} t").format(table(self._stores.platform(), "tenant_list"))
        count = rows_matching(self._connect, tenants, condition, params)
        return page_of(rows, first, count, _tenant_view, lambda v: (v.registered_at, v.id))

    def tenant(self, tenant_id: UUID) -> OperatorTenantView | None:
        query = sql.SQL("{} WHERE t.id = %s").format(self._source())
        rows = self._all(query, [tenant_id])
        return _tenant_view(rows[0]) if rows else None

    def size(self, tenant_id: UUID) -> TenantSize:
        ref = self._stores.ref_for(tenant_id)
        events = sql.Identifier(ref.schema, "niaga_events")
        shared = ref == self._stores.platform_ref
        of_tenant = sql.SQL(f" WHERE {_TENANT_OF} = %s" if shared else "")
        with self._stores.database_of(ref).connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(sum(pg_column_size(state)), 0) FROM {}{}"
                ).format(events, of_tenant),
                [str(tenant_id)] if shared else [],
            ).fetchone()
            newest = conn.execute(
                sql.SQL(
                    "SELECT occurred_at FROM {} WHERE tenant_id = %s ORDER BY position DESC LIMIT 1"
                ).format(sql.Identifier(ref.schema, "audit_log")),
                (tenant_id,),
            ).fetchone()
        counted, size = row if row else (0, 0)
        return TenantSize(int(counted), int(size), newest[0] if newest else None)

    def costs(self, tenant_id: UUID, start: date, end: date) -> TenantCosts:
        store = self._stores.for_tenant(tenant_id)
        query = sql.SQL(
            "SELECT count(*) FROM {} WHERE tenant_id = %s AND status = ANY(%s) "
            "AND requested_at >= (%s::timestamp AT TIME ZONE %s) "
            "AND requested_at < (%s::timestamp AT TIME ZONE %s)"
        ).format(table(store, "message_log"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(
                query, (tenant_id, list(_SENT), start, PLATFORM_ZONE, end, PLATFORM_ZONE)
            ).fetchone()
        messages = int(row[0]) if row else 0
        return TenantCosts(self._ai_cost(store, tenant_id, start, end), messages)

    def latest_move(self, tenant_id: UUID) -> MoveState | None:
        moves = sql.Identifier(self._stores.platform_ref.schema, "tenant_moves")
        rows = self._all(sql.SQL(_MOVE).format(moves), [tenant_id])
        return _move_state(rows[0]) if rows else None

    def _filters(self, where: TenantFilter) -> tuple[list[sql.Composable], list[Any]]:
        filters: list[sql.Composable] = [sql.SQL("TRUE")]
        params: list[Any] = []
        if where.region is not None:
            # A tenant registered before regions has none recorded: it is in the default one.
            filters.append(sql.SQL("coalesce(nullif(t.region, ''), %s) = %s"))
            params += [self._stores.topology.default_region, where.region]
        if where.tier is not None:
            filters.append(sql.SQL("t.tier = %s"))
            params.append(where.tier.value)
        if where.server is not None:
            filters.append(sql.SQL("t.server = %s"))
            params.append(where.server)
        if where.locked is not None:
            filters.append(sql.SQL("(t.lock_reason <> '') = %s"))
            params.append(where.locked)
        if where.search:
            filters.append(sql.SQL("lower(t.name) LIKE %s"))
            params.append(like_pattern(where.search))
        return filters, params

    def _source(self) -> sql.Composed:
        platform = self._stores.platform()
        return _TENANTS.format(
            sql.Literal(self._stores.topology.default_region),
            table(platform, "tenant_list"),
            table(platform, "platform_subscriptions"),
        )

    @contextmanager
    def _connect(self) -> Iterator[Connection[Any]]:
        with self._stores.database.connection() as conn:
            yield conn

    def _all(self, query: sql.Composed, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self._connect() as conn:
            return [tuple(r) for r in conn.execute(query, params).fetchall()]


class PostgresSystemHealth:
    """Implements SystemHealth from what `/readyz` and `/metrics` already compute: projection
    status per store and the process managers' backlog, plus each store's newest parked error
    and each server's connections."""

    def __init__(
        self,
        stores: PostgresStores,
        statuses: Callable[[], list[StoreStatus]],
        backlog: Backlog,
    ) -> None:
        self._stores = stores
        self._statuses = statuses
        self._backlog = backlog

    def stores(self) -> list[StoreHealth]:
        by_store: dict[str, list[StoreStatus]] = defaultdict(list)
        for entry in self._statuses():
            by_store[entry.store].append(entry)
        return [
            self._store(store, by_store[store.ref.name]) for store in self._stores.open_stores()
        ]

    def servers(self) -> list[ServerHealth]:
        names = [MAIN_SERVER, *sorted(set(self._stores.topology.servers) - {MAIN_SERVER})]
        return [self._server(name) for name in names]

    def _store(self, store: PostgresEventStore, statuses: list[StoreStatus]) -> StoreHealth:
        error, at = self._last_error(store)
        return StoreHealth(
            store.ref.name,
            store.ref.server_name,
            max((s.status.lag for s in statuses), default=0),
            sum(s.status.parked for s in statuses),
            self._backlog(store),
            error,
            at,
        )

    def _last_error(self, store: PostgresEventStore) -> tuple[str | None, datetime | None]:
        query = sql.SQL("SELECT error, parked_at FROM {} ORDER BY parked_at DESC LIMIT 1").format(
            table(store, "parked_events")
        )
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def _server(self, name: str) -> ServerHealth:
        try:
            url = self._stores.server_url(name)
            with psycopg.connect(
                url, autocommit=True, connect_timeout=SERVER_TIMEOUT_SECONDS
            ) as conn:
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
                    "current_setting('max_connections')::int FROM pg_stat_activity"
                ).fetchone()
        except psycopg.Error as error:
            return ServerHealth(name, False, 0, 0, str(error).strip()[:500] or type(error).__name__)
        connections, most = row if row else (0, 0)
        return ServerHealth(name, True, int(connections), int(most), None)


class BackgroundMoves:
    """Implements MoveLauncher: each move runs on a worker thread this process owns (never in
    a request); `launch` returns once the move is recorded, or raises its refusal."""

    def __init__(
        self,
        moves: TenantMoves,
        unfinished: Callable[[UUID], UUID | None],
        wait_seconds: float = 30.0,
    ) -> None:
        self._moves = moves
        self._unfinished = unfinished
        self._wait = wait_seconds
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tenant-move")

    def launch(self, tenant_id: UUID, tier: Placement, server: str | None, actor: Actor) -> None:
        before = self._unfinished(tenant_id)
        stepped = threading.Event()

        def watch(step: Step) -> None:
            stepped.set()

        running = self._pool.submit(self._move, tenant_id, tier, server, actor, watch)
        deadline = time.monotonic() + self._wait
        while time.monotonic() < deadline:
            if running.done():
                running.result()  # a refusal is raised to the caller
                return
            now = self._unfinished(tenant_id)
            if stepped.is_set() or (now is not None and now != before):
                return
            time.sleep(0.05)

    def close(self) -> None:
        """Let moves under way finish."""
        self._pool.shutdown(wait=True)

    def _move(
        self,
        tenant_id: UUID,
        tier: Placement,
        server: str | None,
        actor: Actor,
        watch: StepWatcher,
    ) -> None:
        try:
            report = self._moves.move(tenant_id, tier, server, actor, watch=watch)
        except Exception as error:  # raised to `launch` if it still waits; logged in any case
            log.warning("the move of tenant %s did not start: %s", tenant_id, error)
            raise
        if report.outcome is not Step.DONE:
            log.warning("move %s of tenant %s: %s", report.move_id, tenant_id, report.reason)


def _tenant_view(row: Sequence[Any]) -> OperatorTenantView:
    return OperatorTenantView(*row)


def _move_state(row: Sequence[Any]) -> MoveState:
    (move_id, tenant_id, step, tier, *refs, events, error, started_at, updated_at) = row
    source, target = StoreRef(*refs[:3]), StoreRef(*refs[3:])
    return MoveState(
        move_id,
        tenant_id,
        step,
        tier,
        source.name,
        target.name,
        int(events),
        error,
        started_at,
        updated_at,
    )


@dataclass(frozen=True)
class ConsoleWiring:
    console: OperatorConsole
    moves: BackgroundMoves

    def close(self) -> None:
        self.moves.close()


def console_services(
    stores: PostgresStores,
    tenants: TenantService,
    tenant_moves: TenantMoves,
    health: PostgresSystemHealth,
    ai_cost: AiCost,
    settings: Settings,
    clock: Clock,
) -> ConsoleWiring:
    """The operator's console: its reads, the health report and a worker for its moves."""
    read_models = PostgresConsoleReadModels(stores, ai_cost)

    def unfinished(tenant_id: UUID) -> UUID | None:
        move = read_models.latest_move(tenant_id)
        return None if move is None or move.finished else move.move_id

    moves = BackgroundMoves(tenant_moves, unfinished)
    console = OperatorConsole(
        tenants,
        read_models,
        health,
        moves,
        plans_from(settings.niaga_platform_plans or DEFAULT_PLANS),
        settings.niaga_message_cost_idr,
        clock,
    )
    return ConsoleWiring(console, moves)

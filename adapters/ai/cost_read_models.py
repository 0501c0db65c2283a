"""Queries over ai_costs and ai_budgets."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.ai.cost_ports import AiCostRow
from application.shared.event_store import EventStore

_ROWS = sql.SQL(
    "SELECT day, feature, nullif(model, ''), calls, input_tokens, output_tokens, cost_micro_idr, "
    "latency_ms, failures FROM {} WHERE tenant_id = %s AND day >= %s AND day < %s "
    "ORDER BY day, feature, model"
)
_COST = sql.SQL(
    "SELECT coalesce(sum(cost_micro_idr), 0) FROM {} "
    "WHERE tenant_id = %s AND day >= %s AND day < %s"
)


class PostgresAiCostReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def rows(self, store: EventStore, tenant_id: UUID, start: date, end: date) -> list[AiCostRow]:
        query = _ROWS.format(table(store, "ai_costs"))
        with self._stores.database_for(store).connection() as conn:
            found = conn.execute(query, (tenant_id, start, end)).fetchall()
        return [
            AiCostRow(day, feature, model, calls, tokens_in, tokens_out, cost, latency, failures)
            for day, feature, model, calls, tokens_in, tokens_out, cost, latency, failures in found
        ]

    def cost(self, store: EventStore, tenant_id: UUID, start: date, end: date) -> int:
        query = _COST.format(table(store, "ai_costs"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, (tenant_id, start, end)).fetchone()
        return int(row[0]) if row else 0

    def budget(self, platform: EventStore, tenant_id: UUID) -> int | None:
        query = sql.SQL("SELECT monthly_idr FROM {} WHERE tenant_id = %s").format(
            table(platform, "ai_budgets")
        )
        with self._stores.database_for(platform).connection() as conn:
            row = conn.execute(query, (tenant_id,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def budgets(self, platform: EventStore) -> dict[UUID, int | None]:
        query = sql.SQL("SELECT tenant_id, monthly_idr FROM {}").format(
            table(platform, "ai_budgets")
        )
        with self._stores.database_for(platform).connection() as conn:
            return dict(conn.execute(query).fetchall())


class UnknownPlatformRevenue:
    """The platform does not record yet what a tenant pays it: revenue is unknown (None)."""

    def month(self, tenant_id: UUID, month: date) -> int | None:
        return None

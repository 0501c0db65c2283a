"""Queries over ai_key_list."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.ai.ports import AiKeyView
from application.shared.event_store import EventStore

# The state as of `now`: a key resting only until a time already past is active again.
_KEYS = sql.SQL(
    "SELECT id, tenant_id, scope, label, CASE WHEN disabled_reason IS NOT NULL THEN 'disabled' "
    "WHEN cooling_until > %s THEN 'cooling' ELSE 'active' END, cooling_until, disabled_reason, "
    "last_error, added_at, updated_at FROM {} WHERE {} ORDER BY added_at, id"
)


class PostgresAiKeyReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def keys(self, store: EventStore, tenant_id: UUID | None, now: datetime) -> list[AiKeyView]:
        scope = sql.SQL("tenant_id IS NULL" if tenant_id is None else "tenant_id = %s")
        params: list[object] = [now] if tenant_id is None else [now, tenant_id]
        query = _KEYS.format(table(store, "ai_key_list"), scope)
        with self._stores.database_for(store).connection() as conn:
            return [AiKeyView(*row) for row in conn.execute(query, params).fetchall()]

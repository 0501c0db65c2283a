"""Queries over read models: SQL lives here, resolvers and services see DTOs."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.api_key_cache import CUSTOM_ROLE_COLUMNS, key_record
from adapters.shared.counting import Connect, rows_matching, scalar_later
from adapters.shared.paging import cursor_parts
from adapters.shared.stores import PostgresStores
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import ApiKeyRecord, AuditEntry, CustomerView, Page, TenantView
from domain.shared.tenant_writes import TenantWrites

# A notification position: a bigint, in ASCII digits.
_POSITION = re.compile(r"[0-9]{1,18}")
_CUSTOMER_COLUMNS = (
    "id, tenant_id, name, phone, email, nik, address, forgotten, registered_at, updated_at"
)


class PostgresReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def customers(
        self, store: EventStore, tenant_id: UUID, search: str | None, first: int, after: str | None
    ) -> Page[CustomerView]:
        table = _table(store, "customer_list")
        where = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        if search:
            where.append(sql.SQL("search LIKE %s"))
            params.append(f"%{_like_escape(search.lower())}%")
        filters = sql.SQL(" AND ").join(where)
        page_where = filters
        page_params = list(params)
        if after:
            registered_at, last_id = _customer_cursor(after)
            page_where = sql.SQL("{} AND (registered_at, id) > (%s::timestamptz, %s::uuid)").format(
                filters
            )
            page_params += [registered_at, last_id]
        with self._connection(store) as conn:
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY registered_at, id LIMIT %s").format(
                    sql.SQL(_CUSTOMER_COLUMNS), table, page_where
                ),
                [*page_params, first + 1],
            ).fetchall()
        items = [_customer(r) for r in rows[:first]]
        cursors = [_encode_cursor(v.registered_at.isoformat(), str(v.id)) for v in items]
        if search:
            count = rows_matching(self._connect(store), table, filters, params)
        else:  # the customer_list projection keeps the tenant's count
            count = scalar_later(
                self._connect(store),
                sql.SQL("SELECT counted FROM {} WHERE tenant_id = %s").format(
                    _table(store, "customer_counts")
                ),
                [tenant_id],
            )
        return Page(items, cursors, len(rows) > first, count)

    def customer(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID
    ) -> CustomerView | None:
        with self._connection(store) as conn:
            row = conn.execute(
                sql.SQL("SELECT {} FROM {} WHERE id = %s AND tenant_id = %s").format(
                    sql.SQL(_CUSTOMER_COLUMNS), _table(store, "customer_list")
                ),
                (customer_id, tenant_id),
            ).fetchone()
        return _customer(row) if row else None

    def audit_log(
        self,
        store: EventStore,
        tenant_id: UUID,
        aggregate_id: UUID | None,
        first: int,
        after: str | None,
    ) -> Page[AuditEntry]:
        table = _table(store, "audit_log")
        where = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        if aggregate_id:
            where.append(sql.SQL("aggregate_id = %s"))
            params.append(aggregate_id)
        filters = sql.SQL(" AND ").join(where)
        page_params = list(params)
        page_where = filters
        if after:
            page_where = sql.SQL("{} AND position > %s").format(filters)
            page_params.append(_audit_cursor(after))
        with self._connection(store) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT position, tenant_id, actor, command, action, aggregate_type, "
                    "aggregate_id, version, changes, occurred_at, correlation_id, causation_id "
                    "FROM {} WHERE {} ORDER BY position LIMIT %s"
                ).format(table, page_where),
                [*page_params, first + 1],
            ).fetchall()
        items = [AuditEntry(*r) for r in rows[:first]]
        cursors = [_encode_cursor(str(v.position)) for v in items]
        count = rows_matching(self._connect(store), table, filters, params)
        return Page(items, cursors, len(rows) > first, count)

    def tenants(self) -> list[TenantView]:
        with self._stores.database.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT id, name, store, pkp, invoice_prefix, timezone, registered_at, "
                    "region, tier, server, writes, lock_reason "
                    "FROM {} ORDER BY registered_at, id"
                ).format(_table(self._stores.platform(), "tenant_list"))
            ).fetchall()
        return [TenantView(*r) for r in rows]

    def locked_tenants(self) -> frozenset[UUID]:
        """Tenants soft-locked now, whose webhooks wait until they are unlocked."""
        with self._stores.database.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT id FROM {} WHERE writes = %s").format(
                    _table(self._stores.platform(), "tenant_list")
                ),
                (TenantWrites.LOCKED.value,),
            ).fetchall()
        return frozenset(r[0] for r in rows)

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        """The key, with its tenant's write state and its custom role's name and permissions."""
        with self._stores.database.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT k.key_id, k.tenant_id, k.role, k.label, k.secret_hash, k.revoked, "
                    f"k.created_at, coalesce(t.writes, 'open'), {CUSTOM_ROLE_COLUMNS} FROM {{}} k "
                    "LEFT JOIN {} t ON t.id = k.tenant_id "
                    "LEFT JOIN {} r ON r.id = k.custom_role_id WHERE k.key_id = %s"
                ).format(
                    _table(self._stores.platform(), "api_keys"),
                    _table(self._stores.platform(), "tenant_list"),
                    _table(self._stores.platform(), "custom_roles"),
                ),
                (key_id,),
            ).fetchone()
        return key_record(row) if row else None

    def api_keys(self, tenant_id: UUID) -> list[ApiKeyRecord]:
        with self._stores.database.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT key_id, tenant_id, role, label, secret_hash, revoked, created_at "
                    "FROM {} WHERE tenant_id = %s ORDER BY created_at"
                ).format(_table(self._stores.platform(), "api_keys")),
                (tenant_id,),
            ).fetchall()
        return [ApiKeyRecord(*r) for r in rows]

    def _connection(self, store: EventStore) -> Any:
        return self._stores.database_for(store).connection()

    def _connect(self, store: EventStore) -> Connect:
        return self._stores.database_for(store).connection


def _table(store: EventStore, name: str) -> sql.Composed:
    schema: str = store.ref.schema  # type: ignore[attr-defined]
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(name))


def _customer(row: Any) -> CustomerView:
    return CustomerView(*row)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


def _customer_cursor(cursor: str) -> tuple[datetime, UUID]:
    parts = cursor_parts(cursor)
    try:
        if len(parts) != 2:
            raise ValueError
        return datetime.fromisoformat(parts[0]), UUID(parts[1])
    except ValueError as error:
        raise ApplicationError("malformed cursor", field="after") from error


def _audit_cursor(cursor: str) -> int:
    parts = cursor_parts(cursor)
    if len(parts) != 1 or not _POSITION.fullmatch(parts[0]):
        raise ApplicationError("malformed cursor", field="after")
    return int(parts[0])

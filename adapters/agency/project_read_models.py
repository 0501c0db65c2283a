"""Queries over the project list's read model (`projects`), with each client's name as
`customer_list` has it now."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import like_pattern, table
from adapters.shared.stores import PostgresStores
from application.agency.project_ports import (
    MilestoneStatus,
    MilestoneView,
    ProgressView,
    ProjectFilter,
    ProjectView,
)
from application.shared.event_store import EventStore
from application.shared.ports import Page
from domain.agency.project import ProjectStatus

_COLUMNS = sql.SQL(
    "p.id, p.customer_id, coalesce(c.name, ''), p.quotation_id, p.name, p.description, "
    "p.staging_url, p.status, p.milestones, p.member_ids, p.total_amount, p.reached_amount, "
    "p.paid_amount, p.created_at, p.updated_at"
)
_ORDER = sql.SQL("p.created_at, p.id")


class PostgresProjectReadModels:
    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def projects(
        self,
        store: EventStore,
        tenant_id: UUID,
        which: ProjectFilter,
        first: int,
        after: str | None,
    ) -> Page[ProjectView]:
        where, params = _where(tenant_id, which)
        page_where, page_params = after_cursor(where, params, after, _ORDER, newest_first=True)
        query = sql.SQL(
            "SELECT {} FROM {} WHERE {} ORDER BY p.created_at DESC, p.id DESC LIMIT %s"
        ).format(_COLUMNS, _source(store), page_where)
        database = self._stores.database_for(store)
        with database.connection() as conn:
            rows = conn.execute(query, [*page_params, first + 1]).fetchall()
        count = rows_matching(database.connection, _source(store), where, params)
        return page_of(rows, first, count, _view, lambda v: (v.created_at, v.id))

    def project(self, store: EventStore, tenant_id: UUID, project_id: UUID) -> ProjectView | None:
        query = sql.SQL("SELECT {} FROM {} WHERE p.tenant_id = %s AND p.id = %s").format(
            _COLUMNS, _source(store)
        )
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, project_id]).fetchone()
        return _view(row) if row else None


def _source(store: EventStore) -> sql.Composable:
    return sql.SQL(
        "{} p LEFT JOIN {} c ON c.id = p.customer_id AND c.tenant_id = p.tenant_id"
    ).format(table(store, "projects"), table(store, "customer_list"))


def _where(tenant_id: UUID, which: ProjectFilter) -> tuple[sql.Composable, list[Any]]:
    conditions: list[sql.Composable] = [sql.SQL("p.tenant_id = %s")]
    params: list[Any] = [tenant_id]
    if which.status is not None:
        conditions.append(sql.SQL("p.status = %s"))
        params.append(which.status.value)
    if which.customer_id is not None:
        conditions.append(sql.SQL("p.customer_id = %s"))
        params.append(which.customer_id)
    if which.search:
        conditions.append(sql.SQL("lower(p.name) LIKE %s"))
        params.append(like_pattern(which.search))
    return sql.SQL(" AND ").join(conditions), params


def _view(row: Any) -> ProjectView:
    (project_id, customer_id, customer_name, quotation_id, name, description, url, status) = row[:8]
    milestones, members, total, reached, paid, created_at, updated_at = row[8:]
    return ProjectView(
        project_id,
        customer_id,
        customer_name,
        quotation_id,
        name,
        description,
        url,
        ProjectStatus(status),
        [_milestone(m) for m in milestones],
        [UUID(m) for m in members],
        ProgressView(total, reached, paid),
        created_at,
        updated_at,
    )


def _milestone(m: dict[str, Any]) -> MilestoneView:
    return MilestoneView(
        UUID(m["id"]),
        m["title"],
        m["amount"],
        _day(m["due_on"]),
        MilestoneStatus(m["status"]),
        _day(m["reached_on"]),
        UUID(m["invoice_id"]) if m["invoice_id"] else None,
        m["invoice_number"],
        _day(m["paid_on"]),
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None

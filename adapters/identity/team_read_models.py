"""Queries over a business's team in the platform store: its members (`person_memberships`
with the `people` they are) and its invitations (`team_invitations`), in keyset pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg import sql

from adapters.shared.counting import rows_matching
from adapters.shared.keyset import after_cursor, page_of
from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.identity.ports import InvitationView, MemberView
from application.shared.ports import Page
from domain.identity.invitation import InvitationStatus
from domain.shared.roles import Role

_PENDING = InvitationStatus.PENDING.value


class PostgresTeamReadModels:
    """Implements TeamReadModels."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def member_ids(self, tenant_id: UUID) -> list[UUID]:
        query = sql.SQL("SELECT person_id FROM {} WHERE tenant_id = %s ORDER BY person_id")
        with self._stores.database.connection() as conn:
            rows = conn.execute(query.format(self._table("person_memberships")), (tenant_id,))
            return [row[0] for row in rows.fetchall()]

    def members(self, tenant_id: UUID, first: int, after: str | None) -> Page[MemberView]:
        source = sql.SQL(
            "{} m JOIN {} p ON p.id = m.person_id LEFT JOIN {} r ON r.id = m.custom_role_id"
        ).format(
            self._table("person_memberships"), self._table("people"), self._table("custom_roles")
        )
        where, params = sql.SQL("m.tenant_id = %s"), [tenant_id]
        order = sql.SQL("m.granted_at, m.person_id")
        page_where, page_params = after_cursor(where, params, after, order)
        query = sql.SQL(
            "SELECT m.person_id, p.name, p.email, m.role, m.granted_at, m.custom_role_id, r.name "
            "FROM {} WHERE {} "
            "ORDER BY m.granted_at, m.person_id LIMIT %s"
        ).format(source, page_where)
        rows = self._rows(query, [*page_params, first + 1])
        count = rows_matching(self._stores.database.connection, source, where, params)
        return page_of(rows, first, count, _member, lambda m: (m.joined_at, m.person_id))

    def invitations(
        self, tenant_id: UUID, now: datetime, first: int, after: str | None
    ) -> Page[InvitationView]:
        source = self._table("team_invitations")
        where, params = sql.SQL("tenant_id = %s AND status = %s"), [tenant_id, _PENDING]
        order = sql.SQL("invited_at, id")
        page_where, page_params = after_cursor(where, params, after, order, newest_first=True)
        query = sql.SQL(
            "SELECT id, email, role, invited_by, invited_at, sent_at, expires_at, "
            "expires_at <= %s FROM {} WHERE {} ORDER BY invited_at DESC, id DESC LIMIT %s"
        ).format(source, page_where)
        rows = self._rows(query, [now, *page_params, first + 1])
        count = rows_matching(self._stores.database.connection, source, where, params)
        return page_of(rows, first, count, _invitation, lambda i: (i.invited_at, i.id))

    def pending_invitation(self, tenant_id: UUID, email: str, now: datetime) -> UUID | None:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND email = %s AND status = %s "
            "AND expires_at > %s LIMIT 1"
        ).format(self._table("team_invitations"))
        rows = self._rows(query, [tenant_id, email, _PENDING, now])
        return rows[0][0] if rows else None

    def _rows(self, query: sql.Composed, params: list[Any]) -> list[tuple[Any, ...]]:
        with self._stores.database.connection() as conn:
            rows: list[tuple[Any, ...]] = conn.execute(query, params).fetchall()
        return rows

    def _table(self, name: str) -> sql.Composed:
        return table(self._stores.platform(), name)


def _member(row: tuple[Any, ...]) -> MemberView:
    person_id, name, email, role, joined_at, custom_role_id, custom_role = row
    return MemberView(person_id, name, email, Role(role), joined_at, custom_role_id, custom_role)


def _invitation(row: tuple[Any, ...]) -> InvitationView:
    invitation_id, email, role, invited_by, invited_at, sent_at, expires_at, expired = row
    return InvitationView(
        invitation_id, email, Role(role), invited_by, invited_at, sent_at, expires_at, expired
    )

"""Queries over the identity read models of the platform store (`people`, `person_memberships`,
`person_sessions`), with the names of the tenants a person belongs to."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from psycopg import sql

from adapters.shared.paging import table
from adapters.shared.stores import PostgresStores
from application.identity.ports import MembershipView, PersonView
from domain.shared.roles import Role


class PostgresIdentityReadModels:
    """Implements IdentityReadModels."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def person(self, person_id: UUID) -> PersonView | None:
        platform = self._stores.platform()
        with self._stores.database.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT id, name, email, verified FROM {} WHERE id = %s").format(
                    table(platform, "people")
                ),
                (person_id,),
            ).fetchone()
            if row is None:
                return None
            memberships = conn.execute(
                sql.SQL(
                    "SELECT m.tenant_id, coalesce(t.name, ''), m.role FROM {} m "
                    "LEFT JOIN {} t ON t.id = m.tenant_id WHERE m.person_id = %s "
                    "ORDER BY m.granted_at, m.tenant_id"
                ).format(table(platform, "person_memberships"), table(platform, "tenant_list")),
                (person_id,),
            ).fetchall()
        joined = [MembershipView(tenant, name, Role(role)) for tenant, name, role in memberships]
        return PersonView(row[0], row[1], row[2], row[3], joined)

    def open_sessions(self, person_id: UUID, now: datetime) -> list[UUID]:
        with self._stores.database.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT id FROM {} WHERE person_id = %s AND revoked_at IS NULL "
                    "AND expires_at > %s ORDER BY started_at, id"
                ).format(table(self._stores.platform(), "person_sessions")),
                (person_id, now),
            ).fetchall()
        return [row[0] for row in rows]

    def open_sessions_at(self, person_id: UUID, tenant_id: UUID, now: datetime) -> list[UUID]:
        with self._stores.database.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT id FROM {} WHERE person_id = %s AND tenant_id = %s "
                    "AND revoked_at IS NULL AND expires_at > %s ORDER BY started_at, id"
                ).format(table(self._stores.platform(), "person_sessions")),
                (person_id, tenant_id, now),
            ).fetchall()
        return [row[0] for row in rows]

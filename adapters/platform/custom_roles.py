"""The `custom_roles` read model: a business's custom roles, for listing."""

from __future__ import annotations

from uuid import UUID

from psycopg import sql

from adapters.shared.database import Database
from application.platform.custom_roles import RoleView, declared_order
from domain.shared.roles import Role


class PostgresCustomRoles:
    """Implements CustomRoleList on the platform store."""

    def __init__(self, database: Database, schema: str) -> None:
        self._database = database
        self._statement = sql.SQL(
            "SELECT id, name, base_role, permissions FROM {} WHERE tenant_id = %s "
            "ORDER BY lower(name), id"
        ).format(sql.Identifier(schema, "custom_roles"))

    def custom_roles(self, tenant_id: UUID) -> list[RoleView]:
        with self._database.connection() as conn:
            rows = conn.execute(self._statement, (tenant_id,)).fetchall()
        return [RoleView(r[0], r[1], Role(r[2]), declared_order(r[3])) for r in rows]

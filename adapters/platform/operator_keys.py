"""The operator's keys in the platform schema (`operator_keys`, migrations/sql/platform/0006)."""

from __future__ import annotations

from psycopg import sql

from adapters.shared.database import Database
from application.platform.operator_keys import OperatorKeyRecord


class PostgresOperatorKeys:
    """Implements OperatorKeyStore."""

    def __init__(self, database: Database, platform_schema: str) -> None:
        self._database = database
        self._table = sql.Identifier(platform_schema, "operator_keys")

    def add(self, key_id: str, name: str, secret_hash: str) -> bool:
        with self._database.connection() as conn:
            added = conn.execute(
                sql.SQL(
                    "INSERT INTO {} (key_id, name, secret_hash) VALUES (%s, %s, %s) "
                    "ON CONFLICT (name) DO NOTHING RETURNING 1"
                ).format(self._table),
                (key_id, name, secret_hash),
            ).fetchone()
        return added is not None

    def find(self, key_id: str) -> OperatorKeyRecord | None:
        with self._database.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT key_id, name, secret_hash, created_at, revoked_at IS NOT NULL "
                    "FROM {} WHERE key_id = %s"
                ).format(self._table),
                (key_id,),
            ).fetchone()
        return None if row is None else OperatorKeyRecord(*row)

    def revoke(self, name: str) -> bool:
        with self._database.connection() as conn:
            revoked = conn.execute(
                sql.SQL(
                    "UPDATE {} SET revoked_at = now() WHERE name = %s AND revoked_at IS NULL "
                    "RETURNING 1"
                ).format(self._table),
                (name,),
            ).fetchone()
        return revoked is not None

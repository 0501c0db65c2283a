"""Idempotency keys in PostgreSQL, beside the tenant directory: one row per (caller, key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from adapters.shared.database import Database
from application.shared.idempotency import Claim, ClaimState

# An attempt that has not finished after this long died with its process: a retry takes over.
ABANDONED_AFTER = "5 minutes"


class PostgresIdempotencyRecords:
    def __init__(self, database: Database, platform_schema: str) -> None:
        self._database = database
        self._table = sql.Identifier(platform_schema, "idempotency_keys")

    def claim(self, scope: str, key: str, fingerprint: str) -> Claim:
        with self._database.connection() as conn:
            taken = conn.execute(
                sql.SQL(
                    "INSERT INTO {} AS k (scope, key, fingerprint) VALUES (%s, %s, %s) "
                    "ON CONFLICT (scope, key) DO UPDATE SET created_at = now() "
                    "WHERE k.response IS NULL AND k.fingerprint = EXCLUDED.fingerprint "
                    f"AND k.created_at < now() - interval '{ABANDONED_AFTER}' "
                    "RETURNING 1"
                ).format(self._table),
                (scope, key, fingerprint),
            ).fetchone()
            if taken:
                return Claim(ClaimState.NEW)
            row = conn.execute(
                sql.SQL(
                    "SELECT fingerprint, response FROM {} WHERE scope = %s AND key = %s"
                ).format(self._table),
                (scope, key),
            ).fetchone()
        return _state_of(row, fingerprint)

    def complete(self, scope: str, key: str, response: dict[str, Any]) -> None:
        with self._database.connection() as conn:
            conn.execute(
                sql.SQL("UPDATE {} SET response = %s WHERE scope = %s AND key = %s").format(
                    self._table
                ),
                (Jsonb(response), scope, key),
            )

    def release(self, scope: str, key: str) -> None:
        with self._database.connection() as conn:
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE scope = %s AND key = %s AND response IS NULL").format(
                    self._table
                ),
                (scope, key),
            )

    def purge(self, older_than: datetime) -> int:
        with self._database.connection() as conn:
            return conn.execute(
                sql.SQL("DELETE FROM {} WHERE created_at < %s").format(self._table), (older_than,)
            ).rowcount


def _state_of(row: tuple[Any, ...] | None, fingerprint: str) -> Claim:
    if row is None:  # released or purged between the two statements: the caller may retry
        return Claim(ClaimState.RUNNING)
    stored_fingerprint, response = row
    if stored_fingerprint != fingerprint:
        return Claim(ClaimState.OTHER_REQUEST)
    if response is None:
        return Claim(ClaimState.RUNNING)
    return Claim(ClaimState.DONE, response)

"""Personal-data keys in the store's own schema, beside the events they unlock."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

from application.shared.errors import PersonalDataErased


class PostgresPersonalDataKeys:
    def __init__(self, datastore: PostgresDatastore, schema: str) -> None:
        self._datastore = datastore
        self._table = sql.SQL("{}.personal_data_keys").format(sql.Identifier(schema))

    def fetch(self, subjects: Iterable[UUID]) -> dict[UUID, bytes | None]:
        ids = list(subjects)
        with self._datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT subject_id, key FROM {} WHERE subject_id = ANY(%s)").format(
                    self._table
                ),
                (ids,),
            ).fetchall()
        return {r["subject_id"]: (bytes(r["key"]) if r["key"] is not None else None) for r in rows}

    def create(self, subject: UUID, key: bytes) -> bytes:
        with self._datastore.get_connection() as conn:
            # One statement: on conflict the (key-preserving) update returns the stored key, or
            # NULL for a forgotten subject, even when a concurrent insert has just committed.
            row = conn.execute(
                sql.SQL(
                    "INSERT INTO {} (subject_id, key) VALUES (%s, %s) "
                    "ON CONFLICT (subject_id) DO UPDATE SET subject_id = EXCLUDED.subject_id "
                    "RETURNING key"
                ).format(self._table),
                (subject, key),
            ).fetchone()
        if row is None or row["key"] is None:
            raise PersonalDataErased(f"personal data of {subject} has been erased")
        return bytes(row["key"])

    def destroy(self, subject: UUID) -> None:
        with self._datastore.get_connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {0} (subject_id, key, destroyed_at) VALUES (%s, NULL, now()) "
                    "ON CONFLICT (subject_id) DO UPDATE SET key = NULL, "
                    "destroyed_at = coalesce({0}.destroyed_at, now())"
                ).format(self._table),
                (subject,),
            )

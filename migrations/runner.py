"""Applies the versioned SQL files of a migration set to one schema, once each, in order."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from psycopg import Connection, sql

SETS = ("store", "read_models", "platform")


@dataclass(frozen=True)
class Migration:
    set_name: str
    version: str
    sql: str


def migrations(set_name: str) -> list[Migration]:
    if set_name not in SETS:
        raise ValueError(f"unknown migration set {set_name!r}")
    folder = resources.files("migrations").joinpath("sql", set_name)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [Migration(set_name, f.name.removesuffix(".sql"), f.read_text()) for f in files]


def apply(conn: Connection[Any], schema: str, set_names: tuple[str, ...]) -> list[str]:
    """Apply what is missing of the given sets to `schema`; return the versions applied.

    Runs in one transaction under an advisory lock, so concurrent migrators wait for each other
    and a failure leaves the schema as it was.
    """
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"niaga-migrate:{schema}",))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations ("
                "set_name text, version text, applied_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (set_name, version))"
            ).format(sql.Identifier(schema))
        )
        done = {
            (r[0], r[1])
            for r in _rows(
                conn.execute(
                    sql.SQL("SELECT set_name, version FROM {}.schema_migrations").format(
                        sql.Identifier(schema)
                    )
                ).fetchall()
            )
        }
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
        for set_name in set_names:
            for migration in migrations(set_name):
                if (set_name, migration.version) in done:
                    continue
                conn.execute(migration.sql.encode())
                conn.execute(
                    "INSERT INTO schema_migrations (set_name, version) VALUES (%s, %s)",
                    (set_name, migration.version),
                )
                applied.append(f"{set_name}/{migration.version}")
    return applied


def _rows(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

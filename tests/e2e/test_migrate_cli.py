"""`niaga migrate` as a real process: every store on every server, one of them broken."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from adapters.shared.stores import StoreRef
from application.shared.ports import Placement
from tests.conftest import SERVER_URL
from tests.e2e.cli import run_niaga

# Two migrations of the read_models set, undone in the tenant stores so that they are pending
# there: one table, then two (the second of which the broken store already has).
PENDING = ("0019b_ceo_digests", "0019d_concierge")
PENDING_TABLES = ("ceo_digests", "concierge_conversations", "concierge_turns")
DOWN_SERVER = '{"jkt2": "postgresql://niaga:s3cret@127.0.0.1:1/niaga"}'


@pytest.fixture
def own_database(niaga: Niaga) -> Iterator[StoreRef]:
    """A tenant in a database of its own (with a pool of its own); dropped afterwards."""
    ref = niaga.stores.ref_for(niaga.tenants.create("ISP Besar", Placement.OWN_DATABASE))
    yield ref
    with psycopg.connect(SERVER_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(ref.database or "")
            )
        )


def test_migrate_reports_every_store_and_leaves_a_failed_one_as_it_was(
    niaga: Niaga, settings: Settings, own_database: StoreRef
) -> None:
    healthy = [_own_schema(niaga, "Bengkel Satu"), _own_schema(niaga, "Bengkel Dua")]
    broken = _own_schema(niaga, "Bengkel Rusak")
    with niaga.stores.database_of(own_database).connection() as conn:
        _undo_pending(conn, own_database.schema)
    with niaga.database.connection() as conn:
        for schema in (*healthy, broken):
            _undo_pending(conn, schema)
        conn.execute(  # what the migration's last statement creates, already there by hand
            sql.SQL("CREATE TABLE {}.concierge_turns (left_by_hand text)").format(
                sql.Identifier(broken)
            )
        )
        recorded_before = _recorded(conn, broken)
        _place_on_a_server_that_is_down(conn, settings)

    first = run_niaga(settings, "migrate", columns=400, env={"NIAGA_SERVERS": DOWN_SERVER})

    assert first.returncode == 1, first.stdout + first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    pending = f"read_models/{PENDING[0]}, read_models/{PENDING[1]}"
    assert _row(first.stdout, settings.niaga_platform_schema)[2] == "already current"
    for schema in healthy:
        assert _row(first.stdout, schema)[2:] == ["applied", pending]
    _, server, *result = _row(first.stdout, own_database.schema)
    assert (server, result) == (f"127.0.0.1:5432/{own_database.database}", ["applied", pending])
    assert _row(first.stdout, broken)[2:] == [
        "failed",
        f'relation "concierge_turns" already exists (pending: {pending})',
    ]
    assert _row(first.stdout, "t_down")[1:3] == ["127.0.0.1:1/niaga", "failed"]
    assert "cannot connect to PostgreSQL at 127.0.0.1:1" in _row(first.stdout, "t_down")[3]
    assert "s3cret" not in first.stdout + first.stderr
    assert "failed in 2 store(s): t_down (127.0.0.1:1/niaga), " in first.stderr
    assert f", {broken} (127.0.0.1:5432/" in first.stderr
    with niaga.database.connection() as conn:
        for schema in healthy:
            assert set(PENDING_TABLES) <= _tables(conn, schema)
        assert _tables(conn, broken) & set(PENDING_TABLES) == {"concierge_turns"}
        assert _columns(conn, broken, "concierge_turns") == ["left_by_hand"]
        assert _recorded(conn, broken) == recorded_before
        conn.execute(sql.SQL("DROP TABLE {}.concierge_turns").format(sql.Identifier(broken)))
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE server = 'jkt2'").format(
                sql.Identifier(settings.niaga_platform_schema, "tenant_directory")
            )
        )

    second = run_niaga(settings, "migrate", columns=400)

    assert second.returncode == 0, second.stdout + second.stderr
    for schema in (settings.niaga_platform_schema, *healthy, own_database.schema):
        assert _row(second.stdout, schema)[2:] == ["already current", ""]
    assert _row(second.stdout, broken)[2:] == ["applied", pending]


def _own_schema(niaga: Niaga, name: str) -> str:
    return niaga.stores.ref_for(niaga.tenants.create(name, Placement.OWN_SCHEMA)).schema


def _undo_pending(conn: psycopg.Connection[Any], schema: str) -> None:
    """Make the store look as if it were migrated by the release before `PENDING`."""
    for table in PENDING_TABLES:
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(schema, table)))
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE set_name = 'read_models' AND version = ANY(%s)").format(
            sql.Identifier(schema, "schema_migrations")
        ),
        (list(PENDING),),
    )


def _place_on_a_server_that_is_down(conn: psycopg.Connection[Any], settings: Settings) -> None:
    conn.execute(
        sql.SQL(
            "INSERT INTO {} (tenant_id, store, schema_name, server, database_name) "
            "VALUES (gen_random_uuid(), 'jkt2/#t_down', 't_down', 'jkt2', NULL)"
        ).format(sql.Identifier(settings.niaga_platform_schema, "tenant_directory"))
    )


def _row(stdout: str, store: str) -> list[str]:
    """The cells of a store's row in the report table."""
    rows = [line for line in stdout.splitlines() if line.startswith(f"│ {store} ")]
    assert len(rows) == 1, stdout
    return [cell.strip() for cell in rows[0].strip("│").split("│")]


def _tables(conn: psycopg.Connection[Any], schema: str) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
    ).fetchall()
    return {r[0] for r in rows}


def _columns(conn: psycopg.Connection[Any], schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    ).fetchall()
    return [r[0] for r in rows]


def _recorded(conn: psycopg.Connection[Any], schema: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        sql.SQL("SELECT set_name, version, applied_at FROM {} ORDER BY 1, 2").format(
            sql.Identifier(schema, "schema_migrations")
        )
    ).fetchall()

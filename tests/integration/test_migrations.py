"""Migrations are versioned per schema and idempotent: applying them again applies nothing."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PLATFORM_SETS, STORE_SETS
from application.shared.ports import Placement
from migrations import runner as migrations
from tests.integration.read_models import scratch_schema


def _all_versions(sets: tuple[str, ...]) -> list[str]:
    return [f"{m.set_name}/{m.version}" for s in sets for m in migrations.migrations(s)]


def _recorded(niaga: Niaga, schema: str) -> list[tuple[Any, ...]]:
    with niaga.database.connection() as conn:
        return conn.execute(
            sql.SQL("SELECT set_name, version FROM {}.schema_migrations ORDER BY 1, 2").format(
                sql.Identifier(schema)
            )
        ).fetchall()


def _tables(niaga: Niaga, schema: str) -> set[str]:
    with niaga.database.connection() as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    return {r[0] for r in rows}


def test_migrations_are_versioned_files_in_order() -> None:
    for set_name in migrations.SETS:
        versions = [m.version for m in migrations.migrations(set_name)]
        assert versions, set_name
        assert versions == sorted(versions)
        assert all(v[:4].isdigit() for v in versions)


def test_applying_twice_applies_nothing_the_second_time(niaga: Niaga) -> None:
    with scratch_schema(niaga) as schema, niaga.database.connection() as conn:
        first = migrations.apply(conn, schema, STORE_SETS)
        second = migrations.apply(conn, schema, STORE_SETS)

        assert first == _all_versions(STORE_SETS)
        assert second == []
        assert _recorded(niaga, schema) == sorted(tuple(v.split("/")) for v in first)
        assert {
            "niaga_events",
            "personal_data_keys",
            "projection_tracking",
            "customer_list",
            "audit_log",
            "audit_state",
            "tenant_list",
            "api_keys",
            "schema_migrations",
        } <= _tables(niaga, schema)


def test_a_store_migrated_with_one_set_gets_only_the_missing_sets_later(niaga: Niaga) -> None:
    with scratch_schema(niaga) as schema, niaga.database.connection() as conn:
        migrations.apply(conn, schema, ("store",))

        later = migrations.apply(conn, schema, STORE_SETS)

        assert later == _all_versions(("read_models",))


def test_the_platform_schema_records_every_migration_it_was_given(niaga: Niaga) -> None:
    schema = niaga.stores.platform_ref.schema

    assert _recorded(niaga, schema) == sorted(
        tuple(v.split("/")) for v in _all_versions(PLATFORM_SETS)
    )
    assert niaga.stores.migrate_platform() == []


def test_migrating_every_store_twice_applies_nothing_the_second_time(niaga: Niaga) -> None:
    own = niaga.tenants.create("Bengkel", Placement.OWN_SCHEMA)
    niaga.tenants.create("Warung", Placement.SHARED)
    own_schema = niaga.stores.ref_for(own).schema

    report = niaga.stores.migrate_all()

    assert report == {niaga.stores.platform_ref.name: [], own_schema: []}
    assert _recorded(niaga, own_schema) == sorted(
        tuple(v.split("/")) for v in _all_versions(STORE_SETS)
    )
    assert "tenant_directory" not in _tables(niaga, own_schema)

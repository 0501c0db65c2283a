"""Replay verification: every read model rebuilt into a scratch schema equals the live one, and
a live row changed, removed or added by hand is reported by table, key and column values."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import sql

from adapters.audit.replay import ProjectionReport
from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from application.shared.ports import Placement
from tests.conftest import principal_for
from tests.integration.read_models import store_of


def _some_history(niaga: Niaga, owner: Principal) -> list[uuid.UUID]:
    ids = [
        niaga.customers.register(owner, RegisterCustomer(f"Pelanggan {i}", f"08135550000{i}"))
        for i in range(3)
    ]
    niaga.customers.change_contact(owner, ChangeCustomerContact(ids[0], name="Budi Santoso"))
    niaga.customers.forget(owner, ids[1])
    return ids


def _execute(niaga: Niaga, query: str, schema: str, *params: Any) -> None:
    with niaga.database.connection() as conn:
        conn.execute(sql.SQL(query).format(sql.Identifier(schema)), params)


def _scratch_schemas(niaga: Niaga) -> list[str]:
    with niaga.database.connection() as conn:
        rows = conn.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'verify_%'"
        ).fetchall()
    return [str(r[0]) for r in rows]


def _unequal(reports: list[ProjectionReport]) -> dict[str, ProjectionReport]:
    return {r.projection: r for r in reports if not r.equal}


def test_every_read_model_rebuilt_from_the_log_equals_the_live_one(
    niaga: Niaga, owner: Principal
) -> None:
    _some_history(niaga, owner)
    store = store_of(niaga, owner.tenant_id)
    progress: list[tuple[str, int, int]] = []

    reports = niaga.audit_tools.verify_read_models(store, progress=lambda *p: progress.append(p))

    assert _unequal(reports) == {}
    names = {r.projection for r in reports}
    assert {"customer_list", "audit_log", "tenants", "invoices"} <= names
    assert all(r.position > 0 for r in reports if r.projection in ("customer_list", "audit_log"))
    assert {p[0] for p in progress} >= {"customer_list", "audit_log"}
    assert _scratch_schemas(niaga) == []


def test_a_corrupted_live_row_is_reported_with_its_key_and_values(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _some_history(niaga, owner)
    store = store_of(niaga, owner.tenant_id)
    schema = store.ref.schema
    _execute(niaga, "UPDATE {}.customer_list SET name = 'Orang Lain' WHERE id = %s", schema, ids[0])
    _execute(
        niaga,
        "DELETE FROM {0}.audit_log WHERE position = (SELECT max(position) FROM {0}.audit_log)",
        schema,
    )

    unequal = _unequal(niaga.audit_tools.verify_read_models(store))

    assert set(unequal) == {"customer_list", "audit_log"}
    [changed] = unequal["customer_list"].differences
    assert changed.key == {"id": str(ids[0])}
    assert changed.columns == ["name"]
    assert (changed.live or {})["name"] == "Orang Lain"
    assert (changed.rebuilt or {})["name"] == "Budi Santoso"
    assert "customer_list [id=" in changed.describe()
    assert "name: live 'Orang Lain', rebuilt 'Budi Santoso'" in changed.describe()
    [missing] = unequal["audit_log"].differences
    assert missing.live is None
    assert "missing from the live table" in missing.describe()
    assert _scratch_schemas(niaga) == []


def test_a_row_added_to_a_live_table_by_hand_is_reported(niaga: Niaga, owner: Principal) -> None:
    _some_history(niaga, owner)
    store = store_of(niaga, owner.tenant_id)
    _execute(
        niaga,
        "INSERT INTO {0}.customer_list SELECT %s, tenant_id, name || ' (salinan)', phone, email, "
        "nik, address, forgotten, search, version, registered_at, updated_at "
        "FROM {0}.customer_list LIMIT 1",
        store.ref.schema,
        uuid.uuid4(),
    )
    [extra] = _unequal(niaga.audit_tools.verify_read_models(store))["customer_list"].differences
    assert extra.rebuilt is None
    assert "in the live table only" in extra.describe()


def test_verifying_one_tenant_looks_only_at_its_rows(niaga: Niaga, owner: Principal) -> None:
    other = principal_for(niaga.tenants.create("Toko Sebelah", Placement.SHARED))
    [other_customer, *_] = _some_history(niaga, other)
    _some_history(niaga, owner)
    store = store_of(niaga, owner.tenant_id)
    _execute(
        niaga,
        "UPDATE {}.customer_list SET name = 'Diubah' WHERE id = %s",
        store.ref.schema,
        other_customer,
    )

    mine = niaga.audit_tools.verify_read_models(store, owner.tenant_id)
    theirs = niaga.audit_tools.verify_read_models(store, other.tenant_id)

    assert "customer_list" not in _unequal(mine)
    assert "customer_list" in _unequal(theirs)

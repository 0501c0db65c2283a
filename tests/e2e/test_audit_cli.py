"""`niaga audit ...` run as a real process against the test database."""

from __future__ import annotations

import csv
import json
import subprocess
import uuid
from pathlib import Path

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from tests.e2e.cli import run_niaga


def _run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return run_niaga(settings, *args, columns=400)


def _customer(niaga: Niaga, owner: Principal) -> uuid.UUID:
    customer_id = niaga.customers.register(owner, RegisterCustomer("Siti Rahmawati", "0812987654"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(customer_id, name="Siti R."))
    return customer_id


def _execute(niaga: Niaga, query: str, *params: object) -> None:
    with niaga.database.connection() as conn:
        conn.execute(
            sql.SQL(query).format(sql.Identifier(niaga.stores.platform_ref.schema)), params
        )


def test_an_auditor_travels_in_time_from_the_command_line(
    niaga: Niaga, owner: Principal, settings: Settings
) -> None:
    customer_id = str(_customer(niaga, owner))
    tenant = ["--tenant", str(owner.tenant_id)]

    first = _run(settings, "audit", "show", "Customer", customer_id, "--version", "1", *tenant)
    latest = _run(settings, "audit", "show", "Customer", customer_id, *tenant)
    history = _run(settings, "audit", "history", "Customer", customer_id, *tenant)

    assert first.returncode == 0, first.stderr
    assert '"name": "Siti Rahmawati"' in first.stdout
    assert f"Customer {customer_id} version 1" in first.stdout
    assert '"name": "Siti R."' in latest.stdout
    assert history.returncode == 0, history.stderr
    assert "user:test-owner" in history.stdout
    assert "ChangeCustomerContact" in history.stdout
    assert 'name: "Siti Rahmawati" -> "Siti R."' in history.stdout


def test_bad_time_travel_input_gets_a_clear_error(
    niaga: Niaga, owner: Principal, settings: Settings
) -> None:
    customer_id = str(_customer(niaga, owner))
    tenant = ["--tenant", str(owner.tenant_id)]

    beyond = _run(settings, "audit", "show", "Customer", customer_id, "--version", "9", *tenant)
    malformed = _run(settings, "audit", "show", "Customer", customer_id, "--at", "kemarin", *tenant)
    unknown = _run(settings, "audit", "history", "Pelanggan", customer_id, *tenant)
    both = _run(
        settings, "audit", "show", "Customer", customer_id, "--version", "1", "--at", "x", *tenant
    )

    assert beyond.returncode == 1
    assert "BEYOND_HISTORY" in beyond.stderr
    assert "version 9 is outside it" in beyond.stderr
    assert malformed.returncode == 2
    assert "'kemarin' is not an ISO 8601 time" in malformed.stderr
    assert unknown.returncode == 1
    assert "unknown aggregate type 'Pelanggan'" in unknown.stderr
    assert both.returncode == 2


def test_verify_chain_names_an_event_altered_in_sql(
    niaga: Niaga, owner: Principal, settings: Settings
) -> None:
    customer_id = _customer(niaga, owner)
    store = niaga.stores.platform_ref.name
    intact = _run(settings, "audit", "verify-chain")
    assert intact.returncode == 0, intact.stderr
    assert f"{store}: intact" in intact.stdout
    head = intact.stdout.split("head ")[1].split()
    anchored = _run(settings, "audit", "verify-chain", "--store", store, "--anchor", ":".join(head))
    assert anchored.returncode == 0, anchored.stderr
    _execute(
        niaga,
        "UPDATE {}.niaga_events SET state = replace(convert_from(state, 'UTF8'), "
        "'ChangeCustomerContact', 'ForgedCommand')::bytea "
        "WHERE originator_id = %s AND originator_version = 2",
        customer_id,
    )

    broken = _run(settings, "audit", "verify-chain")
    unknown = _run(settings, "audit", "verify-chain", "--store", "nope")

    assert broken.returncode == 1
    assert f"Customer {customer_id} version 2: altered" in broken.stderr
    assert "chain broken at notification" in broken.stderr
    assert unknown.returncode == 2
    assert "no store named 'nope'" in unknown.stderr
    bad_anchor = _run(settings, "audit", "verify-chain", "--store", store, "--anchor", "5:abc")
    assert bad_anchor.returncode == 2
    assert "is not ID:HASH" in bad_anchor.stderr


def test_verify_reports_a_corrupted_read_model_row_and_exits_non_zero(
    niaga: Niaga, owner: Principal, settings: Settings
) -> None:
    customer_id = _customer(niaga, owner)
    clean = _run(settings, "audit", "verify")
    assert clean.returncode == 0, clean.stderr
    assert "every read model equals its rebuild" in clean.stdout
    _execute(niaga, "UPDATE {}.customer_list SET phone = '+620000' WHERE id = %s", customer_id)

    corrupted = _run(settings, "audit", "verify", "--tenant", str(owner.tenant_id))

    assert corrupted.returncode == 1
    assert f"customer_list [id={customer_id}]: phone: live '+620000'" in corrupted.stderr
    with niaga.database.connection() as conn:
        scratch = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'verify_%'"
        ).fetchone()
    assert scratch is not None
    assert scratch[0] == 0


def test_a_period_is_exported_to_a_file(
    niaga: Niaga, owner: Principal, settings: Settings, tmp_path: Path
) -> None:
    _customer(niaga, owner)
    niaga.customers.forget(
        owner, niaga.customers.register(owner, RegisterCustomer("Ani", "081311112222"))
    )
    target = tmp_path / "events.csv"
    period = ["--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00+07:00"]

    exported = _run(
        settings, "audit", "export", *period, "--format", "csv", "--what", "events",
        "--output", str(target), "--tenant", str(owner.tenant_id),
    )  # fmt: skip
    bad = _run(settings, "audit", "export", "--from", "2026-13-01", "--to", "2026-01-01T00:00Z",
               "--output", str(tmp_path / "bad.csv"))  # fmt: skip

    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(target.open()))
    assert f"wrote {len(rows)} rows" in exported.stdout
    assert {"Customer.Registered", "Customer.ContactChanged", "Customer.Forgotten"} <= {
        r["event"] for r in rows
    }
    assert "Ani" not in target.read_text()
    names = [json.loads(r["data"])["name"] for r in rows if r["event"] == "Customer.Registered"]
    assert sorted(names) == ["Siti Rahmawati", "[forgotten]"]
    assert bad.returncode == 2
    assert "'2026-13-01' is not an ISO 8601 time" in bad.stderr
    assert not (tmp_path / "bad.csv").exists()

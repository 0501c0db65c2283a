"""Exports of a period: the audit log and the events, as CSV and JSON Lines, streamed a page at a
time, scoped to a tenant, with forgotten personal data shown as forgotten."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.audit.exports import PostgresExportSource, lines
from adapters.bootstrap import Niaga
from application.audit.audit_exports import AUDIT_COLUMNS, ExportKind
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import PermissionDenied
from application.shared.ports import Placement
from domain.customers.customer import Customer
from domain.shared.errors import InvalidValue
from domain.shared.personal_data import FORGOTTEN
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import store_of

WIDE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def _forgotten_and_kept(niaga: Niaga, owner: Principal) -> tuple[uuid.UUID, uuid.UUID]:
    siti = niaga.customers.register(owner, RegisterCustomer("Siti Rahmawati", "081298765432"))
    budi = niaga.customers.register(owner, RegisterCustomer("Budi Santoso", "081311112222"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(siti, name="Siti R."))
    niaga.customers.forget(owner, siti)
    return siti, budi


def _export(niaga: Niaga, who: Principal, kind: ExportKind, span: Any = WIDE) -> list[Any]:
    return list(niaga.audit_exports.export(who, kind, *span))


def test_the_audit_export_shows_who_changed_what_and_forgotten_data_as_forgotten(
    niaga: Niaga, owner: Principal
) -> None:
    siti, budi = _forgotten_and_kept(niaga, owner)
    auditor = principal_for(owner.tenant_id, Role.AUDITOR)

    rows = _export(niaga, auditor, ExportKind.AUDIT)

    assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
    assert all(r["tenant_id"] == str(owner.tenant_id) for r in rows)
    siti_rows = [r for r in rows if r["aggregate_id"] == str(siti)]
    assert [r["action"] for r in siti_rows] == [
        "Customer.Registered",
        "Customer.ContactChanged",
        "Customer.Forgotten",
    ]
    assert siti_rows[1]["changes"]["name"] == {"old": FORGOTTEN, "new": FORGOTTEN}
    assert siti_rows[1]["actor"] == "user:test-owner"
    budi_rows = [r for r in rows if r["aggregate_id"] == str(budi)]
    assert budi_rows[0]["changes"]["name"]["new"] == "Budi Santoso"
    assert "Siti R" not in json.dumps(rows)


def test_the_event_export_decodes_events_with_forgotten_data_as_forgotten(
    niaga: Niaga, owner: Principal
) -> None:
    siti, budi = _forgotten_and_kept(niaga, owner)
    niaga.tenants.issue_api_key(owner.tenant_id, Role.STAFF, "kasir")

    rows = _export(niaga, owner, ExportKind.EVENTS)

    by_event = {(r["aggregate_id"], r["version"]): r for r in rows}
    assert by_event[(str(siti), 1)]["data"]["name"] == FORGOTTEN
    assert by_event[(str(siti), 1)]["event"] == "Customer.Registered"
    assert by_event[(str(budi), 1)]["data"]["name"] == "Budi Santoso"
    assert by_event[(str(budi), 1)]["command"] == "RegisterCustomer"
    [issued] = [r for r in rows if r["event"] == "Tenant.ApiKeyIssued"]
    assert issued["data"]["secret_hash"] == "[redacted]"
    assert "Siti" not in json.dumps(rows)


def test_an_export_holds_only_its_period_and_its_tenant(niaga: Niaga, owner: Principal) -> None:
    _forgotten_and_kept(niaga, owner)
    other = principal_for(niaga.tenants.create("Toko Sebelah", Placement.SHARED))
    niaga.customers.register(other, RegisterCustomer("Orang Lain", "081599998888"))
    everything = _export(niaga, owner, ExportKind.EVENTS)
    cut = datetime.fromisoformat(everything[3]["occurred_at"])

    before = _export(niaga, owner, ExportKind.EVENTS, (WIDE[0], cut))
    after = _export(niaga, owner, ExportKind.EVENTS, (cut, WIDE[1]))
    audit_after = _export(niaga, owner, ExportKind.AUDIT, (cut, WIDE[1]))

    assert before + after == everything
    assert len(before) == 3
    assert [r["position"] for r in audit_after] == [r["position"] for r in after]
    assert "Orang Lain" not in json.dumps(everything)
    assert all(r["tenant_id"] == str(owner.tenant_id) for r in everything)


def test_csv_and_json_lines_carry_the_same_rows(niaga: Niaga, owner: Principal) -> None:
    _forgotten_and_kept(niaga, owner)
    rows = _export(niaga, owner, ExportKind.AUDIT)

    parsed_csv = list(csv.DictReader(io.StringIO("".join(lines(rows, ExportKind.AUDIT, "csv")))))
    parsed_jsonl = [json.loads(x) for x in lines(rows, ExportKind.AUDIT, "jsonl")]

    assert list(parsed_csv[0]) == list(AUDIT_COLUMNS)
    assert [int(r["position"]) for r in parsed_csv] == [r["position"] for r in rows]
    assert [json.loads(r["changes"]) for r in parsed_csv] == [r["changes"] for r in rows]
    assert parsed_jsonl == rows


def test_bad_periods_and_roles_are_refused_before_any_row(niaga: Niaga, owner: Principal) -> None:
    start, end = WIDE
    with pytest.raises(InvalidValue, match="to must be later than from"):
        niaga.audit_exports.export(owner, ExportKind.AUDIT, end, start)
    with pytest.raises(InvalidValue, match="from needs a time zone offset"):
        niaga.audit_exports.export(owner, ExportKind.AUDIT, datetime(2026, 1, 1), end)
    with pytest.raises(PermissionDenied):
        niaga.audit_exports.export(
            principal_for(owner.tenant_id, Role.STAFF), ExportKind.EVENTS, start, end
        )
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        lines([], ExportKind.AUDIT, "xml")


def test_a_large_export_streams_a_page_at_a_time(niaga: Niaga, owner: Principal) -> None:
    store = store_of(niaga, owner.tenant_id)
    with recording(
        "SeedCustomers", actor=Actor(ActorKind.SYSTEM, "test"), tenant_id=owner.tenant_id
    ):
        customers = [
            Customer.register(owner.tenant_id, f"Pelanggan {i}", f"0813{i:08d}", address="x" * 200)
            for i in range(3000)
        ]
        store.save(*customers)
    source = PostgresExportSource(niaga.stores, page_size=100)
    start, end = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=1)

    def streamed() -> int:
        count = 0
        for line in lines(
            source.rows(store, ExportKind.EVENTS, owner.tenant_id, start, end),
            ExportKind.EVENTS,
            "jsonl",
        ):
            count += bool(line)
        return count

    def held() -> int:
        return len(list(source.rows(store, ExportKind.EVENTS, owner.tenant_id, start, end)))

    streamed_count, streamed_peak = _peak(streamed)
    held_count, held_peak = _peak(held)

    assert streamed_count == held_count >= 3000
    # One page of 100 decoded events at a time, against all 3,000 held at once.
    assert streamed_peak * 5 < held_peak, (streamed_peak, held_peak)


def _peak(work: Any) -> tuple[int, int]:
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

"""Time travel: an aggregate replayed to a version or a moment; its history with actors, diffs."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.audit.audit_exports import ExportKind
from application.audit.time_travel import BeyondHistory, BrokenHistory, FieldChange, parse_moment
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from application.shared.errors import NotFound, PermissionDenied
from application.shared.ports import Placement
from domain.shared.errors import InvalidValue
from domain.shared.personal_data import FORGOTTEN
from domain.shared.roles import Role
from tests.conftest import principal_for


def _customer_with_three_versions(niaga: Niaga, owner: Principal) -> uuid.UUID:
    customer_id = niaga.customers.register(
        owner, RegisterCustomer("Siti Rahmawati", "081298765432", email="siti@example.com")
    )
    niaga.customers.change_contact(owner, ChangeCustomerContact(customer_id, name="Siti R."))
    admin = principal_for(owner.tenant_id, Role.ADMIN)
    niaga.customers.change_contact(
        admin, ChangeCustomerContact(customer_id, email="siti.r@example.com")
    )
    return customer_id


def test_a_customer_as_of_each_version(niaga: Niaga, owner: Principal) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    auditor = principal_for(owner.tenant_id, Role.AUDITOR)

    first = niaga.time_travel.at(auditor, "Customer", customer_id, version=1)
    second = niaga.time_travel.at(auditor, "Customer", customer_id, version=2)
    third = niaga.time_travel.at(auditor, "Customer", customer_id, version=3)

    assert (first.version, first.state["name"], first.state["email"]) == (
        1,
        "Siti Rahmawati",
        "siti@example.com",
    )
    assert (second.state["name"], second.state["email"]) == ("Siti R.", "siti@example.com")
    assert (third.state["name"], third.state["email"]) == ("Siti R.", "siti.r@example.com")
    assert first.state["id"] == str(customer_id)
    assert first.state["tenant_id"] == str(owner.tenant_id)
    assert third.state["version"] == 3
    assert first.recorded_at < second.recorded_at < third.recorded_at


def test_a_customer_as_of_a_moment(niaga: Niaga, owner: Principal) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    history = niaga.time_travel.history(owner, "Customer", customer_id)
    times = [entry.occurred_at for entry in history.entries]
    between = times[1] + (times[2] - times[1]) / 2

    exactly_second = niaga.time_travel.at(owner, "Customer", customer_id, at=times[1])
    between_second_and_third = niaga.time_travel.at(owner, "Customer", customer_id, at=between)
    long_after = niaga.time_travel.at(
        owner, "Customer", customer_id, at=times[2] + timedelta(days=400)
    )

    assert exactly_second.version == 2
    assert between_second_and_third.version == 2
    assert between_second_and_third.state["name"] == "Siti R."
    assert long_after.version == 3
    in_jakarta = parse_moment(times[0].astimezone().isoformat())
    assert niaga.time_travel.at(owner, "Customer", customer_id, at=in_jakarta).version == 1


def test_the_history_lists_each_event_with_its_actor_command_and_field_diff(
    niaga: Niaga, owner: Principal
) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)

    history = niaga.time_travel.history(owner, "Customer", customer_id)

    assert history.total_versions == 3
    assert not history.has_more
    assert [(e.version, e.action, e.actor) for e in history.entries] == [
        (1, "Customer.Registered", "user:test-owner"),
        (2, "Customer.ContactChanged", "user:test-owner"),
        (3, "Customer.ContactChanged", "user:test-admin"),
    ]
    assert [e.command for e in history.entries] == [
        "RegisterCustomer",
        "ChangeCustomerContact",
        "ChangeCustomerContact",
    ]
    registered, renamed, re_emailed = history.entries
    assert FieldChange("name", None, "Siti Rahmawati") in registered.changes
    assert renamed.changes == [FieldChange("name", "Siti Rahmawati", "Siti R.")]
    assert re_emailed.changes == [FieldChange("email", "siti@example.com", "siti.r@example.com")]
    assert all(e.position > 0 for e in history.entries)


def test_the_history_comes_a_page_at_a_time(niaga: Niaga, owner: Principal) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    page = niaga.time_travel.history(owner, "Customer", customer_id, after_version=0, first=2)
    rest = niaga.time_travel.history(owner, "Customer", customer_id, after_version=2, first=2)
    assert [e.version for e in page.entries] == [1, 2]
    assert page.has_more
    assert [e.version for e in rest.entries] == [3]
    assert rest.entries[0].changes == [
        FieldChange("email", "siti@example.com", "siti.r@example.com")
    ]


def test_a_forgotten_customer_replays_as_forgotten_at_every_version(
    niaga: Niaga, owner: Principal
) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    niaga.customers.forget(owner, customer_id)

    before_forgetting = niaga.time_travel.at(owner, "Customer", customer_id, version=2)
    history = niaga.time_travel.history(owner, "Customer", customer_id)

    assert before_forgetting.state["name"] == FORGOTTEN
    assert before_forgetting.state["email"] == FORGOTTEN
    assert "Siti" not in repr(history)
    assert history.entries[-1].action == "Customer.Forgotten"


def test_a_tenant_replays_with_its_api_key_secrets_hidden(niaga: Niaga, owner: Principal) -> None:
    niaga.tenants.issue_api_key(owner.tenant_id, Role.STAFF, "kasir")
    latest = niaga.time_travel.history(owner, "Tenant", owner.tenant_id).total_versions
    tenant = niaga.time_travel.at(owner, "Tenant", owner.tenant_id, version=latest)
    [key] = tenant.state["api_keys"].values()
    assert key["secret_hash"] == "[redacted]"
    assert key["label"] == "kasir"
    assert tenant.state["name"] == "Warung Net Sejahtera"


def test_bad_replay_positions_are_refused_clearly(niaga: Niaga, owner: Principal) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    created = niaga.time_travel.history(owner, "Customer", customer_id).entries[0].occurred_at

    with pytest.raises(BeyondHistory, match="has versions 1 to 3; version 4 is outside it"):
        niaga.time_travel.at(owner, "Customer", customer_id, version=4)
    with pytest.raises(BeyondHistory, match="version 0 is outside it"):
        niaga.time_travel.at(owner, "Customer", customer_id, version=0)
    with pytest.raises(BeyondHistory, match="did not exist yet"):
        niaga.time_travel.at(owner, "Customer", customer_id, at=created - timedelta(seconds=1))
    with pytest.raises(InvalidValue, match="exactly one of version or at"):
        niaga.time_travel.at(owner, "Customer", customer_id)
    with pytest.raises(InvalidValue, match="exactly one of version or at"):
        niaga.time_travel.at(owner, "Customer", customer_id, version=1, at=created)
    with pytest.raises(InvalidValue, match="needs a time zone offset"):
        niaga.time_travel.at(owner, "Customer", customer_id, at=datetime(2026, 1, 5, 10, 0))
    with pytest.raises(InvalidValue, match="is not an ISO 8601 time"):
        parse_moment("5 Januari 2026")
    with pytest.raises(
        InvalidValue, match=r"unknown aggregate type 'Pelanggan'; known: .*Customer"
    ):
        niaga.time_travel.at(owner, "Pelanggan", customer_id, version=1)
    with pytest.raises(InvalidValue, match="first must be between 1 and 100"):
        niaga.time_travel.history(owner, "Customer", customer_id, first=0)


def test_only_auditing_roles_of_the_owning_tenant_see_an_aggregate(
    niaga: Niaga, owner: Principal
) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    other_tenant = niaga.tenants.create("Toko Lain", Placement.OWN_SCHEMA)

    with pytest.raises(PermissionDenied):
        niaga.time_travel.at(
            principal_for(owner.tenant_id, Role.STAFF), "Customer", customer_id, version=1
        )
    with pytest.raises(NotFound, match=f"no Customer {customer_id}"):
        niaga.time_travel.at(principal_for(other_tenant), "Customer", customer_id, version=1)
    with pytest.raises(NotFound, match=f"no Invoice {customer_id}"):
        niaga.time_travel.at(owner, "Invoice", customer_id, version=1)
    with pytest.raises(NotFound):
        niaga.time_travel.history(owner, "Customer", uuid.uuid4())
    with pytest.raises(NotFound):
        niaga.time_travel.at(owner, "Tenant", other_tenant, version=1)


def test_a_history_with_a_deleted_event_is_refused_as_broken(
    niaga: Niaga, owner: Principal
) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    with niaga.database.connection() as conn:
        conn.execute(
            sql.SQL(
                "DELETE FROM {}.niaga_events WHERE originator_id = %s AND originator_version = 2"
            ).format(sql.Identifier(niaga.stores.platform_ref.schema)),
            (customer_id,),
        )
    with pytest.raises(BrokenHistory, match="has no event before version 3; check the log"):
        niaga.time_travel.at(owner, "Customer", customer_id, version=3)
    assert niaga.time_travel.at(owner, "Customer", customer_id, version=1).version == 1


def test_a_customer_forgotten_by_another_process_replays_as_forgotten_at_once(
    niaga: Niaga, owner: Principal, settings: Settings
) -> None:
    customer_id = _customer_with_three_versions(niaga, owner)
    auditor_process = Niaga.start(settings)
    try:
        seen = auditor_process.time_travel.at(owner, "Customer", customer_id, version=1)
        niaga.customers.forget(owner, customer_id)
        again = auditor_process.time_travel.at(owner, "Customer", customer_id, version=1)
        exported = list(
            auditor_process.audit_exports.export(
                owner, ExportKind.EVENTS, again.recorded_at, again.recorded_at + timedelta(days=1)
            )
        )
    finally:
        auditor_process.close()
    assert seen.state["name"] == "Siti Rahmawati"
    assert again.state["name"] == FORGOTTEN
    assert "Siti" not in repr(exported)

"""Every stored event records who acted, through which command, and the ids tying work together."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Actor, ActorKind, MissingCommandContext, Principal
from domain.customers.customer import Customer
from domain.shared.recorded import RecordedEvent
from domain.shared.roles import Role
from tests.integration.read_models import event_count, store_of


def _recorded(niaga: Niaga, tenant_id: uuid.UUID) -> list[RecordedEvent]:
    """Decode the raw rows of the tenant's store with the store's own mapper."""
    store = store_of(niaga, tenant_id)
    with niaga.database.connection() as conn:
        raw = conn.execute(
            sql.SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {}.niaga_events ORDER BY notification_id"
            ).format(sql.Identifier(store.ref.schema))
        ).fetchall()
    return [
        store.niaga_mapper.decode(r[0], StoredEvent(r[1], r[2], r[3], bytes(r[4]))) for r in raw
    ]


def test_every_stored_event_records_actor_command_ids_and_tenant(
    niaga: Niaga, owner: Principal
) -> None:
    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(budi, phone="085711112222"))
    niaga.customers.forget(owner, budi)

    recorded = _recorded(niaga, owner.tenant_id)

    assert recorded
    for event in recorded:
        meta = event.meta
        assert meta.tenant_id == str(owner.tenant_id), event.name
        assert meta.actor not in ("", "unknown"), event.name
        assert meta.command not in ("", "unknown"), event.name
        assert meta.correlation_id, event.name
        assert meta.causation_id, event.name
    by_command = {(e.meta.command, e.name) for e in recorded}
    assert {
        ("CreateTenant", "Tenant.Registered"),
        ("CreateTenant", "Tenant.Placed"),
        ("RegisterCustomer", "Customer.Registered"),
        ("RegisterCustomer", "CustomerPhone.Claimed"),
        ("ChangeCustomerContact", "Customer.ContactChanged"),
        ("ChangeCustomerContact", "CustomerPhone.Claimed"),
        ("ChangeCustomerContact", "CustomerPhone.Released"),
        ("ForgetCustomer", "Customer.Forgotten"),
        ("ForgetCustomer", "CustomerPhone.Released"),
    } == by_command


def test_events_of_a_command_carry_the_callers_actor_and_correlation_id(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    clerk = Principal(
        tenant_id,
        Role.OWNER,
        Actor(ActorKind.API_KEY, "k-frontdesk"),
        correlation_id="req-2024-0001",
    )

    niaga.customers.register(clerk, RegisterCustomer("Budi", "081234567890"))

    mine = [e for e in _recorded(niaga, tenant_id) if e.meta.command == "RegisterCustomer"]
    assert [e.name for e in mine] == ["Customer.Registered", "CustomerPhone.Claimed"]
    assert {(e.meta.actor, e.meta.correlation_id, e.meta.causation_id) for e in mine} == {
        ("api_key:k-frontdesk", "req-2024-0001", "req-2024-0001")
    }


def test_a_system_command_is_recorded_as_the_system_actor(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    [registered] = [e for e in _recorded(niaga, tenant_id) if e.name == "Tenant.Registered"]

    assert (registered.meta.actor, registered.meta.command) == ("system:niaga", "CreateTenant")
    assert registered.meta.tenant_id == str(tenant_id)


def test_the_audit_log_shows_the_same_envelope_as_the_stored_events(
    niaga: Niaga, owner: Principal
) -> None:
    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(budi, name="Budi Santoso"))

    entries = niaga.queries.audit_log(owner, None, 100, None).items

    assert [
        (e.position, e.actor, e.command, e.action, e.aggregate_id, e.version, e.correlation_id)
        for e in entries
    ] == [
        (
            r.position,
            r.meta.actor,
            r.meta.command,
            r.name,
            r.aggregate_id,
            r.version,
            r.meta.correlation_id,
        )
        for r in _recorded(niaga, owner.tenant_id)
    ]
    [renamed] = [e for e in entries if e.action == "Customer.ContactChanged"]
    assert renamed.changes["name"] == {"old": "Budi", "new": "Budi Santoso"}
    assert renamed.changes["phone"] == {"old": "+6281234567890", "new": "+6281234567890"}


def test_refuses_to_store_events_without_saying_who_and_why(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    store = store_of(niaga, tenant_id)
    before = event_count(niaga, store.ref.schema)

    customer = Customer.register(tenant_id, "Budi", "081234567890")

    with pytest.raises(MissingCommandContext):
        store.save(customer)

    assert event_count(niaga, store.ref.schema) == before
    with niaga.database.connection() as conn:
        keys = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.personal_data_keys WHERE subject_id = %s").format(
                sql.Identifier(store.ref.schema)
            ),
            (customer.id,),
        ).fetchone()
    assert keys == (0,)  # not even a key was made for the refused event

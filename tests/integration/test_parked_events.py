"""A projection that cannot apply an event parks it and moves on: the other events of the page
are applied, the position reaches the head, and retrying after a fix applies the parked one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from psycopg import Cursor, sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.customers.customers import CustomerService, RegisterCustomer
from application.shared.context import Principal
from application.shared.event_store import EventStore, Saved
from domain.shared.recorded import RecordedEvent
from projections.catalog import by_name
from projections.shared.base import Projection
from tests.integration.read_models import rebuilt, rows, store_of, tracking_position


class DaemonDown:
    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        return False


class Poisoned:
    """customer_list, except that it cannot apply the events of the poisoned customers."""

    def __init__(self, projection: Projection, poisoned: set[uuid.UUID], error: Exception) -> None:
        self._projection = projection
        self.name = projection.name
        self.event_types = projection.event_types
        self.tables = projection.tables
        self.poisoned = poisoned
        self._error = error

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        if any(e.aggregate_id in self.poisoned for e in events):
            raise self._error
        self._projection.apply(cur, schema, events)


def _register(niaga: Niaga, owner: Principal, count: int) -> list[uuid.UUID]:
    lagging = CustomerService(niaga.stores, DaemonDown())
    return [
        lagging.register(owner, RegisterCustomer(f"Pelanggan {i}", f"0813{i:08d}"))
        for i in range(count)
    ]


def _listed(niaga: Niaga, store: PostgresEventStore) -> set[uuid.UUID]:
    return {r[0] for r in rows(niaga, store.ref.schema, "customer_list")}


def test_an_event_that_fails_alone_is_parked_and_the_rest_of_the_page_applies(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _register(niaga, owner, 5)
    store = store_of(niaga, owner.tenant_id)
    poisoned = Poisoned(by_name("customer_list"), {ids[2]}, ValueError("cannot apply"))
    runner = niaga.projections.runner(store)

    runner.catch_up(poisoned)

    assert _listed(niaga, store) == set(ids) - {ids[2]}
    [parked] = runner.parked(poisoned)
    assert parked.error == "ValueError: cannot apply"
    assert runner.status(poisoned).lag == 0
    assert runner.status(poisoned).parked == 1
    assert tracking_position(niaga, store.ref.schema, poisoned) > parked.position


def test_a_poisoned_projection_in_a_shared_page_keeps_none_of_the_others_back(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _register(niaga, owner, 4)
    store = store_of(niaga, owner.tenant_id)
    poisoned = Poisoned(by_name("customer_list"), {ids[1]}, ValueError("cannot apply"))
    audit = by_name("audit_log")
    runner = niaga.projections.runner(store)

    runner.catch_up_together([poisoned, audit])

    assert _listed(niaga, store) == set(ids) - {ids[1]}
    assert [p.position for p in runner.parked(poisoned)] != []
    assert runner.parked(audit) == []
    assert runner.status(audit).lag == 0
    assert runner.status(poisoned).lag == 0
    assert (
        rows(niaga, store.ref.schema, "audit_log")
        == rebuilt(niaga, store, "audit_log")["audit_log"]
    )


def test_retrying_after_a_fix_applies_the_parked_event_and_clears_it(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _register(niaga, owner, 3)
    store = store_of(niaga, owner.tenant_id)
    poisoned = Poisoned(by_name("customer_list"), {ids[0]}, KeyError("name"))
    runner = niaga.projections.runner(store)
    runner.catch_up(poisoned)
    assert runner.retry_parked(poisoned) == (0, 1)  # not fixed yet: still parked

    poisoned.poisoned.clear()  # the fix
    assert runner.retry_parked(poisoned) == (1, 0)
    assert _listed(niaga, store) == set(ids)
    assert runner.parked(poisoned) == []


def test_a_lost_connection_fails_the_page_instead_of_parking_it(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _register(niaga, owner, 2)
    store = store_of(niaga, owner.tenant_id)
    broken = Poisoned(by_name("customer_list"), set(ids), psycopg.OperationalError("gone"))
    runner = niaga.projections.runner(store)
    before = tracking_position(niaga, store.ref.schema, broken)

    with pytest.raises(psycopg.OperationalError):
        runner.catch_up(broken)

    assert runner.parked(broken) == []
    assert tracking_position(niaga, store.ref.schema, broken) == before


def test_the_daemon_tells_the_tenants_staff_of_a_parked_event(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _register(niaga, owner, 2)
    store = store_of(niaga, owner.tenant_id)
    service = niaga.projections
    poisoned = Poisoned(by_name("customer_list"), {ids[1]}, ValueError("cannot apply"))
    service.projections = [
        poisoned if p.name == "customer_list" else p for p in service.projections
    ]

    service.catch_up(store)

    notices = _notices(niaga, store)
    assert [n.template for n in notices] == ["read_model_event_parked"]
    assert notices[0].customer_id is None  # for the staff, not a customer
    assert notices[0].variables["tampilan"] == "customer_list"


def _notices(niaga: Niaga, store: PostgresEventStore) -> list[Any]:
    with niaga.database.connection() as conn:
        found = conn.execute(
            sql.SQL("SELECT originator_id FROM {}.niaga_events WHERE topic LIKE %s").format(
                sql.Identifier(store.ref.schema)
            ),
            ("%:NotificationRequest.Requested",),
        ).fetchall()
    return [store.history(row[0])[0].event for row in found]

"""Projections are exactly-once, resumable after a crash mid-page, and rebuildable from zero."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from psycopg import Cursor, sql

from adapters.bootstrap import Niaga
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresEventStore
from application.customers.customers import ChangeCustomerContact, CustomerService, RegisterCustomer
from application.shared.context import Principal
from application.shared.event_store import EventStore, Saved
from application.shared.ports import Placement
from domain.shared.recorded import RecordedEvent
from projections.catalog import by_name
from projections.shared.base import Projection
from projections.shared.runner import lock_key
from tests.conftest import principal_for
from tests.integration.read_models import (
    assert_live_equals_rebuild,
    rebuilt,
    snapshot,
    store_of,
    tracking_position,
)

READ_MODELS = ("customer_list", "audit_log")


class DaemonDown:
    """A ReadModelSync whose projection daemon is not running: commands return at once."""

    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        return False


class Crash(BaseException):
    """The process stopped in the middle of a page (like SystemExit: not an event's fault, so
    the runner does not park anything for it)."""


class CrashMidPage:
    """Wraps a projection: on page number `crash_on` it writes half the page, then dies."""

    def __init__(self, projection: Projection, crash_on: int = 1) -> None:
        self._projection = projection
        self.name = projection.name
        self.event_types = projection.event_types
        self.tables = projection.tables
        self._crash_on = crash_on
        self.pages = 0
        self.rows_written_before_crash = 0

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        self.pages += 1
        if self.pages != self._crash_on:
            self._projection.apply(cur, schema, events)
            return
        before = _count(cur, schema, self.tables[0])
        self._projection.apply(cur, schema, events[: max(len(events) // 2, 1)])
        self.rows_written_before_crash = _count(cur, schema, self.tables[0]) - before
        raise Crash(f"{self.name} stopped mid-page")


def _count(cur: Cursor[Any], schema: str, table: str) -> int:
    cur.execute(
        sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    )
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def _head(niaga: Niaga, store: PostgresEventStore) -> int:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {}.niaga_events").format(
                sql.Identifier(store.ref.schema)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def _record_while_daemon_is_down(
    niaga: Niaga, owner: Principal, count: int, start: int = 0
) -> None:
    """Commands whose events the live read models have not seen yet."""
    lagging = CustomerService(niaga.stores, DaemonDown())
    for i in range(start, start + count):
        customer = lagging.register(
            owner, RegisterCustomer(f"Pelanggan {i}", f"0813{i:08d}", nik=f"{i:016d}")
        )
        if i % 3 == 0:
            lagging.change_contact(owner, ChangeCustomerContact(customer, email=f"p{i}@example.id"))
        if i % 4 == 1:
            lagging.forget(owner, customer)


@pytest.fixture
def store(niaga: Niaga, owner: Principal) -> PostgresEventStore:
    for i in range(4):
        niaga.customers.register(owner, RegisterCustomer(f"Awal {i}", f"0812{i:08d}"))
    return store_of(niaga, owner.tenant_id)


@pytest.mark.parametrize("name", READ_MODELS)
def test_a_crash_mid_page_leaves_read_model_and_position_as_they_were(
    niaga: Niaga, owner: Principal, store: PostgresEventStore, name: str
) -> None:
    _record_while_daemon_is_down(niaga, owner, 6)
    projection = by_name(name)
    before = snapshot(niaga, store.ref.schema, projection)

    crashing = CrashMidPage(projection)

    with pytest.raises(Crash):
        niaga.projections.runner(store).catch_up(crashing)

    assert crashing.rows_written_before_crash > 0  # it did write, inside the page's transaction
    assert snapshot(niaga, store.ref.schema, projection) == before
    assert tracking_position(niaga, store.ref.schema, projection) < _head(niaga, store)


@pytest.mark.parametrize("name", READ_MODELS)
def test_after_a_crash_mid_page_the_projection_resumes_to_what_a_rebuild_gives(
    niaga: Niaga, owner: Principal, store: PostgresEventStore, name: str
) -> None:
    _record_while_daemon_is_down(niaga, owner, 9)
    projection = by_name(name)
    # pages of four: the second page dies after the first one committed
    runner = ProjectionService(niaga.stores, page_size=4).runner(store)
    crashing = CrashMidPage(projection, crash_on=2)

    with pytest.raises(Crash):
        runner.catch_up(crashing)
    assert crashing.rows_written_before_crash > 0
    reached = tracking_position(niaga, store.ref.schema, projection)
    runner.catch_up(projection)

    assert 0 < reached < _head(niaga, store)
    assert tracking_position(niaga, store.ref.schema, projection) == _head(niaga, store)
    assert snapshot(niaga, store.ref.schema, projection) == rebuilt(niaga, store, name)


def test_catching_up_twice_applies_nothing_the_second_time(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    _record_while_daemon_is_down(niaga, owner, 5)

    first = niaga.projections.catch_up(store)
    state = {n: snapshot(niaga, store.ref.schema, by_name(n)) for n in READ_MODELS}
    second = niaga.projections.catch_up(store)

    assert first > 0
    assert second == 0
    assert {n: snapshot(niaga, store.ref.schema, by_name(n)) for n in READ_MODELS} == state


@pytest.mark.parametrize("name", READ_MODELS)
def test_a_small_page_size_builds_the_same_read_model_as_a_big_one(
    niaga: Niaga, owner: Principal, store: PostgresEventStore, name: str
) -> None:
    _record_while_daemon_is_down(niaga, owner, 8)
    pages: list[tuple[int, int]] = []

    small = ProjectionService(niaga.stores, page_size=3)
    by_threes = rebuilt(niaga, store, name, small)
    big = rebuilt(niaga, store, name, ProjectionService(niaga.stores, page_size=1000))
    small.runner(store).catch_up(
        by_name(name), lambda position, head: pages.append((position, head))
    )

    assert by_threes == big
    assert len(pages) > 1  # the small one really went page by page
    niaga.projections.catch_up(store)
    assert snapshot(niaga, store.ref.schema, by_name(name)) == big


@pytest.mark.parametrize("name", [*READ_MODELS, "tenants"])
def test_a_rebuild_swaps_in_a_table_equal_to_the_live_one_at_the_head(
    niaga: Niaga, owner: Principal, store: PostgresEventStore, name: str
) -> None:
    _record_while_daemon_is_down(niaga, owner, 5)
    niaga.projections.catch_up(store)
    projection = by_name(name)
    live = snapshot(niaga, store.ref.schema, projection)
    progress: list[tuple[int, int]] = []

    count = niaga.projections.rebuild(store, projection, lambda p, h: progress.append((p, h)))

    assert snapshot(niaga, store.ref.schema, projection) == live
    assert tracking_position(niaga, store.ref.schema, projection) == _head(niaga, store)
    assert count > 0
    assert progress[-1] == (_head(niaga, store), _head(niaga, store))
    assert not _leftover_rebuild_schemas(niaga)


def test_a_rebuild_of_a_lagging_projection_brings_it_to_the_head(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    _record_while_daemon_is_down(niaga, owner, 5)
    projection = by_name("customer_list")

    niaga.projections.rebuild(store, projection)

    assert tracking_position(niaga, store.ref.schema, projection) == _head(niaga, store)
    assert niaga.queries.customers(owner, None, 100, None).total_count == 4 + 5


def test_the_live_projection_carries_on_after_a_rebuild(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    for name in READ_MODELS:
        niaga.projections.rebuild(store, by_name(name))

    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))

    assert niaga.queries.customer(owner, budi).name == "Budi"
    assert_live_equals_rebuild(niaga, store)


def test_status_shows_the_lag_and_none_after_catching_up(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    _record_while_daemon_is_down(niaga, owner, 3)
    schema = store.ref.schema
    lagging = [s.status for s in niaga.projections.status() if s.store == schema]

    niaga.projections.catch_up_all()

    caught_up = niaga.projections.status()
    assert {s.name for s in lagging} >= {"tenants", "customer_list", "audit_log"}
    assert any(s.lag > 0 for s in lagging)
    assert {(s.store, s.status.lag) for s in caught_up} == {(schema, 0)}
    assert {s.status.position for s in caught_up} == {_head(niaga, store)}


def _leftover_rebuild_schemas(niaga: Niaga) -> list[str]:
    with niaga.database.connection() as conn:
        rows = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'"
        ).fetchall()
    return [r[0] for r in rows]


def test_the_read_models_of_different_tenants_in_one_store_do_not_mix(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    other = principal_for(niaga.tenants.create("Tenant B", Placement.SHARED))
    niaga.customers.register(other, RegisterCustomer("Budi B", "081234567890"))

    mine = niaga.queries.customers(owner, None, 100, None)
    theirs = niaga.queries.customers(other, None, 100, None)

    assert {c.tenant_id for c in mine.items} == {owner.tenant_id}
    assert [c.name for c in theirs.items] == ["Budi B"]
    assert all(
        e.tenant_id == other.tenant_id
        for e in niaga.queries.audit_log(other, None, 100, None).items
    )


def test_a_command_sees_its_own_write_after_another_runner_held_the_projection(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    registered: list[uuid.UUID] = []
    with niaga.database.direct() as other_runner:
        key = lock_key(store.ref.schema, "customer_list")
        other_runner.execute("SELECT pg_advisory_lock(%s)", (key,))
        command = threading.Thread(
            target=lambda: registered.append(
                niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
            )
        )
        command.start()
        time.sleep(0.2)  # the other runner finishes the page it had started, and lets go
        other_runner.execute("SELECT pg_advisory_unlock(%s)", (key,))
        command.join()

    assert niaga.queries.customer(owner, registered[0]).name == "Budi"


def test_a_rebuild_drops_the_scratch_schema_a_killed_rebuild_left(
    niaga: Niaga, store: PostgresEventStore
) -> None:
    with niaga.database.connection() as conn:  # what a rebuild killed mid-way leaves behind
        conn.execute("CREATE SCHEMA rebuild_killed0001")
        conn.execute("CREATE TABLE rebuild_killed0001.customer_list (id uuid)")

    niaga.projections.rebuild(store, by_name("customer_list"))

    with niaga.database.connection() as conn:
        left = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'"
        ).fetchall()
    assert left == []


def test_projections_caught_up_together_from_different_positions_apply_each_event_once(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    _record_while_daemon_is_down(niaga, owner, 4)
    runner = ProjectionService(niaga.stores, page_size=3).runner(store)
    runner.catch_up(by_name("customer_list"))  # ahead of the audit log now
    _record_while_daemon_is_down(niaga, owner, 5, start=100)

    applied = runner.catch_up_together([by_name(n) for n in READ_MODELS])

    assert applied > 0
    for name in READ_MODELS:
        projection = by_name(name)
        assert tracking_position(niaga, store.ref.schema, projection) == _head(niaga, store)
        assert snapshot(niaga, store.ref.schema, projection) == rebuilt(niaga, store, name)


def test_a_command_waits_only_for_the_read_models_of_what_it_saved(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    lagging = CustomerService(niaga.stores, DaemonDown())
    with niaga.database.direct() as rebuild_in_progress:
        # A runner holds the invoice list (which reads no customer events) throughout.
        key = lock_key(store.ref.schema, "invoices")
        rebuild_in_progress.execute("SELECT pg_advisory_lock(%s)", (key,))
        saved = _saved_by(niaga, store, lambda: lagging.register(owner, BUDI))
        reached = niaga.projections.wait(store, saved, timeout=1.0)
        everything = niaga.projections.wait(store, saved.position, timeout=0.2)
        rebuild_in_progress.execute("SELECT pg_advisory_unlock(%s)", (key,))

    assert reached
    assert not everything  # a bare position waits for every read model, the held one too
    assert tracking_position(niaga, store.ref.schema, by_name("customer_list")) >= saved.position


BUDI = RegisterCustomer("Budi", "081234567890")


def _saved_by(niaga: Niaga, store: PostgresEventStore, command: Any) -> Saved:
    """What a command saved: the position of its last event and the topics of all of them."""
    before = _head(niaga, store)
    command()
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL(
                "SELECT max(notification_id), array_agg(DISTINCT topic) FROM {}.niaga_events "
                "WHERE notification_id > %s"
            ).format(sql.Identifier(store.ref.schema)),
            (before,),
        ).fetchone()
    assert row is not None
    return Saved(int(row[0]), frozenset(row[1]))


def test_concurrent_commands_each_read_their_own_write_and_live_equals_rebuild(
    niaga: Niaga, owner: Principal, store: PostgresEventStore
) -> None:
    seen: list[bool] = []
    failures: list[BaseException] = []

    def register_and_read(i: int) -> None:
        try:
            for j in range(5):
                customer = niaga.customers.register(
                    owner, RegisterCustomer(f"Serentak {i}-{j}", f"0815{i:04d}{j:04d}")
                )
                seen.append(niaga.queries.customer(owner, customer).name == f"Serentak {i}-{j}")
        except BaseException as error:  # reported below, on the test's thread
            failures.append(error)

    threads = [threading.Thread(target=register_and_read, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert seen == [True] * 30
    niaga.projections.catch_up(store)
    assert_live_equals_rebuild(niaga, store)

"""Tamper evidence: the hash chain over a store's log names any event altered, deleted or
inserted outside the recorder, and stores recorded before the chain get it backfilled."""

from __future__ import annotations

import uuid
from typing import Any

from psycopg import sql

from adapters.audit import chain_verification
from adapters.audit.chain_verification import Breach, ChainReport
from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal, recording
from domain.customers.customer import Customer
from migrations import runner as migrations
from tests.integration.read_models import event_count, store_of


def _customers(niaga: Niaga, owner: Principal, count: int) -> list[uuid.UUID]:
    ids = [
        niaga.customers.register(owner, RegisterCustomer(f"Pelanggan {i}", f"0812555000{i:02d}"))
        for i in range(count)
    ]
    niaga.customers.change_contact(owner, ChangeCustomerContact(ids[0], name="Budi Santoso"))
    return ids


def _verify(niaga: Niaga, schema: str) -> ChainReport:
    with niaga.database.connection() as conn:
        return chain_verification.verify(conn, schema, schema)


def _execute(niaga: Niaga, query: str, schema: str, *params: Any) -> list[tuple[Any, ...]]:
    with niaga.database.connection() as conn:
        cur = conn.execute(sql.SQL(query).format(sql.Identifier(schema)), params)
        return cur.fetchall() if cur.description else []


def _event_at(niaga: Niaga, schema: str, offset: int) -> tuple[int, uuid.UUID, int]:
    [row] = _execute(
        niaga,
        "SELECT notification_id, originator_id, originator_version FROM {}.niaga_events "
        "WHERE topic LIKE '%%Customer.%%' ORDER BY notification_id OFFSET %s LIMIT 1",
        schema,
        offset,
    )
    return int(row[0]), row[1], int(row[2])


def test_an_untouched_log_verifies_and_every_event_is_linked(
    niaga: Niaga, owner: Principal
) -> None:
    _customers(niaga, owner, 3)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    report = _verify(niaga, schema)
    assert report.intact, [p.describe() for p in report.problems]
    assert report.checked == event_count(niaga, schema)
    [(head_id,)] = _execute(niaga, "SELECT max(notification_id) FROM {}.niaga_events", schema)
    assert report.head_id == head_id


def test_an_event_altered_in_sql_is_named(niaga: Niaga, owner: Principal) -> None:
    _customers(niaga, owner, 3)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    position, customer_id, version = _event_at(niaga, schema, 1)
    _execute(
        niaga,
        "UPDATE {}.niaga_events SET state = state || '\\x20'::bytea WHERE notification_id = %s",
        schema,
        position,
    )
    [problem] = _verify(niaga, schema).problems
    assert problem.breach is Breach.ALTERED
    assert (problem.notification_id, problem.originator_id) == (position, customer_id)
    assert problem.originator_version == version
    assert problem.aggregate_type == "Customer"
    assert f"notification {position} Customer {customer_id} version {version}" in (
        problem.describe()
    )


def test_a_deleted_event_is_named_by_its_remaining_link(niaga: Niaga, owner: Principal) -> None:
    _customers(niaga, owner, 3)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    position, customer_id, version = _event_at(niaga, schema, 2)
    _execute(niaga, "DELETE FROM {}.niaga_events WHERE notification_id = %s", schema, position)
    [problem] = _verify(niaga, schema).problems
    assert problem.breach is Breach.DELETED
    assert (problem.notification_id, problem.originator_id) == (position, customer_id)
    assert problem.originator_version == version


def test_an_event_deleted_with_its_link_is_named_by_the_next_link(
    niaga: Niaga, owner: Principal
) -> None:
    _customers(niaga, owner, 3)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    position, _, _ = _event_at(niaga, schema, 1)
    _execute(niaga, "DELETE FROM {}.niaga_events WHERE notification_id = %s", schema, position)
    _execute(niaga, "DELETE FROM {}.niaga_event_chain WHERE notification_id = %s", schema, position)
    [problem] = _verify(niaga, schema).problems
    assert (problem.breach, problem.notification_id) == (Breach.UNLINKED, position)


def test_an_event_inserted_out_of_band_is_named(niaga: Niaga, owner: Principal) -> None:
    [customer_id, *_] = _customers(niaga, owner, 2)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    [(position,)] = _execute(
        niaga,
        "INSERT INTO {0}.niaga_events (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 100, topic, state FROM {0}.niaga_events "
        "WHERE originator_id = %s AND originator_version = 1 RETURNING notification_id",
        schema,
        customer_id,
    )
    [problem] = _verify(niaga, schema).problems
    assert problem.breach is Breach.INSERTED
    assert (problem.notification_id, problem.originator_id) == (position, customer_id)
    assert problem.originator_version == 101


def test_every_breach_is_reported_and_the_first_comes_first(niaga: Niaga, owner: Principal) -> None:
    _customers(niaga, owner, 4)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    altered, _, _ = _event_at(niaga, schema, 1)
    deleted, _, _ = _event_at(niaga, schema, 3)
    _execute(
        niaga,
        "UPDATE {}.niaga_events SET topic = topic || 'x' WHERE notification_id = %s",
        schema,
        altered,
    )
    _execute(niaga, "DELETE FROM {}.niaga_events WHERE notification_id = %s", schema, deleted)
    problems = _verify(niaga, schema).problems
    assert [(p.breach, p.notification_id) for p in problems] == [
        (Breach.ALTERED, altered),
        (Breach.DELETED, deleted),
    ]


def _bulk(niaga: Niaga, owner: Principal, count: int) -> None:
    """Many events in one save, as a billing run makes them (linked in Python, not in SQL)."""
    store = store_of(niaga, owner.tenant_id)
    with recording("Seed", actor=owner.actor, tenant_id=owner.tenant_id):
        store.save(
            *(
                Customer.register(owner.tenant_id, f"Massal {i}", f"0819{i:08d}")
                for i in range(count)
            )
        )


def test_many_events_saved_at_once_are_linked_like_single_commands(
    niaga: Niaga, owner: Principal
) -> None:
    ids = _customers(niaga, owner, 2)
    _bulk(niaga, owner, 20)
    niaga.customers.change_contact(owner, ChangeCustomerContact(ids[1], name="Ani Lestari"))
    schema = store_of(niaga, owner.tenant_id).ref.schema
    report = _verify(niaga, schema)
    assert report.intact, [p.describe() for p in report.problems]
    assert report.checked == event_count(niaga, schema)


def test_a_store_recorded_before_the_chain_gets_the_same_chain_from_the_migration(
    niaga: Niaga, owner: Principal
) -> None:
    _customers(niaga, owner, 3)
    _bulk(niaga, owner, 12)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    recorded = _execute(niaga, "SELECT * FROM {}.niaga_event_chain ORDER BY 1", schema)
    _execute(niaga, "DROP TABLE {}.niaga_event_chain", schema)
    _execute(
        niaga,
        "DELETE FROM {}.schema_migrations WHERE set_name = 'store' AND version = %s",
        schema,
        "0003_event_chain",
    )
    with niaga.database.connection() as conn:
        assert migrations.apply(conn, schema, ("store",)) == ["store/0003_event_chain"]
    backfilled = _execute(niaga, "SELECT * FROM {}.niaga_event_chain ORDER BY 1", schema)
    assert backfilled == recorded
    assert _verify(niaga, schema).intact


def _rechain(niaga: Niaga, schema: str) -> None:
    """What someone able to write the tables could do: recompute the whole chain."""
    _execute(niaga, "DROP TABLE {}.niaga_event_chain", schema)
    _execute(
        niaga,
        "DELETE FROM {}.schema_migrations WHERE set_name = 'store' AND version = %s",
        schema,
        "0003_event_chain",
    )
    with niaga.database.connection() as conn:
        migrations.apply(conn, schema, ("store",))


def test_a_recomputed_chain_is_caught_by_a_head_kept_elsewhere(
    niaga: Niaga, owner: Principal
) -> None:
    _customers(niaga, owner, 3)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    kept = _verify(niaga, schema)
    position, _, _ = _event_at(niaga, schema, 1)
    _execute(
        niaga,
        "UPDATE {}.niaga_events SET state = state || '\\x20'::bytea WHERE notification_id = %s",
        schema,
        position,
    )
    _rechain(niaga, schema)
    with niaga.database.connection() as conn:
        anchored = chain_verification.verify(
            conn, schema, schema, anchors={kept.head_id: kept.head_hash}
        )

    assert _verify(niaga, schema).intact  # the rewrite is consistent in itself
    [problem] = anchored.problems
    assert (problem.breach, problem.notification_id) == (Breach.UNANCHORED, kept.head_id)


def test_a_log_cut_short_is_caught_by_a_head_kept_elsewhere(niaga: Niaga, owner: Principal) -> None:
    _customers(niaga, owner, 2)
    schema = store_of(niaga, owner.tenant_id).ref.schema
    kept = _verify(niaga, schema)
    _execute(niaga, "DELETE FROM {}.niaga_events WHERE notification_id = %s", schema, kept.head_id)
    _execute(
        niaga, "DELETE FROM {}.niaga_event_chain WHERE notification_id = %s", schema, kept.head_id
    )
    with niaga.database.connection() as conn:
        anchored = chain_verification.verify(
            conn, schema, schema, anchors={kept.head_id: kept.head_hash}
        )

    assert _verify(niaga, schema).intact
    assert [(p.breach, p.notification_id) for p in anchored.problems] == [
        (Breach.UNANCHORED, kept.head_id)
    ]

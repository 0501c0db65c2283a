"""Events stored before their domain module moved into an area package keep their old topic:
they still load into aggregates and still reach the projections that follow their type."""

from __future__ import annotations

import uuid

from psycopg import sql

from adapters.bootstrap import Niaga
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal
from application.shared.unit_of_work import find
from domain.customers.customer import Customer
from domain.shared.topics import MOVED_MODULES, topics_of
from tests.integration.read_models import assert_live_equals_rebuild, rows, store_of


def _store_under_old_topics(niaga: Niaga, schema: str) -> int:
    """Rewrite the stored topics as a release before the move wrote them."""
    with niaga.database.connection() as conn:
        changed = 0
        for old, new in MOVED_MODULES.items():
            changed += conn.execute(
                sql.SQL(
                    "UPDATE {}.niaga_events SET topic = %s || substr(topic, %s) WHERE topic LIKE %s"
                ).format(sql.Identifier(schema)),
                (old, len(new) + 1, f"{new}:%"),
            ).rowcount
        return changed


def test_every_moved_module_keeps_its_old_topic_beside_the_new_one() -> None:
    assert topics_of(Customer.Registered) == [
        "domain.customers.customer:Customer.Registered",
        "domain.customer:Customer.Registered",
    ]


def test_an_event_stored_under_its_old_topic_loads_and_is_projected(
    niaga: Niaga, tenant_id: uuid.UUID, owner: Principal
) -> None:
    customer_id = niaga.customers.register(owner, RegisterCustomer("Budi Santoso", "081234567890"))
    store = store_of(niaga, tenant_id)
    assert _store_under_old_topics(niaga, store.ref.schema) > 0

    loaded = find(store, Customer, customer_id)
    assert loaded is not None
    assert loaded.name == "Budi Santoso"

    niaga.customers.change_contact(owner, ChangeCustomerContact(customer_id, name="Budi S."))
    [row] = [r for r in rows(niaga, store.ref.schema, "customer_list") if r[0] == customer_id]
    assert "Budi S." in row
    assert_live_equals_rebuild(niaga, store)

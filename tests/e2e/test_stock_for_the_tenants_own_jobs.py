"""Stock moves by hand only for the caller's own repair jobs, over real HTTP: reserving,
consuming or releasing an item for a job id that names nothing, or names another tenant's job,
answers NOT_FOUND naming the job and records nothing."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import event_count, store_of

ITEM = "{ __typename ... on InventoryItemSuccess { item { onHand reserved } } }"
REFUSAL = "{ __typename ... on Error { code field } }"
MOVES = {
    "reserveStock": "reserveStock(itemId: $item, jobId: $job, quantity: 1)",
    "consumeStock": "consumeStock(itemId: $item, jobId: $job, quantity: 1)",
    "releaseStock": "releaseStock(itemId: $item, jobId: $job)",
}
_DEVICE = 'deviceType: "smartphone", brand: "Vivo", model: "Y20", complaint: "tidak bisa cas"'


def _move(field: str) -> str:
    return f"mutation($item: ID!, $job: ID!) {{ {MOVES[field]} {REFUSAL} }}"


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


@pytest.fixture
def item(gql: GraphQL) -> str:
    registered: Any = gql(
        'mutation { registerInventoryItem(input: {sku: "CAS-Y20", name: "Port cas Vivo Y20", '
        "cost: 30000, price: 75000, openingStock: 3}) { ... on InventoryItemSuccess "
        "{ item { id } } } }"
    )
    item_id: str = registered["registerInventoryItem"]["item"]["id"]
    return item_id


@pytest.fixture
def their_job(niaga: Niaga, server: str) -> str:
    """A job received by another tenant of the same (shared) store."""
    tenant_id = niaga.tenants.create("Servis Sebelah", Placement.SHARED)
    theirs = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    customer: Any = theirs(
        'mutation { registerCustomer(input: {name: "Tetangga", phone: "081298700011"}) {'
        " ... on RegisterCustomerSuccess { customer { id } } } }"
    )
    received: Any = theirs(
        f"mutation($id: ID!) {{ receiveRepairJob(input: {{customerId: $id, {_DEVICE}}}) {{"
        " ... on RepairJobSuccess { job { id } } } }",
        id=customer["registerCustomer"]["customer"]["id"],
    )
    job_id: str = received["receiveRepairJob"]["job"]["id"]
    return job_id


def _settled_events(niaga: Niaga, owner: Principal) -> int:
    """The store's event count once the server's dispatchers have finished with what came
    before (a received job's notice is marked skipped shortly after, with no WhatsApp set up)."""
    schema = store_of(niaga, owner.tenant_id).ref.schema
    deadline = time.monotonic() + 15
    count = event_count(niaga, schema)
    while time.monotonic() < deadline:
        time.sleep(1.5)
        again = event_count(niaga, schema)
        if again == count:
            return count
        count = again
    pytest.fail("the store kept recording events")


def _stock(gql: GraphQL, item: str) -> tuple[int, int, int]:
    """On hand, reserved, and how many movements the item has seen."""
    found: Any = gql(
        'query($id: ID!) { inventoryItems(search: "CAS-Y20") { edges { node { onHand reserved } } }'
        " stockMovements(itemId: $id) { totalCount } }",
        id=item,
    )
    (level,) = found["inventoryItems"]["edges"]
    return level["node"]["onHand"], level["node"]["reserved"], found["stockMovements"]["totalCount"]


@pytest.mark.parametrize("field", MOVES)
def test_stock_moved_for_a_job_id_that_names_nothing_is_refused_and_recorded_nowhere(
    niaga: Niaga, owner: Principal, gql: GraphQL, item: str, field: str
) -> None:
    before = _settled_events(niaga, owner)

    refusal = gql(_move(field), item=item, job=str(uuid.uuid4()))[field]

    assert refusal == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "job_id"}
    assert event_count(niaga, store_of(niaga, owner.tenant_id).ref.schema) == before
    assert _stock(gql, item) == (3, 0, 1)  # the opening stock only


@pytest.mark.parametrize("field", MOVES)
def test_stock_moved_for_another_tenants_job_is_refused_like_a_missing_job(
    niaga: Niaga, owner: Principal, gql: GraphQL, item: str, their_job: str, field: str
) -> None:
    before = _settled_events(niaga, owner)

    refusal = gql(_move(field), item=item, job=their_job)[field]

    assert refusal == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "job_id"}
    assert event_count(niaga, store_of(niaga, owner.tenant_id).ref.schema) == before
    assert _stock(gql, item) == (3, 0, 1)  # the opening stock only


def test_stock_moves_for_the_tenants_own_job(niaga: Niaga, gql: GraphQL, item: str) -> None:
    customer: Any = gql(
        'mutation { registerCustomer(input: {name: "Rina", phone: "081298700022"}) {'
        " ... on RegisterCustomerSuccess { customer { id } } } }"
    )
    received: Any = gql(
        f"mutation($id: ID!) {{ receiveRepairJob(input: {{customerId: $id, {_DEVICE}}}) {{"
        " ... on RepairJobSuccess { job { id } } } }",
        id=customer["registerCustomer"]["customer"]["id"],
    )
    job = received["receiveRepairJob"]["job"]["id"]
    moved = f"mutation($item: ID!, $job: ID!) {{ {MOVES['reserveStock']} {ITEM} }}"

    reserved: Any = gql(moved, item=item, job=job)

    assert reserved["reserveStock"]["item"] == {"onHand": 3, "reserved": 1}

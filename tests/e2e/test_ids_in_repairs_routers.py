"""Ids in GraphQL for the repair shop and the routers, over real HTTP: an id that names nothing
answers NOT_FOUND, a malformed one INVALID_VALUE naming its argument, and an id that only
filters a list finds nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

MALFORMED = "bukan-id"


@dataclass(frozen=True)
class ById:
    """A field that reads or changes one thing named by its id argument `argument`."""

    field: str
    document: str
    argument: str = "id"


QUERIES = [
    ById("repairJob", "query($id: ID!) { repairJob(id: $id) { id } }"),
    ById("purchaseOrder", "query($id: ID!) { purchaseOrder(id: $id) { id } }"),
]
_ERROR = "... on Error { code field }"


def _mutation(field: str, arguments: str, argument: str = "id") -> ById:
    return ById(field, f"mutation($id: ID!) {{ {field}({arguments}) {{ {_ERROR} }} }}", argument)


def _on_job(field: str, arguments: str = "") -> ById:
    return _mutation(field, ", ".join(a for a in ("jobId: $id", arguments) if a), "jobId")


def _on_item(field: str, arguments: str) -> ById:
    return _mutation(field, f"itemId: $id, {arguments}", "itemId")


_DEVICE = 'deviceType: "smartphone", brand: "Oppo", model: "A5", complaint: "mati total"'
MUTATIONS = [
    _mutation("deactivateTechnician", "id: $id"),
    _mutation("receiveRepairJob", f"input: {{customerId: $id, {_DEVICE}}}", "customerId"),
    _on_job("assignTechnician", "technicianId: $id"),
    _on_job("changeRepairPriority", 'priority: "high"'),
    _on_job("diagnoseRepairJob", 'diagnosis: "IC power"'),
    _mutation(
        "quoteRepairJob",
        'input: {jobId: $id, labour: [{description: "Servis", amount: 50000}]}',
        "jobId",
    ),
    _on_job("answerRepairQuote", "approve: true"),
    _on_job("startRepair"),
    _on_job("completeRepair"),
    _on_job("deliverRepairJob"),
    _on_job("cancelRepairJob", 'reason: "batal"'),
    _on_job("claimRepairWarranty", 'complaint: "mati lagi"'),
    _on_job("invoiceRepairJob"),
    _on_item("repriceInventoryItem", "price: 50000"),
    _on_item("receiveStock", "quantity: 1, unitCost: 1000"),
    _on_item("adjustStock", 'delta: -1, reason: "rusak"'),
    _on_item("stockTake", "counted: 3"),
    _on_item("reserveStock", "jobId: $id, quantity: 1"),
    _on_item("releaseStock", "jobId: $id"),
    _on_item("consumeStock", "jobId: $id, quantity: 1"),
    _mutation(
        "draftPurchaseOrder",
        'supplier: "CV Sparepart", lines: [{itemId: $id, quantity: 1, unitCost: 1000}]',
        "itemId",
    ),
    _mutation("placePurchaseOrder", "id: $id"),
    _mutation("cancelPurchaseOrder", "id: $id"),
    _mutation("receivePurchaseOrder", "id: $id, lines: [{itemId: $id, quantity: 1}]"),
    _mutation(
        "counterSale",
        "input: {customerId: $id, lines: [{itemId: $id}], "
        'payments: [{method: "cash", amount: 1000}]}',
        "customerId",
    ),
    _mutation("updateRouter", 'input: {id: $id, host: "10.0.0.9"}'),
    _mutation("testRouterConnection", "id: $id"),
]
FILTERS = [
    ById(
        "repairJobs",
        "query($id: ID) { repairJobs(technicianId: $id) { totalCount } }",
        "technicianId",
    ),
    ById(
        "stockMovements", "query($id: ID) { stockMovements(itemId: $id) { totalCount } }", "itemId"
    ),
]


def _label(case: ById) -> str:
    return f"{case.field}.{case.argument}"


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


def _query_error(gql: GraphQL, document: str, **variables: object) -> dict[str, Any]:
    response = gql.post(document, **variables)
    body = response.json()
    assert (response.status_code, body["data"]) == (400, None), body
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def _refusal(gql: GraphQL, case: ById, raw_id: str) -> dict[str, Any]:
    refusal: dict[str, Any] = gql(case.document, id=raw_id)[case.field]  # type: ignore[assignment]
    return refusal


@pytest.mark.parametrize("case", QUERIES, ids=_label)
def test_a_query_by_an_unknown_id_answers_not_found(gql: GraphQL, case: ById) -> None:
    extensions = _query_error(gql, case.document, id=str(uuid.uuid4()))
    assert (extensions["code"], extensions["field"]) == ("NOT_FOUND", case.argument)


@pytest.mark.parametrize("case", QUERIES, ids=_label)
def test_a_query_by_a_malformed_id_answers_invalid_value_naming_the_argument(
    gql: GraphQL, case: ById
) -> None:
    extensions = _query_error(gql, case.document, id=MALFORMED)
    assert (extensions["code"], extensions["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize("case", MUTATIONS, ids=_label)
def test_a_mutation_on_an_unknown_id_is_refused_as_not_found(gql: GraphQL, case: ById) -> None:
    assert _refusal(gql, case, str(uuid.uuid4()))["code"] == "NOT_FOUND"


@pytest.mark.parametrize("case", MUTATIONS, ids=_label)
def test_a_mutation_on_a_malformed_id_is_refused_as_invalid_value_naming_the_argument(
    gql: GraphQL, case: ById
) -> None:
    refusal = _refusal(gql, case, MALFORMED)
    assert (refusal["code"], refusal["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize("case", FILTERS, ids=_label)
def test_a_list_filtered_by_an_unknown_id_is_empty_and_by_a_malformed_one_refused(
    gql: GraphQL, case: ById
) -> None:
    assert gql(case.document, id=str(uuid.uuid4()))[case.field] == {"totalCount": 0}
    extensions = _query_error(gql, case.document, id=MALFORMED)
    assert (extensions["code"], extensions["field"]) == ("INVALID_VALUE", case.argument)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ('{ repairJobs(status: "hilang") { totalCount } }', "status"),
        ('{ repairJobs(priority: "segera") { totalCount } }', "priority"),
        ("{ repairJobs(first: 0) { totalCount } }", "first"),
        ("{ inventoryItems(first: 501) { totalCount } }", "first"),
        ('{ purchaseOrders(status: "lunas") { totalCount } }', "status"),
        ("{ bestSellingItems(first: 0) { sku } }", "first"),
        ('{ provisioningStatus(status: "stuck") { status } }', "status"),
        ('{ provisioningStatus(kind: "modem") { kind } }', "kind"),
        ("{ provisioningStatus(first: 0) { kind } }", "first"),
    ],
)
def test_a_list_read_with_an_argument_out_of_range_is_refused_naming_it(
    gql: GraphQL, document: str, field: str
) -> None:
    assert _query_error(gql, document)["field"] == field


def test_another_tenants_job_and_purchase_order_are_not_found(
    niaga: Niaga, gql: GraphQL, server: str
) -> None:
    tenant_id = niaga.tenants.create("Servis Sebelah", Placement.SHARED)
    theirs = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    customer = theirs(
        'mutation { registerCustomer(input: {name: "Rahasia", phone: "081298765432"}) {'
        " ... on RegisterCustomerSuccess { customer { id } } } }"
    )["registerCustomer"]["customer"]["id"]  # type: ignore[index]
    job = theirs(
        f"mutation($id: ID!) {{ receiveRepairJob(input: {{customerId: $id, {_DEVICE}}}) {{"
        " ... on RepairJobSuccess { job { id } } } }",
        id=customer,
    )["receiveRepairJob"]["job"]["id"]  # type: ignore[index]
    item = theirs(
        'mutation { registerInventoryItem(input: {sku: "LCD-A5", name: "LCD Oppo A5", '
        "cost: 300000, price: 450000}) { ... on InventoryItemSuccess { item { id } } } }"
    )["registerInventoryItem"]["item"]["id"]  # type: ignore[index]
    order = theirs(
        'mutation($id: ID!) { draftPurchaseOrder(supplier: "CV Sparepart", lines: '
        "[{itemId: $id, quantity: 2, unitCost: 300000}]) {"
        " ... on PurchaseOrderSuccess { order { id } } } }",
        id=item,
    )["draftPurchaseOrder"]["order"]["id"]  # type: ignore[index]

    for case, raw_id in ((QUERIES[0], job), (QUERIES[1], order)):
        assert theirs(case.document, id=raw_id)[case.field] == {"id": raw_id}
        assert _query_error(gql, case.document, id=raw_id)["code"] == "NOT_FOUND"

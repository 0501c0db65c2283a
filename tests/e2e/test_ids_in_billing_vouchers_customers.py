"""Ids in GraphQL for customers, billing and vouchers, over real HTTP: an id that names nothing
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
    ById("customer", "query($id: ID!) { customer(id: $id) { id } }"),
    ById("invoice", "query($id: ID!) { invoice(id: $id) { id } }"),
    ById(
        "customerStatement",
        "query($id: ID!) { customerStatement(customerId: $id) { balance } }",
        "customerId",
    ),
    ById("agentLedger", "query($id: ID!) { agentLedger(agentId: $id) { totalCount } }", "agentId"),
]
_ERROR = "... on Error { code field }"


def _mutation(field: str, arguments: str, argument: str = "id") -> ById:
    return ById(field, f"mutation($id: ID!) {{ {field}({arguments}) {{ {_ERROR} }} }}", argument)


_SUBSCRIBE = 'billingDay: 5, router: "core", username: "budi"'
_PROFILE = (
    'name: "HARIAN", hotspotProfile: "default", validity: "1d", costPrice: 2000, sellingPrice: 3000'
)
MUTATIONS = [
    _mutation("changeCustomerContact", 'input: {id: $id, name: "Budi"}'),
    _mutation("forgetCustomer", "id: $id"),
    _mutation("changePlanPrice", "planId: $id, price: 150000", "planId"),
    _mutation("retirePlan", "planId: $id", "planId"),
    _mutation("addPromotion", 'input: {planId: $id, code: "HEMAT", kind: "fixed"}', "planId"),
    _mutation("subscribe", f"input: {{customerId: $id, planId: $id, {_SUBSCRIBE}}}", "customerId"),
    _mutation("activateSubscription", "id: $id"),
    _mutation("changePlan", "id: $id, planId: $id"),
    _mutation("softLimitSubscription", 'id: $id, reason: "telat"'),
    _mutation("suspendSubscription", 'id: $id, reason: "telat"'),
    _mutation("reactivateSubscription", "id: $id"),
    _mutation("terminateSubscription", 'id: $id, reason: "berhenti"'),
    _mutation(
        "draftInvoice",
        'input: {customerId: $id, lines: [{description: "Pasang", unitPrice: 100000}]}',
        "customerId",
    ),
    _mutation("issueInvoice", "id: $id"),
    _mutation("voidInvoice", 'id: $id, reason: "salah"'),
    _mutation("creditInvoice", 'id: $id, amount: 1000, reason: "gangguan"'),
    _mutation(
        "recordPayment",
        'input: {customerId: $id, amount: 1000, method: "cash", reference: "K-1"}',
        "customerId",
    ),
    _mutation(
        "submitTransfer", 'customerId: $id, amount: 1000, proofReference: "BCA-1"', "customerId"
    ),
    _mutation("approveTransfer", "id: $id"),
    _mutation("rejectTransfer", 'id: $id, reason: "buram"'),
    _mutation("createVoucherProfile", f"input: {{routerId: $id, {_PROFILE}}}", "routerId"),
    _mutation("updateVoucherProfile", "input: {id: $id, sellingPrice: 3500}"),
    _mutation("sellVouchers", "ids: [$id]", "ids"),
    _mutation("sellVoucher", "id: $id"),
    _mutation("revokeVoucher", 'id: $id, reason: "hilang"'),
    _mutation(
        "enrollAgent", 'input: {name: "Sari", phone: "081234500001", parentId: $id}', "parentId"
    ),
    _mutation("topUpAgent", 'agentId: $id, amount: 50000, reference: "T-1"', "agentId"),
    _mutation("adjustAgentBalance", 'agentId: $id, amount: -1000, reason: "koreksi"', "agentId"),
    _mutation("changeAgentCreditLimit", "agentId: $id, creditLimit: 10000", "agentId"),
    _mutation("requestAgentTopUp", "agentId: $id, amount: 50000", "agentId"),
    _mutation("issueAgentApiKey", "agentId: $id", "agentId"),
    _mutation("assignAgentShopCode", 'agentId: $id, code: "SARI01"', "agentId"),
    _mutation("createAgentTopUpLink", "agentId: $id, amount: 50000", "agentId"),
]
FILTERS = [
    ById(
        "invoices",
        "query($id: ID) { invoices(customerId: $id) { totalCount } }",
        "customerId",
    ),
    ById(
        "subscriptions",
        "query($id: ID) { subscriptions(planId: $id) { totalCount } }",
        "planId",
    ),
    ById("vouchers", "query($id: ID) { vouchers(profileId: $id) { totalCount } }", "profileId"),
    ById("vouchers", "query($id: ID) { vouchers(agentId: $id) { totalCount } }", "agentId"),
    ById("vouchers", "query($id: ID) { vouchers(batchId: $id) { totalCount } }", "batchId"),
    ById(
        "auditLog",
        "query($id: ID) { auditLog(aggregateId: $id) { edges { node { action } } } }",
        "aggregateId",
    ),
]


def _label(case: ById) -> str:
    return f"{case.field}.{case.argument}"


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


def _query_error(gql: GraphQL, case: ById, raw_id: str) -> dict[str, Any]:
    response = gql.post(case.document, id=raw_id)
    body = response.json()
    assert (response.status_code, body["data"]) == (400, None)
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    return extensions


def _coded(answer: dict[str, Any]) -> tuple[Any, Any]:
    return answer.get("code"), answer.get("field")


def _refusal(gql: GraphQL, case: ById, raw_id: str) -> dict[str, Any]:
    refusal: dict[str, Any] = gql(case.document, id=raw_id)[case.field]  # type: ignore[assignment]
    return refusal


# One server answers every case of a kind; the comparison names each case that answers wrong.


def test_every_query_by_an_unknown_id_answers_not_found_naming_the_argument(
    gql: GraphQL,
) -> None:
    answers = {_label(c): _coded(_query_error(gql, c, str(uuid.uuid4()))) for c in QUERIES}
    assert answers == {_label(c): ("NOT_FOUND", c.argument) for c in QUERIES}


def test_every_query_by_a_malformed_id_answers_invalid_value_naming_the_argument(
    gql: GraphQL,
) -> None:
    answers = {_label(c): _coded(_query_error(gql, c, MALFORMED)) for c in QUERIES}
    assert answers == {_label(c): ("INVALID_VALUE", c.argument) for c in QUERIES}


def test_every_mutation_on_an_unknown_id_is_refused_as_not_found(gql: GraphQL) -> None:
    answers = {_label(c): _refusal(gql, c, str(uuid.uuid4())).get("code") for c in MUTATIONS}
    assert answers == {_label(c): "NOT_FOUND" for c in MUTATIONS}


def test_every_mutation_on_a_malformed_id_is_refused_as_invalid_value_naming_the_argument(
    gql: GraphQL,
) -> None:
    answers = {_label(c): _coded(_refusal(gql, c, MALFORMED)) for c in MUTATIONS}
    assert answers == {_label(c): ("INVALID_VALUE", c.argument) for c in MUTATIONS}


def test_every_list_filtered_by_an_unknown_id_is_empty_and_by_a_malformed_one_refused(
    gql: GraphQL,
) -> None:
    for case in FILTERS:
        answer = gql(case.document, id=str(uuid.uuid4()))[case.field]
        assert answer in ({"totalCount": 0}, {"edges": []}), _label(case)
    answers = {_label(c): _coded(_query_error(gql, c, MALFORMED)) for c in FILTERS}
    assert answers == {_label(c): ("INVALID_VALUE", c.argument) for c in FILTERS}


def test_another_tenants_customer_and_invoice_are_not_found(
    niaga: Niaga, gql: GraphQL, server: str
) -> None:
    theirs = GraphQL(server, _other_tenants_key(niaga))
    registered = theirs(
        'mutation { registerCustomer(input: {name: "Rahasia", phone: "081298765432"}) {'
        " ... on RegisterCustomerSuccess { customer { id } } } }"
    )["registerCustomer"]
    customer_id = registered["customer"]["id"]  # type: ignore[index]
    drafted = theirs(
        "mutation($id: ID!) { draftInvoice(input: {customerId: $id, lines: "
        '[{description: "Pasang", unitPrice: 100000}]}) {'
        " ... on InvoiceSuccess { invoice { id } } } }",
        id=customer_id,
    )["draftInvoice"]
    invoice_id = drafted["invoice"]["id"]  # type: ignore[index]

    for case, raw_id in ((QUERIES[0], customer_id), (QUERIES[1], invoice_id)):
        assert theirs(case.document, id=raw_id)[case.field] == {"id": raw_id}
        assert _query_error(gql, case, raw_id)["code"] == "NOT_FOUND"


def _other_tenants_key(niaga: Niaga) -> str:
    tenant_id = niaga.tenants.create("Toko Sebelah", Placement.SHARED)
    return niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token

"""The repair shop through GraphQL on a real server: a device from intake to hand-over, the
customer's WhatsApp answer, the counter, refusals, and the job board pushed over a websocket."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from adapters.bootstrap import Niaga
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

JOB_FIELDS = """
  id status priority technicianName dueAt slaSecondsLeft price partsCost labour margin
  invoiceId warrantyUntil
"""
JOB_RESULT = (
    "{ __typename ... on RepairJobSuccess { job { " + JOB_FIELDS + " } } "
    "... on Error { code message field } }"
)
RECEIVE = (
    "mutation($input: ReceiveRepairJobInput!) { receiveRepairJob(input: $input) "
    + JOB_RESULT
    + " }"
)
DIAGNOSE = (
    "mutation($id: ID!, $d: String!) { diagnoseRepairJob(jobId: $id, diagnosis: $d) "
    + JOB_RESULT
    + " }"
)
QUOTE = (
    "mutation($input: QuoteRepairJobInput!) { quoteRepairJob(input: $input) " + JOB_RESULT + " }"
)
ANSWER = (
    "mutation($id: ID!, $ok: Boolean!) { answerRepairQuote(jobId: $id, approve: $ok) "
    + JOB_RESULT
    + " }"
)
START = "mutation($id: ID!) { startRepair(jobId: $id) " + JOB_RESULT + " }"
COMPLETE = 'mutation($id: ID!) { completeRepair(jobId: $id, notes: "OK") ' + JOB_RESULT + " }"
DELIVER = "mutation($id: ID!) { deliverRepairJob(jobId: $id) " + JOB_RESULT + " }"
ASSIGN = (
    "mutation($id: ID!, $t: ID!) { assignTechnician(jobId: $id, technicianId: $t) "
    + JOB_RESULT
    + " }"
)
INVOICE = """
mutation($id: ID!) { invoiceRepairJob(jobId: $id) {
  __typename ... on InvoicedSuccess { invoiceId number total } ... on Error { code message }
} }"""
ITEM_RESULT = (
    "{ __typename ... on InventoryItemSuccess { item { id sku onHand reserved available "
    "lowStock } } ... on Error { code message field } }"
)
REGISTER_ITEM = (
    "mutation($input: RegisterInventoryItemInput!) { registerInventoryItem(input: $input) "
    + ITEM_RESULT
    + " }"
)
CONSUME = (
    "mutation($item: ID!, $job: ID!, $q: Int!) { consumeStock(itemId: $item, jobId: $job, "
    "quantity: $q) " + ITEM_RESULT + " }"
)
SALE = """
mutation($input: CounterSaleInput!) { counterSale(input: $input) {
  __typename ... on InvoicedSuccess { invoiceId number total } ... on Error { code message field }
} }"""


def _shop(niaga: Niaga, server: str) -> tuple[GraphQL, dict[str, str]]:
    tenant_id = niaga.tenants.create("Servis HP Makmur", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    customer = gql(
        'mutation { registerCustomer(input: {name: "Rina", phone: "081255566677"}) '
        "{ ... on RegisterCustomerSuccess { customer { id } } } }"
    )["registerCustomer"]["customer"]["id"]  # type: ignore[index]
    technician = gql(
        'mutation { addTechnician(name: "Bayu") { ... on TechnicianSuccess '
        "{ technician { id } } } }"
    )["addTechnician"]["technician"]["id"]  # type: ignore[index]
    item = gql(
        REGISTER_ITEM,
        input={
            "sku": "BAT-IP11",
            "name": "Baterai iPhone 11",
            "cost": 250_000,
            "price": 400_000,
            "reorderPoint": 1,
            "openingStock": 2,
        },
    )["registerInventoryItem"]["item"]["id"]  # type: ignore[index]
    return gql, {"customer": customer, "technician": technician, "item": item}


def _receive(gql: GraphQL, ids: dict[str, str], technician: bool = True) -> dict[str, Any]:
    job_input: dict[str, Any] = {
        "customerId": ids["customer"],
        "deviceType": "smartphone",
        "brand": "Apple",
        "model": "iPhone 11",
        "serial": "353912110000000",
        "complaint": "baterai cepat habis",
        "accessories": ["charger"],
        "photos": ["s3://foto/ip11.jpg"],
        "priority": "high",
    }
    if technician:
        job_input["technicianId"] = ids["technician"]
    result: dict[str, Any] = gql(RECEIVE, input=job_input)["receiveRepairJob"]  # type: ignore[assignment]
    assert result["__typename"] == "RepairJobSuccess", result
    job: dict[str, Any] = result["job"]
    return job


def _step(gql: GraphQL, mutation: str, name: str, **variables: object) -> dict[str, Any]:
    result: dict[str, Any] = gql(mutation, **variables)[name]  # type: ignore[assignment]
    assert result["__typename"] == "RepairJobSuccess", result
    job: dict[str, Any] = result["job"]
    return job


def test_a_device_goes_from_intake_to_hand_over_through_graphql(niaga: Niaga, server: str) -> None:
    gql, ids = _shop(niaga, server)
    job = _receive(gql, ids)
    assert (job["status"], job["technicianName"], job["slaSecondsLeft"]) == (
        "received",
        "Bayu",
        24 * 3600,
    )
    _step(gql, DIAGNOSE, "diagnoseRepairJob", id=job["id"], d="baterai drop 62%")
    quoted = _step(
        gql,
        QUOTE,
        "quoteRepairJob",
        input={
            "jobId": job["id"],
            "parts": [{"itemId": ids["item"]}],
            "labour": [{"description": "Jasa ganti baterai", "amount": 75_000}],
        },
    )
    assert (quoted["status"], quoted["price"], quoted["partsCost"]) == ("quoted", 475_000, 250_000)

    tenant_id = niaga.tenants.authenticate(gql.headers["Authorization"].split()[1]).tenant_id
    reply = niaga.repairs.answer_quote_from_message(tenant_id, "6281255566677", "SETUJU")
    assert reply is not None
    assert "disetujui" in reply

    _step(gql, START, "startRepair", id=job["id"])
    _step(gql, COMPLETE, "completeRepair", id=job["id"])
    invoiced = gql(INVOICE, id=job["id"])["invoiceRepairJob"]
    assert invoiced["__typename"] == "InvoicedSuccess"  # type: ignore[index]
    assert invoiced["total"] == 475_000  # type: ignore[index]
    pdf = httpx.get(
        f"{server}/invoices/{invoiced['invoiceId']}.pdf",  # type: ignore[index]
        headers=gql.headers,
        timeout=10,
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    delivered = _step(gql, DELIVER, "deliverRepairJob", id=job["id"])
    assert delivered["status"] == "delivered"
    assert delivered["margin"] == 225_000
    assert delivered["invoiceId"] == invoiced["invoiceId"]  # type: ignore[index]
    assert delivered["slaSecondsLeft"] is None

    found = gql(
        "query($id: ID!) { repairJob(id: $id) { history { event actor details } } }", id=job["id"]
    )["repairJob"]
    events = [h["event"] for h in found["history"]]  # type: ignore[index]
    assert events == [
        "Received",
        "TechnicianAssigned",
        "Diagnosed",
        "Quoted",
        "QuoteApproved",
        "Started",
        "Completed",
        "Invoiced",
        "Delivered",
    ]
    approved = found["history"][4]  # type: ignore[index]
    assert approved["details"]["by"] == "customer"
    board = gql(
        '{ repairJobs(status: "delivered") { totalCount edges { node { id } } } '
        "technicianPerformance { name jobsDone slaMetPercent } "
        "inventoryItems { edges { node { sku onHand reserved lowStock } } } "
        "stockMovements { edges { node { kind quantity } } } "
        "bestSellingItems { sku quantity } }"
    )
    assert board["repairJobs"]["totalCount"] == 1  # type: ignore[index]
    assert board["technicianPerformance"] == [
        {"name": "Bayu", "jobsDone": 1, "slaMetPercent": 100.0}
    ]
    assert board["inventoryItems"]["edges"] == [  # type: ignore[index]
        {"node": {"sku": "BAT-IP11", "onHand": 1, "reserved": 0, "lowStock": True}}
    ]
    kinds = [e["node"]["kind"] for e in board["stockMovements"]["edges"]]  # type: ignore[index]
    assert kinds == ["consume", "reserve", "receive"]
    assert board["bestSellingItems"] == [{"sku": "BAT-IP11", "quantity": 1}]


def test_a_counter_sale_with_split_payment_through_graphql(niaga: Niaga, server: str) -> None:
    gql, ids = _shop(niaga, server)
    sale = {
        "customerId": ids["customer"],
        "lines": [
            {"itemId": ids["item"], "quantity": 1},
            {"description": "Pasang tempered glass", "unitPrice": 50_000},
        ],
        "payments": [{"method": "cash", "amount": 300_000}, {"method": "qris", "amount": 150_000}],
    }
    sold = gql(SALE, input=sale)["counterSale"]
    assert sold["__typename"] == "InvoicedSuccess"  # type: ignore[index]
    assert sold["total"] == 450_000  # type: ignore[index]
    short = gql(SALE, input={**sale, "payments": [{"method": "cash", "amount": 1}]})["counterSale"]
    assert (short["code"], short["field"]) == ("INVALID_VALUE", "payments")  # type: ignore[index]
    items = gql("{ inventoryItems { edges { node { onHand } } } }")["inventoryItems"]
    assert items["edges"] == [{"node": {"onHand": 1}}]  # type: ignore[index]


def test_bad_input_gets_a_clear_error_and_changes_nothing(niaga: Niaga, server: str) -> None:
    gql, ids = _shop(niaga, server)
    job = _receive(gql, ids, technician=False)

    approve = gql(ANSWER, id=job["id"], ok=True)["answerRepairQuote"]
    assert approve["code"] == "REPAIR_REFUSED"  # type: ignore[index]
    assert "never" not in approve["message"]  # type: ignore[index]
    assert approve["message"] == "cannot approve the quote of a job that is received"  # type: ignore[index]
    deliver = gql(DELIVER, id=job["id"])["deliverRepairJob"]
    assert deliver["message"] == "cannot deliver a job that is received"  # type: ignore[index]
    unknown = gql(ASSIGN, id=job["id"], t="6f1c3a52-0000-4000-8000-000000000000")[
        "assignTechnician"
    ]
    assert (unknown["code"], unknown["field"]) == ("NOT_FOUND", "technician_id")  # type: ignore[index]
    bad_id = gql(ASSIGN, id="not-an-id", t=ids["technician"])["assignTechnician"]
    assert (bad_id["code"], bad_id["field"]) == ("INVALID_VALUE", "jobId")  # type: ignore[index]
    _step(gql, DIAGNOSE, "diagnoseRepairJob", id=job["id"], d="konektor longgar")
    negative = gql(
        QUOTE,
        input={"jobId": job["id"], "parts": [{"itemId": ids["item"], "unitPrice": -10}]},
    )["quoteRepairJob"]
    assert (negative["code"], negative["field"]) == ("INVALID_VALUE", "unit_price")  # type: ignore[index]
    negative_item = gql(
        REGISTER_ITEM, input={"sku": "X-1", "name": "Kabel", "cost": 1, "price": -1}
    )["registerInventoryItem"]
    assert (negative_item["code"], negative_item["field"]) == ("INVALID_VALUE", "price")  # type: ignore[index]
    too_many = gql(CONSUME, item=ids["item"], job=job["id"], q=3)["consumeStock"]
    assert too_many["code"] == "INSUFFICIENT_STOCK"  # type: ignore[index]
    assert "3 to consume, 2 in stock" in too_many["message"]  # type: ignore[index]

    after = gql(
        "query($id: ID!) { repairJob(id: $id) { status technicianName history { event } } "
        "inventoryItems { totalCount edges { node { onHand reserved } } } }",
        id=job["id"],
    )
    assert after["repairJob"] == {  # type: ignore[comparison-overlap]
        "status": "diagnosed",
        "technicianName": None,
        "history": [{"event": "Received"}, {"event": "Diagnosed"}],
    }
    assert after["inventoryItems"] == {  # type: ignore[comparison-overlap]
        "totalCount": 1,
        "edges": [{"node": {"onHand": 2, "reserved": 0}}],
    }


def test_a_technician_may_not_change_the_repair_policy(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("Servis Laptop", Placement.SHARED)
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.TECHNICIAN).token)
    result = gql(
        'mutation { setRepairPolicy(input: {sla: [{priority: "low", hours: 1}]}) '
        "{ __typename ... on Error { code } } }"
    )["setRepairPolicy"]
    assert result == {"__typename": "PermissionDeniedError", "code": "PERMISSION_DENIED"}


def _ws_url(server: str) -> str:
    return server.replace("http://", "ws://") + "/graphql"


def test_the_job_board_subscription_pushes_a_change_over_a_websocket(
    niaga: Niaga, server: str
) -> None:
    gql, ids = _shop(niaga, server)
    token = gql.headers["Authorization"]
    since = gql("{ repairBoardPosition }")["repairBoardPosition"]
    with connect(_ws_url(server), subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": token}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(
            json.dumps(
                {
                    "id": "board",
                    "type": "subscribe",
                    "payload": {
                        "query": "subscription($since: Int) { jobBoardChanged(since: $since) "
                        "{ id status brand } }",
                        "variables": {"since": since},
                    },
                }
            )
        )
        job = _receive(gql, ids)
        message = json.loads(ws.recv(timeout=10))
        assert message["type"] == "next", message
        assert message["payload"]["data"]["jobBoardChanged"] == {
            "id": job["id"],
            "status": "received",
            "brand": "Apple",
        }
        ws.send(json.dumps({"id": "board", "type": "complete"}))


def test_a_websocket_without_credentials_is_refused(niaga: Niaga, server: str) -> None:
    with connect(_ws_url(server), subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(Exception, match=r"4403|Forbidden"):
            ws.recv(timeout=10)


def test_a_websocket_may_authenticate_with_its_header(niaga: Niaga, server: str) -> None:
    gql, _ = _shop(niaga, server)
    with connect(
        _ws_url(server),
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"Authorization": gql.headers["Authorization"]},
        open_timeout=10,
    ) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"


PO_RESULT = (
    "{ __typename ... on PurchaseOrderSuccess { order { id status total lines { received } } } "
    "... on Error { code message field } }"
)


def test_a_purchase_order_through_graphql(niaga: Niaga, server: str) -> None:
    gql, ids = _shop(niaga, server)
    drafted = gql(
        "mutation($lines: [PurchaseOrderLineInput!]!) { draftPurchaseOrder(supplier: "
        '"CV Sparepart", lines: $lines) ' + PO_RESULT + " }",
        lines=[{"itemId": ids["item"], "quantity": 5, "unitCost": 220_000}],
    )["draftPurchaseOrder"]
    order = drafted["order"]["id"]  # type: ignore[index]
    gql("mutation($id: ID!) { placePurchaseOrder(id: $id) " + PO_RESULT + " }", id=order)
    over = gql(
        "mutation($id: ID!, $lines: [ReceivedLineInput!]!) { receivePurchaseOrder(id: $id, "
        "lines: $lines) " + PO_RESULT + " }",
        id=order,
        lines=[{"itemId": ids["item"], "quantity": 6}],
    )["receivePurchaseOrder"]
    assert over["code"] == "PURCHASE_ORDER_REFUSED"  # type: ignore[index]
    part = gql(
        "mutation($id: ID!, $lines: [ReceivedLineInput!]!) { receivePurchaseOrder(id: $id, "
        "lines: $lines) " + PO_RESULT + " }",
        id=order,
        lines=[{"itemId": ids["item"], "quantity": 2}],
    )["receivePurchaseOrder"]
    assert part["order"]["status"] == "partly_received"  # type: ignore[index]
    listed = gql(
        '{ purchaseOrders(status: "partly_received") { totalCount edges { node { id total '
        "lines { received } } } } inventoryItems { edges { node { onHand } } } }"
    )
    assert listed["purchaseOrders"] == {  # type: ignore[comparison-overlap]
        "totalCount": 1,
        "edges": [{"node": {"id": order, "total": 1_100_000, "lines": [{"received": 2}]}}],
    }
    assert listed["inventoryItems"]["edges"] == [{"node": {"onHand": 4}}]  # type: ignore[index]

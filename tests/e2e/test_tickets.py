"""Support tickets through GraphQL over real HTTP: opened, assigned, noted and answered (the
customer gets the reply on the fake WhatsApp Cloud API and by e-mail at the fake SMTP server),
moved through their life, their SLA in business hours, lists with filters and pages; a ticket
opened by a WhatsApp keyword; and bad input refused with a clear error, nothing recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from adapters.shared.settings import Settings
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.fakes.smtp_fake import FakeSmtp, smtp_fixture  # noqa: F401 - fixture
from tests.integration.read_models import event_count, store_of
from tests.whatsapp_support import APP_SECRET, cloud_fixture, use_cloud_api  # noqa: F401

PHONE, WA_ID = "081298765432", "6281298765432"
TICKET = """id number status priority category channel subject description customerName
  assigneeName invoiceId firstResponseDueAt firstResponseAt firstResponseBreached
  resolutionDueAt resolutionBreached breached slaPaused replies notes"""
RESULT = f"... on TicketSuccess {{ ticket {{ {TICKET} }} }} ... on Error {{ code field message }}"
OPEN = f"""mutation($input: OpenTicketInput!) {{ openTicket(input: $input) {{ {RESULT} }} }}"""
REPLY = f"""mutation($id: ID!, $text: String!) {{ replyToTicket(id: $id, text: $text) {{
  ... on TicketReplySuccess {{ whatsappMessageId emailId ticket {{ {TICKET} }} }}
  ... on Error {{ code field message }} }} }}"""
STATUS = f"""mutation($id: ID!, $status: String!) {{
  changeTicketStatus(id: $id, status: $status) {{ {RESULT} }} }}"""
LIST = """query($status: String, $priority: String, $category: String, $assigneeId: ID,
  $customerId: ID, $breached: Boolean, $search: String, $first: Int, $after: String) {
  tickets(status: $status, priority: $priority, category: $category, assigneeId: $assigneeId,
    customerId: $customerId, breached: $breached, search: $search, first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { id number subject } } } }"""


@pytest.fixture(name="settings")
def support_settings(settings: Settings, cloud: FakeCloudApi, smtp: FakeSmtp) -> Settings:
    return smtp.settings_for(
        settings.model_copy(update={"niaga_whatsapp_cloud_api_url": cloud.url})
    )


@pytest.fixture
def gql(niaga: Niaga, owner: Principal, server: str, cloud: FakeCloudApi) -> GraphQL:
    use_cloud_api(niaga, owner, cloud)
    return GraphQL(server, niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER).token)


def _until(check: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail("not there in time")


def _customer(gql: GraphQL, name: str = "Siti Rahma", phone: str = PHONE, **more: str) -> str:
    created = gql(
        "mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) {"
        " ... on RegisterCustomerSuccess { customer { id } } } }",
        input={"name": name, "phone": phone, **more},
    )
    return str(created["registerCustomer"]["customer"]["id"])  # type: ignore[index]


def _invoice(gql: GraphQL, customer: str) -> str:
    drafted = gql(
        "mutation($input: DraftInvoiceInput!) { draftInvoice(input: $input) {"
        " ... on InvoiceSuccess { invoice { id } } } }",
        input={"customerId": customer, "lines": [{"description": "Pasang", "unitPrice": 50_000}]},
    )
    return str(drafted["draftInvoice"]["invoice"]["id"])  # type: ignore[index]


def _technician(gql: GraphQL, name: str) -> str:
    added = gql(
        "mutation($name: String!) { addTechnician(name: $name) {"
        " ... on TechnicianSuccess { technician { id } } } }",
        name=name,
    )
    return str(added["addTechnician"]["technician"]["id"])  # type: ignore[index]


def _open(gql: GraphQL, customer: str, **more: object) -> dict[str, Any]:
    ticket = {"customerId": customer, "category": "connection", "subject": "Internet mati"}
    answer: dict[str, Any] = gql(OPEN, input=ticket | more)["openTicket"]  # type: ignore[assignment]
    return answer


def _ticket(gql: GraphQL, ticket_id: str) -> dict[str, Any]:
    found = gql(
        f"query($id: ID!) {{ ticket(id: $id) {{ {TICKET} timeline {{ number kind text detail"
        " actor at } } }",
        id=ticket_id,
    )
    return found["ticket"]  # type: ignore[return-value]


def _whatsapp_to(cloud: FakeCloudApi, number: str) -> list[str]:
    return [
        r.body["text"]["body"]
        for r in cloud.requests
        if r.body.get("to") == number and r.body.get("type") == "text"
    ]


def _events(niaga: Niaga, owner: Principal) -> int:
    return event_count(niaga, store_of(niaga, owner.tenant_id).ref.schema)


def test_a_ticket_is_assigned_noted_answered_and_moved_through_its_life(
    niaga: Niaga, owner: Principal, gql: GraphQL, cloud: FakeCloudApi, smtp: FakeSmtp
) -> None:
    customer = _customer(gql, email="siti@contoh.co.id")
    invoice = _invoice(gql, customer)
    andi = _technician(gql, "Andi")
    opened = _open(
        gql, customer, description="Sejak pagi LOS merah", priority="high", invoiceId=invoice
    )["ticket"]
    assert (opened["status"], opened["priority"], opened["channel"]) == ("open", "high", "desk")
    assert (opened["customerName"], opened["invoiceId"]) == ("Siti Rahma", invoice)
    assert opened["number"].startswith("T-")
    ticket = opened["id"]

    assigned = gql(
        f"mutation($id: ID!, $t: ID!) {{ assignTicket(id: $id, technicianId: $t) {{ {RESULT} }} }}",
        id=ticket,
        t=andi,
    )["assignTicket"]
    assert assigned["ticket"]["assigneeName"] == "Andi"  # type: ignore[index]
    noted = gql(
        f'mutation($id: ID!) {{ addTicketNote(id: $id, text: "Cek ODP dulu") {{ {RESULT} }} }}',
        id=ticket,
    )["addTicketNote"]
    assert noted["ticket"]["notes"] == 1  # type: ignore[index]
    replied = gql(REPLY, id=ticket, text="Teknisi kami menuju lokasi siang ini.")["replyToTicket"]
    assert replied["emailId"]  # type: ignore[index]
    assert replied["ticket"]["firstResponseAt"]  # type: ignore[index]

    whatsapp = _until(lambda: _whatsapp_to(cloud, WA_ID))
    assert whatsapp == [
        f"Halo Siti Rahma, balasan untuk tiket {opened['number']}:\n"
        "Teknisi kami menuju lokasi siang ini."
    ]
    [mail] = _until(lambda: smtp.received)
    assert mail.recipients == ["siti@contoh.co.id"]
    assert mail.subject == f"Balasan tiket {opened['number']} - Warung Net Sejahtera"
    assert "Teknisi kami menuju lokasi siang ini." in mail.part("plain")
    assert "Cek ODP" not in mail.part("plain")  # a note is never sent
    assert "Cek ODP" not in str(whatsapp)

    for status in ("pending", "resolved"):
        moved = gql(STATUS, id=ticket, status=status)["changeTicketStatus"]
        assert moved["ticket"]["status"] == status  # type: ignore[index]
        assert moved["ticket"]["slaPaused"] is True  # type: ignore[index]
    reopened = gql(REPLY, id=ticket, text="Apakah sudah normal kembali?")["replyToTicket"]
    assert reopened["ticket"]["status"] == "open"  # type: ignore[index]
    gql(STATUS, id=ticket, status="closed")

    timeline = _ticket(gql, ticket)["timeline"]
    assert [step["kind"] for step in timeline] == [
        "opened", "assigned", "note", "reply", "status", "status", "status", "reply", "status"
    ]  # fmt: skip
    assert timeline[0]["text"] == "Sejak pagi LOS merah"
    assert timeline[2]["text"] == "Cek ODP dulu"
    assert timeline[4]["detail"] == {"from": "open", "to": "pending"}
    assert timeline[6]["detail"] == {"from": "resolved", "to": "open"}  # reopened by the reply
    [actor] = {step["actor"] for step in timeline}  # the owner's API key took every step
    assert actor.startswith("api_key:")


def test_the_sla_counts_business_hours_and_a_late_ticket_shows_breached(
    owner: Principal, gql: GraphQL, clock: FixedClock
) -> None:
    hours = gql(
        'mutation { setSupportHours(days: [1, 2, 3, 4, 5], opens: "09:00", closes: "17:00") {'
        " ... on SupportSettingsSuccess { settings { days opens closes timezone } } } }"
    )["setSupportHours"]
    assert hours["settings"] == {  # type: ignore[index]
        "days": [1, 2, 3, 4, 5],
        "opens": "09:00",
        "closes": "17:00",
        "timezone": "Asia/Jakarta",
    }
    gql(
        'mutation { setSupportTargets(targets: [{priority: "urgent", firstResponseMinutes: 60,'
        " resolutionMinutes: 240}]) { ... on SupportSettingsSuccess { settings { targets {"
        " priority firstResponseMinutes } } } } }"
    )
    friday_evening = datetime(2026, 1, 9, 16, 30, tzinfo=UTC) - timedelta(hours=7)  # 16:30 WIB
    clock.set_now(friday_evening)
    customer = _customer(gql)

    ticket = _open(gql, customer, priority="urgent")["ticket"]

    # Half an hour on Friday, the rest from Monday 09:00 WIB (02:00 UTC).
    assert ticket["firstResponseDueAt"] == "2026-01-12T02:30:00+00:00"
    assert ticket["resolutionDueAt"] == "2026-01-12T05:30:00+00:00"
    assert ticket["breached"] is False
    clock.set_now(datetime(2026, 1, 12, 2, 31, tzinfo=UTC))
    late = _ticket(gql, ticket["id"])
    assert (late["firstResponseBreached"], late["resolutionBreached"]) == (True, False)
    assert gql(LIST, breached=True)["tickets"]["totalCount"] == 1  # type: ignore[index]
    assert gql(LIST, breached=False)["tickets"]["totalCount"] == 0  # type: ignore[index]
    moved = gql(
        f'mutation($id: ID!) {{ changeTicketPriority(id: $id, priority: "low") {{ {RESULT} }} }}',
        id=ticket["id"],
    )["changeTicketPriority"]
    assert moved["ticket"]["priority"] == "low"  # type: ignore[index]
    assert moved["ticket"]["firstResponseBreached"] is False  # type: ignore[index]


def test_tickets_are_filtered_searched_and_paged_with_a_total(
    gql: GraphQL, clock: FixedClock
) -> None:
    siti, budi = _customer(gql), _customer(gql, "Budi Santoso", "081277001002")
    andi = _technician(gql, "Andi")
    tickets = []
    for customer, more in (
        (siti, {}),
        (siti, {"category": "billing", "priority": "high", "subject": "Tagihan dobel"}),
        (budi, {"category": "voucher", "subject": "Kode voucher gagal"}),
    ):
        clock.advance(timedelta(minutes=5))  # opened one after the other
        tickets.append(_open(gql, customer, **more)["ticket"])
    gql(
        "mutation($id: ID!, $t: ID!) { assignTicket(id: $id, technicianId: $t) { __typename } }",
        id=tickets[2]["id"],
        t=andi,
    )
    gql(STATUS, id=tickets[0]["id"], status="pending")

    def ids(**filters: object) -> list[str]:
        found = gql(LIST, **filters)["tickets"]
        return [edge["node"]["id"] for edge in found["edges"]]  # type: ignore[index]

    newest_first = [t["id"] for t in reversed(tickets)]
    assert ids() == newest_first
    assert ids(status="pending") == [tickets[0]["id"]]
    assert ids(priority="high") == [tickets[1]["id"]]
    assert ids(category="voucher") == ids(assigneeId=andi) == [tickets[2]["id"]]
    assert ids(customerId=siti) == newest_first[1:]
    assert ids(search="budi") == ids(search=tickets[2]["number"].lower()) == [tickets[2]["id"]]
    page = gql(LIST, first=2)["tickets"]
    assert page["totalCount"] == 3  # type: ignore[index]
    assert page["pageInfo"]["hasNextPage"] is True  # type: ignore[index]
    rest = gql(LIST, first=2, after=page["pageInfo"]["endCursor"])["tickets"]  # type: ignore[index]
    assert [e["node"]["id"] for e in rest["edges"]] == newest_first[2:]  # type: ignore[index]
    refused = gql.post('{ tickets(status: "lost") { totalCount } }').json()
    assert refused["errors"][0]["extensions"]["field"] == "status"


def _inbound(sender: str, text: str, message_id: str) -> dict[str, Any]:
    message = {
        "from": sender,
        "id": message_id,
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    return {
        "contacts": [{"profile": {"name": "Pelanggan"}, "wa_id": sender}],
        "messages": [message],
    }


def test_a_whatsapp_keyword_opens_one_ticket_and_confirms_its_number(
    owner: Principal, server: str, gql: GraphQL, cloud: FakeCloudApi
) -> None:
    customer = _customer(gql)
    url = f"{server}/webhooks/whatsapp/{owner.tenant_id}"

    for _ in range(2):  # Meta delivers a webhook again when it thinks it was lost
        delivered = cloud.post_webhook(
            url, APP_SECRET, _inbound(WA_ID, "keluhan: internet lemot sejak pagi", "wamid.T-1")
        )
        assert delivered.status_code == 200

    [confirmation] = _until(lambda: _whatsapp_to(cloud, WA_ID))
    listed = gql(LIST, customerId=customer)["tickets"]
    assert listed["totalCount"] == 1  # type: ignore[index]
    [edge] = listed["edges"]  # type: ignore[index]
    ticket = _ticket(gql, edge["node"]["id"])
    assert (ticket["channel"], ticket["category"]) == ("whatsapp", "connection")
    assert ticket["subject"] == ticket["description"] == "internet lemot sejak pagi"
    assert ticket["number"] in confirmation
    assert confirmation.startswith("Halo Siti Rahma, keluhan Anda sudah kami catat")
    assert ticket["timeline"][0]["actor"] == "gateway:whatsapp"


def test_bad_input_is_refused_with_a_clear_error_and_records_nothing(
    niaga: Niaga, owner: Principal, server: str, gql: GraphQL
) -> None:
    customer = _customer(gql)
    other_tenant = niaga.tenants.create("ISP Sebelah", Placement.SHARED)
    theirs = GraphQL(server, niaga.tenants.issue_api_key(other_tenant, Role.OWNER).token)
    their_invoice = _invoice(theirs, _customer(theirs, "Rahasia"))
    ticket = _open(gql, customer)["ticket"]
    gql(STATUS, id=ticket["id"], status="closed")
    before = _events(niaga, owner)

    unknown = _open(gql, "3f0c9b2e-6a1d-4c8e-9b7a-5f1e2d3c4b5a")
    foreign = _open(gql, customer, invoiceId=their_invoice)
    empty = _open(gql, customer, subject="   ")
    hours = gql(
        'mutation { setSupportHours(days: [1], opens: "17:00", closes: "08:00") {'
        " ... on Error { code field message } } }"
    )["setSupportHours"]
    closed = gql(REPLY, id=ticket["id"], text="Halo?")["replyToTicket"]

    assert (unknown["code"], unknown["field"]) == ("NOT_FOUND", "customerId")
    assert (foreign["code"], foreign["field"]) == ("NOT_FOUND", "invoiceId")
    assert (empty["code"], empty["field"]) == ("INVALID_VALUE", "subject")
    assert (hours["code"], hours["field"]) == ("INVALID_VALUE", "closes")  # type: ignore[index]
    assert "closes (08:00) must be after opens (17:00)" in hours["message"]  # type: ignore[index]
    assert closed["code"] == "TICKET_CLOSED"  # type: ignore[index]
    assert "is closed and takes no replies" in closed["message"]  # type: ignore[index]
    assert _events(niaga, owner) == before

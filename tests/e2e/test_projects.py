"""Client projects through GraphQL over HTTP: a project with three milestones, one reached and
invoiced once through billing (its numbering and PPN; a second call and a retry with the same
idempotency key change nothing), its invoice paid and the milestone shown paid, the team, the
project list with search, filters and pages, and refusals: permissions before validation, and
bad input naming the field."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.identity.accounts import RegisterAccount
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL
from tests.integration.read_models import assert_live_equals_rebuild, event_count, store_of

ERROR = "... on Error { code message field }"
PROJECT = """id clientId clientName quotationId name description stagingUrl status memberIds
  milestones { id title amount dueOn status reachedOn invoiceId invoiceNumber paidOn }
  progress { total reached paid reachedPercent paidPercent }"""
RESULT = f"__typename ... on ProjectSuccess {{ project {{ {PROJECT} }} }} {ERROR}"
CREATE = f"""
mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ {RESULT} }} }}"""
UPDATE = f"""
mutation($input: UpdateProjectInput!) {{ updateProject(input: $input) {{ {RESULT} }} }}"""
ADD = f"""
mutation($project: ID!, $input: MilestoneInput!) {{
  addMilestone(projectId: $project, input: $input) {{
    __typename ... on AddMilestoneSuccess {{ milestoneId project {{ {PROJECT} }} }} {ERROR}
  }}
}}"""
CHANGE = f"""
mutation($project: ID!, $milestone: ID!, $input: MilestoneInput!) {{
  updateMilestone(projectId: $project, milestoneId: $milestone, input: $input) {{ {RESULT} }}
}}"""
REMOVE = f"""
mutation($project: ID!, $milestone: ID!) {{
  removeMilestone(projectId: $project, milestoneId: $milestone) {{ {RESULT} }}
}}"""
REACH = f"""
mutation($project: ID!, $milestone: ID!) {{
  reachMilestone(projectId: $project, milestoneId: $milestone) {{
    __typename
    ... on ReachMilestoneSuccess {{ invoiceId invoiceNumber project {{ {PROJECT} }} }}
    {ERROR}
  }}
}}"""
ASSIGN = f"""
mutation($id: ID!, $people: [ID!]!) {{
  assignProjectMembers(id: $id, personIds: $people) {{ {RESULT} }}
}}"""
COMPLETE = f"mutation($id: ID!) {{ completeProject(id: $id) {{ {RESULT} }} }}"
CANCEL = f"""
mutation($id: ID!) {{ cancelProject(id: $id, reason: "Klien menunda") {{ {RESULT} }} }}"""
PROJECTS = f"""
query($status: String, $clientId: ID, $search: String, $first: Int!, $after: String) {{
  projects(status: $status, clientId: $clientId, search: $search, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {PROJECT} }} }}
  }}
}}"""
ONE = f"query($id: ID!) {{ project(id: $id) {{ {PROJECT} }} }}"
INVOICE = "query($id: ID!) { invoice(id: $id) { number status subtotal dpp ppn total lines { description unitPrice } } }"  # noqa: E501
INVOICES = "query { invoices { totalCount } }"
PAY = f"""
mutation($input: RecordPaymentInput!) {{
  recordPayment(input: $input) {{ __typename ... on PaymentSuccess {{ credit }} {ERROR} }}
}}"""
MILESTONES = [
    {"title": "Desain UI", "amount": 10_000_000, "dueOn": "2026-02-01"},
    {"title": "Aplikasi beta", "amount": 15_000_000, "dueOn": "2026-03-01"},
    {"title": "Peluncuran", "amount": 5_000_000},
]


class Gql(GraphQL):
    def __call__(self, query: str, **variables: object) -> Any:
        return super().__call__(query, **variables)

    def field(self, query: str, **variables: object) -> Any:
        """The one root field's answer."""
        return next(iter(self(query, **variables).values()))


class Agency:
    """A registered business (its owner a person of its team), PKP, with two clients."""

    def __init__(self, niaga: Niaga, server: str) -> None:
        registered = niaga.services.accounts.register(
            RegisterAccount("pemilik@agensi.id", "kuda lari ke pasar 9", "Sari", "Agensi Maju")
        )
        self.niaga, self.server = niaga, server
        self.tenant_id, self.person_id = registered.tenant_id, registered.person_id
        niaga.tenants.change_settings(self.tenant_id, pkp=True)
        self.gql = self.as_role(Role.OWNER)
        owner = principal_for(self.tenant_id)
        customers = niaga.services.customers
        self.budi = customers.register(owner, RegisterCustomer("Budi Santoso", "081234567890"))
        self.wati = customers.register(owner, RegisterCustomer("Wati Lestari", "081298765432"))

    def as_role(self, role: Role) -> Gql:
        return Gql(self.server, self.niaga.tenants.issue_api_key(self.tenant_id, role).token)

    def project(self, name: str, client: UUID, **more: object) -> dict[str, Any]:
        created = self.gql.field(CREATE, input={"clientId": str(client), "name": name, **more})
        assert created["__typename"] == "ProjectSuccess", created
        project: dict[str, Any] = created["project"]
        return project

    def events(self) -> int:
        return event_count(self.niaga, store_of(self.niaga, self.tenant_id).ref.schema)


def test_a_reached_milestone_is_invoiced_once_and_shows_paid_when_its_invoice_is(
    niaga: Niaga, server: str
) -> None:
    agency = Agency(niaga, server)
    gql = agency.gql
    project = agency.project(
        "Toko Online Batik",
        agency.budi,
        description="Toko online dengan katalog\ndan pembayaran",
        stagingUrl="https://staging.batik.example.id",
    )
    assert (project["status"], project["clientName"]) == ("active", "Budi Santoso")
    ids = [gql.field(ADD, project=project["id"], input=m)["milestoneId"] for m in MILESTONES]
    team = gql.field(ASSIGN, id=project["id"], people=[str(agency.person_id)])["project"]
    assert team["memberIds"] == [str(agency.person_id)]
    stranger = gql.field(ASSIGN, id=project["id"], people=[str(uuid4())])
    assert (stranger["code"], stranger["field"]) == ("NOT_FOUND", "person_ids")

    reached = gql.field(REACH, project=project["id"], milestone=ids[0])
    assert reached["__typename"] == "ReachMilestoneSuccess", reached
    first = reached["project"]["milestones"][0]
    assert (first["status"], first["invoiceNumber"]) == ("invoiced", reached["invoiceNumber"])
    assert first["reachedOn"] == "2026-01-05"
    assert reached["project"]["progress"] == {
        "total": 30_000_000,
        "reached": 10_000_000,
        "paid": 0,
        "reachedPercent": 33,
        "paidPercent": 0,
    }
    invoice = gql(INVOICE, id=reached["invoiceId"])["invoice"]
    assert (invoice["status"], invoice["subtotal"]) == ("issued", 10_000_000)
    assert (invoice["dpp"], invoice["ppn"], invoice["total"]) == (9_166_666, 1_099_999, 11_099_999)
    assert invoice["lines"] == [
        {"description": "Desain UI (Toko Online Batik)", "unitPrice": 10_000_000}
    ]

    recorded = agency.events()
    again = gql.field(REACH, project=project["id"], milestone=ids[0])
    assert (again["__typename"], again["code"]) == ("RefusedError", "MILESTONE_ALREADY_INVOICED")
    assert reached["invoiceNumber"] in again["message"]
    assert gql(INVOICES)["invoices"]["totalCount"] == 1
    assert agency.events() == recorded

    body = {"query": REACH, "variables": {"project": project["id"], "milestone": ids[1]}}
    headers = {**gql.headers, "Idempotency-Key": "termin-2"}
    once = httpx.post(gql.url, json=body, headers=headers, timeout=10)
    recorded = agency.events()
    retried = httpx.post(gql.url, json=body, headers=headers, timeout=10)
    assert retried.json() == once.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert agency.events() == recorded
    assert gql(INVOICES)["invoices"]["totalCount"] == 2

    paid = gql.field(
        PAY,
        input={
            "customerId": str(agency.budi),
            "amount": 11_099_999,
            "method": "bank_transfer",
            "reference": "TRF-0001",
        },
    )
    assert paid["__typename"] == "PaymentSuccess", paid
    shown = gql(ONE, id=project["id"])["project"]
    assert [m["status"] for m in shown["milestones"]] == ["paid", "invoiced", "pending"]
    assert shown["milestones"][0]["paidOn"] == "2026-01-05"
    assert shown["progress"]["reachedPercent"] == 83
    assert shown["progress"]["paidPercent"] == 33

    reached_one = gql.field(CHANGE, project=project["id"], milestone=ids[0], input=MILESTONES[0])
    assert (reached_one["code"], reached_one["field"]) == ("PROJECT_REFUSED", "milestone_id")
    later = {**MILESTONES[2], "amount": 6_000_000, "dueOn": "2026-04-01"}
    changed = gql.field(CHANGE, project=project["id"], milestone=ids[2], input=later)
    assert changed["project"]["milestones"][2]["amount"] == 6_000_000
    open_one = gql.field(COMPLETE, id=project["id"])
    assert (open_one["code"], open_one["field"]) == ("PROJECT_REFUSED", "id")
    removed = gql.field(REMOVE, project=project["id"], milestone=ids[2])["project"]
    assert removed["progress"]["total"] == 25_000_000
    done = gql.field(COMPLETE, id=project["id"])["project"]
    assert done["status"] == "completed"
    closed = gql.field(UPDATE, input={"id": project["id"], "name": "Batik 2"})
    assert closed["code"] == "PROJECT_REFUSED"

    # The list: search by name, filters by status and client, pages.
    agency.project("Aplikasi Kasir", agency.wati)
    cancelled = agency.project("Website Profil", agency.wati)
    assert gql.field(CANCEL, id=cancelled["id"])["project"]["status"] == "cancelled"

    def listed(**args: object) -> dict[str, Any]:
        page: dict[str, Any] = gql(PROJECTS, **{"first": 10, **args})["projects"]
        return page

    def names(page: dict[str, Any]) -> list[str]:
        return [edge["node"]["name"] for edge in page["edges"]]

    assert names(listed()) == ["Website Profil", "Aplikasi Kasir", "Toko Online Batik"]
    assert names(listed(search="KASIR")) == ["Aplikasi Kasir"]
    assert names(listed(status="completed")) == ["Toko Online Batik"]
    assert listed(clientId=str(agency.wati))["totalCount"] == 2
    assert names(listed(clientId=str(agency.wati), status="active")) == ["Aplikasi Kasir"]
    first_page = listed(first=2)
    assert (first_page["totalCount"], first_page["pageInfo"]["hasNextPage"]) == (3, True)
    rest = listed(first=2, after=first_page["pageInfo"]["endCursor"])
    assert (names(rest), rest["pageInfo"]["hasNextPage"]) == (["Toko Online Batik"], False)

    store = store_of(niaga, agency.tenant_id)
    assert_live_equals_rebuild(niaga, store, ("project_list", "invoices"))


def test_refusals_come_before_validation_and_bad_input_names_its_field(
    niaga: Niaga, server: str
) -> None:
    agency = Agency(niaga, server)
    gql = agency.gql
    project = agency.project("Sistem Gudang", agency.budi)
    milestone = gql.field(ADD, project=project["id"], input=MILESTONES[0])["milestoneId"]
    staff, agent = agency.as_role(Role.STAFF), agency.as_role(Role.AGENT)
    recorded = agency.events()  # its API keys are recorded in the shared store too
    bad = {"clientId": "bukan-id", "name": "Nama\x1bburuk", "stagingUrl": "ftp://x"}
    assert staff.field(CREATE, input=bad)["code"] == "PERMISSION_DENIED"
    assert staff.field(REACH, project=project["id"], milestone=milestone)["code"] == (
        "PERMISSION_DENIED"
    )
    negative = {"title": "Termin", "amount": -1}
    assert staff.field(ADD, project="x", input=negative)["code"] == "PERMISSION_DENIED"
    denied = agent.post(PROJECTS, first=10, status="tidak-ada").json()
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert staff(ONE, id=project["id"])["project"]["name"] == "Sistem Gudang"  # staff reads

    def refused(query: str, **variables: object) -> tuple[str, str | None]:
        answer = gql.field(query, **variables)
        assert answer["__typename"] == "ValidationError", answer
        assert answer["message"]
        return answer["code"], answer["field"]

    invalid = "INVALID_VALUE"
    client = str(agency.budi)
    assert refused(ADD, project=project["id"], input=negative) == (invalid, "amount")
    zero = {**MILESTONES[0], "amount": 0}
    assert refused(CHANGE, project=project["id"], milestone=milestone, input=zero) == (
        invalid,
        "amount",
    )
    control = {"clientId": client, "name": "Toko\x07Baru"}
    assert refused(CREATE, input=control) == (invalid, "name")
    for url in ("ftp://staging.example.id", "staging.example.id", "https://u:p@example.id"):
        wrong = {"clientId": client, "name": "Toko Baru", "stagingUrl": url}
        assert refused(CREATE, input=wrong) == (invalid, "staging_url")
    assert refused(UPDATE, input={"id": project["id"], "stagingUrl": "http:// x"}) == (
        invalid,
        "staging_url",
    )
    untitled = {"title": "  ", "amount": 1_000}
    assert refused(ADD, project=project["id"], input=untitled) == (invalid, "title")
    other = gql.field(CREATE, input={"clientId": str(uuid4()), "name": "Toko Baru"})
    assert (other["code"], other["field"]) == ("NOT_FOUND", "customer_id")
    unknown = gql.field(REACH, project=project["id"], milestone=str(uuid4()))
    assert (unknown["code"], unknown["field"]) == ("NOT_FOUND", "milestone_id")
    assert agency.events() == recorded
    assert gql(ONE, id=project["id"])["project"]["milestones"][0]["status"] == "pending"

"""Property on real PostgreSQL, through the GraphQL schema: whatever Unicode arrives in any text
input of any mutation (NUL, control characters, lone surrogates, non-characters, very long
strings), the mutation is either refused with nothing recorded, or every projection applies
what it recorded: no read model lags and no event is parked.

Every mutation with a String input is covered, one text field at a time, the rest of its input
kept valid; the fields come from the schema itself, so a new one is covered or fails here."""

from __future__ import annotations

import asyncio
import copy
import itertools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import graphql
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.identity.tokens import JwtLinkTokens
from adapters.payments.gateways.fakes import FakeMidtrans
from adapters.shared.projection_service import StoreStatus
from adapters.shared.settings import Settings
from api.graphql.schema import build_schema
from api.graphql.shared.error_masking import INTERNAL_ERROR
from api.graphql.shared.support import Context
from api.shared.failures import UNAVAILABLE
from application.identity.accounts import RegisterAccount
from application.identity.invitations import InviteTeamMember
from application.identity.people import SessionTokens
from application.identity.ports import LinkClaims, LinkPurpose
from application.repairs.repairs import QuoteLabour, ReceiveJob, RepairService
from application.shared.clock import FixedClock
from application.shared.context import NO_TENANT, SYSTEM, Actor, ActorKind, Principal
from application.shared.event_store import EventStore, Saved
from application.shared.ports import Placement
from application.vouchers.ports import VoucherFilter
from domain.ai.conversation import Conversation
from domain.identity.invitation import Invitation
from domain.identity.person import Person
from domain.shared.roles import PlatformRole
from projections.shared.runner import PARKED_TABLE
from tests.conftest import REDIS_URL, TEST_SECRET_KEY, principal_for

Variables = dict[str, Any]
ON_ERROR = "... on Error { code field message }"

# -- the text ---------------------------------------------------------------------------------

AWKWARD = ["\x00", "\ud800", "\udfff", "\x85", "\uffff", "\ufffe", "\x1b", "\x7f", "\u2028"]
AWKWARD += ["\n", "\r\n", "\t", " ", "", "\u202e", "\ufeff", "'", '"', "\\", "%", "_", "\u0130"]
any_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()))
spliced = st.lists(st.one_of(any_text, st.sampled_from(AWKWARD)), max_size=5).map("".join)
long_text = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["a", "é", "ab \n", "\U0001f600", "x\x00"]),
    st.sampled_from([201, 256, 1_001, 5_000, 65_537]),
)
TEXTS = st.one_of(any_text, spliced, long_text)


def texts_around(valid: object) -> st.SearchStrategy[str]:
    """Any text, or the field's valid value with any text before or after it (so the text gets
    past the checks a random value fails first: a known name, a phone's digits)."""
    if not isinstance(valid, str) or not valid:
        return TEXTS
    return st.one_of(TEXTS, TEXTS.map(lambda t: valid + t), TEXTS.map(lambda t: t + valid))


# -- which inputs are text, from the schema ---------------------------------------------------


def _unwrap(kind: Any) -> tuple[Any, bool]:
    listed = False
    while isinstance(kind, graphql.GraphQLNonNull | graphql.GraphQLList):
        listed = listed or isinstance(kind, graphql.GraphQLList)
        kind = kind.of_type
    return kind, listed


def _text_paths(kind: Any, path: str, seen: tuple[str, ...] = ()) -> Iterator[str]:
    """Paths of the String inputs under an argument; `[]` marks a list."""
    named, listed = _unwrap(kind)
    here = path + ("[]" if listed else "")
    if isinstance(named, graphql.GraphQLScalarType) and named.name == "String":
        yield here
    elif isinstance(named, graphql.GraphQLInputObjectType) and named.name not in seen:
        for name, field in named.fields.items():
            yield from _text_paths(field.type, f"{here}.{name}", (*seen, named.name))


GRAPHQL = graphql.build_schema(build_schema().as_str())
MUTATIONS = GRAPHQL.mutation_type.fields if GRAPHQL.mutation_type else {}
# Each mutation with text inputs: the paths of its String arguments and input fields.
TEXT_FIELDS = {
    name: paths
    for name, field in MUTATIONS.items()
    if (paths := [p for arg, a in field.args.items() for p in _text_paths(a.type, arg)])
}


def document(mutation: str, variables: Variables, selection: str = "") -> str:
    """A document calling `mutation` with exactly these variables."""
    args = MUTATIONS[mutation].args
    declared = ", ".join(f"${name}: {args[name].type}" for name in variables)
    passed = ", ".join(f"{name}: ${name}" for name in variables)
    return (
        f"mutation({declared}) {{ {mutation}({passed}) {{ __typename {ON_ERROR} {selection} }} }}"
    )


def substitute(variables: Variables, path: str, text: str) -> Variables:
    """The variables with `text` at `path` (the first element of a list on the way)."""
    changed = copy.deepcopy(variables)
    *steps, leaf = path.split(".")
    here: Any = changed
    for step in steps:
        name = step.removesuffix("[]")
        if step.endswith("[]"):
            assert here.get(name), f"the valid input must have one {name} to change"
            here = here[name][0]
        else:
            here = here.setdefault(name, {})
    name = leaf.removesuffix("[]")
    here[name] = [text] if leaf.endswith("[]") else text
    return changed


def valid_at(variables: Variables, path: str) -> object:
    """The valid value at `path`, or None where the valid input leaves the field out."""
    here: Any = variables
    for step in path.split("."):
        name = step.removesuffix("[]")
        if not isinstance(here, dict) or name not in here:
            return None
        here = here[name]
        if step.endswith("[]") and isinstance(here, list):
            here = here[0] if here else None
    return here


# -- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    refused: bool
    detail: str


class Unsynced:
    """Read models left for the caller to catch up."""

    def wait(self, store: EventStore, upto: Saved | int, timeout: float | None = None) -> bool:
        return True


class World:
    """One tenant with what every mutation needs; fresh prerequisites on request."""

    def __init__(self, niaga: Niaga, midtrans: FakeMidtrans) -> None:
        self.niaga = niaga
        self.schema = build_schema()
        self.owner = principal_for(niaga.tenants.create("Toko Uji Teks", Placement.SHARED))
        # Gateway accounts are configured at a tenant of their own: whatever text they are
        # given, this tenant's payment links keep going to the fake gateway.
        self.gateway_owner = principal_for(niaga.tenants.create("Toko Gerbang", Placement.SHARED))
        self.midtrans_url = midtrans.url
        self._numbers = itertools.count(1)
        self.customer_id: str = self.customer()
        self.router_id: str = self.call(
            "addRouter",
            "... on RouterSuccess { router { id } }",
            input={"name": "core-1", "host": "192.0.2.10", "username": "niaga", "password": "x"},
        )["router"]["id"]
        self.plan_id: str = self.plan()
        self.call("addPromotion", input=PROMOTION | {"planId": self.plan_id})
        self.profile_id: str = self.call(
            "createVoucherProfile",
            "... on VoucherProfileSuccess { profile { id } }",
            input=PROFILE | {"name": "3JAM", "routerId": self.router_id},
        )["profile"]["id"]
        self.agent_id: str = self.agent()
        self.call("topUpAgent", agentId=self.agent_id, amount=10_000_000, reference="modal")
        self.item_id: str = self.item()
        self.subscription()  # the audience of a campaign: a customer with an active service
        self.call("configureGateway", input=self.midtrans(midtrans.server_key))
        self.technician_id: str = self.call(
            "addTechnician", "... on TechnicianSuccess { technician { id } }", name="Andi"
        )["technician"]["id"]
        self._valid: dict[tuple[str, str], Variables] = {}
        self.signed_in: Principal | None = None
        # A job's steps read its aggregate only: its read models need catching up once, after
        # the last step, not after each.
        self._repairs = RepairService(
            niaga.stores, Unsynced(), niaga.clock, niaga.repair_read_models
        )

    # -- the property -----------------------------------------------------------------------

    def valid(self, mutation: str, field: str) -> Variables:
        """A valid input for the mutation, kept until a mutation that used it succeeds."""
        key = (mutation, field)
        if key not in self._valid:
            self._valid[key] = BASELINES[mutation](self, field)
        return self._valid[key]

    def accepts_its_valid_input(self, mutation: str, field: str) -> None:
        """The valid input, unchanged, is accepted and recorded: the text put in its place is
        what any refusal is about."""
        before = self.events()
        variables = self.valid(mutation, field)
        outcome = _outcome(mutation, self.execute(mutation, variables, who=self.caller(mutation)))
        self._valid.pop((mutation, field), None)
        assert not outcome.refused, f"the valid input was refused: {outcome.detail}"
        assert self.events() > before, "the valid input recorded nothing"

    def attempt(self, mutation: str, field: str, text: str) -> Outcome:
        """Run the mutation with `text` in `field`: refused with nothing recorded, or applied
        by every projection."""
        variables = substitute(self.valid(mutation, field), field, text)
        before, parked_before = self.events(), self.parked()
        outcome = _outcome(mutation, self.execute(mutation, variables, who=self.caller(mutation)))
        recorded = self.events() - before
        if outcome.refused:
            assert recorded == 0, f"{field} refused ({outcome.detail}) yet recorded {recorded}"
            return outcome
        self._valid.pop((mutation, field), None)
        assert not self._lagging(), f"{field} accepted, but read models lag: {self._lagging()}"
        parked = self.parked() - parked_before
        assert not parked, f"{field} accepted, but projections parked its events: {parked}"
        return outcome

    def _lagging(self) -> list[StoreStatus]:
        """Projections with events left to apply after catching up. The command caught up its
        own store already, so look first: a query per projection, where catching up every
        store costs a transaction per projection."""
        lagging = [s for s in self.niaga.projections.status() if s.status.lag]
        if lagging:
            self.niaga.projections.catch_up_all()
            lagging = [s for s in self.niaga.projections.status() if s.status.lag]
        return lagging

    def parked(self) -> set[tuple[str, ...]]:
        """Every parked event of every store: store, projection, position, topic, error."""
        found: set[tuple[str, ...]] = set()
        with self.niaga.database.connection() as conn:
            for store in self.niaga.stores.open_stores():
                table = sql.Identifier(store.ref.schema, PARKED_TABLE)
                query = sql.SQL("SELECT projection, position, topic, error FROM {}").format(table)
                rows = conn.execute(query).fetchall()
                found |= {(store.ref.name, *map(str, row)) for row in rows}
        return found

    # -- running mutations ------------------------------------------------------------------

    def execute(
        self,
        mutation: str,
        variables: Variables,
        selection: str = "",
        who: Principal | None = None,
    ) -> graphql.ExecutionResult:
        context = Context(self.niaga.services, who or self.owner)
        run = self.schema.execute(
            document(mutation, variables, selection),
            variable_values=variables,
            context_value=context,
        )
        return asyncio.run(run)  # type: ignore[return-value]

    def call(self, mutation: str, selection: str = "", **variables: Any) -> Any:
        """Run a mutation that must succeed; its payload."""
        result = self.execute(mutation, variables, selection)
        assert not result.errors, result.errors
        assert result.data is not None
        payload = result.data[mutation]
        assert "code" not in payload, payload
        return payload

    def caller(self, mutation: str) -> Principal:
        if mutation in OPERATOR_MUTATIONS:
            return OPERATOR
        if mutation in PERSON_MUTATIONS:
            assert self.signed_in is not None, "the baseline signs a person in"
            return self.signed_in
        return self.gateway_owner if mutation == "configureGateway" else self.owner

    # -- people -------------------------------------------------------------------------------

    def account(self) -> Person:
        """A new person (and business) whose password is PERSON_PASSWORD."""
        number = self.number()
        email = f"orang{number}@contoh.id"
        command = RegisterAccount(email, PERSON_PASSWORD, "Orang Uji", f"Usaha Orang {number}")
        done = self.niaga.services.accounts.register(command)
        person = self.niaga.stores.platform().repository.get(done.person_id)
        assert isinstance(person, Person)
        return person

    def link(self, purpose: LinkPurpose) -> str:
        """The token of a new link for a new person."""
        person = self.account()
        return self.niaga.identity.links.send(person, person.first_tenant(), purpose, SYSTEM)

    def session(self) -> SessionTokens:
        """A new person's new session, its principal the caller of a person's mutations."""
        email = str(self.account().email)
        tokens = self.niaga.services.sign_ins.sign_in(email, PERSON_PASSWORD, None)
        assert isinstance(tokens, SessionTokens), tokens
        self.signed_in = self.niaga.tenants.authenticate(tokens.access_token)
        return tokens

    def invitation(self, email: str) -> str:
        """The token of the link of a new invitation of `email` to this tenant (e-mailed, and
        so made again here from what the invitation recorded)."""
        sent = self.niaga.services.invitations.invite(self.owner, InviteTeamMember(email, "staff"))
        invitation = self.niaga.stores.platform().repository.get(sent.invitation_id)
        assert isinstance(invitation, Invitation)
        link = LinkClaims(
            LinkPurpose.INVITATION,
            invitation.id,
            invitation.tenant_id,
            invitation.link_id,
            invitation.expires_at,
            0,
        )
        return JwtLinkTokens(TEST_SECRET_KEY).encode(link)

    def member(self) -> str:
        """A person who joined this tenant by invitation, as staff."""
        email = f"anggota{self.number()}@contoh.id"
        joined = self.niaga.services.joining.join(
            self.invitation(email), PERSON_PASSWORD, "Anggota Uji"
        )
        assert isinstance(joined, SessionTokens), joined
        return str(joined.person_id)

    def custom_role(self) -> str:
        defined = self.call(
            "defineCustomRole",
            "... on CustomRoleSuccess { role { id } }",
            name=f"Peran {self.number()}",
            baseRole="staff",
            permissions=["customers:read"],
        )
        return str(defined["role"]["id"])

    def media_folder(self) -> str:
        folder = self.call(
            "createMediaFolder", "... on MediaSuccess { id }", name=f"Folder {self.number()}"
        )
        return str(folder["id"])

    def other_tenant(self) -> str:
        """A tenant of its own for an operator's command that changes it for good."""
        return str(self.niaga.tenants.create(f"ISP Lain {self.number()}", Placement.SHARED))

    def events(self) -> int:
        """Events recorded in every store."""
        total = 0
        with self.niaga.database.connection() as conn:
            for store in self.niaga.stores.open_stores():
                table = sql.Identifier(store.ref.schema, "niaga_events")
                row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
                total += int(row[0]) if row else 0
        return total

    def midtrans(self, server_key: str) -> Variables:
        """A midtrans account at the fake gateway."""
        url = self.midtrans_url
        return {
            "gateway": "midtrans",
            "serverKey": server_key,
            "apiUrl": url,
            "snapUrl": f"{url}/snap/v1",
        }

    def number(self) -> int:
        return next(self._numbers)

    def phone(self) -> str:
        return f"0812{self.number() + 50_000_000:08d}"

    # -- prerequisites ----------------------------------------------------------------------

    def conversation(self) -> str:
        """A customer's WhatsApp chat waiting for a technician (with AI off, the concierge
        hands every question it cannot answer from the jobs over)."""
        phone = self.phone()
        customer = self.call(
            "registerCustomer",
            "... on RegisterCustomerSuccess { customer { id } }",
            input={"name": "Wati", "phone": phone},
        )["customer"]["id"]
        tenant = self.owner.tenant_id
        taken = self.niaga.whatsapp.inbound.dispatch(
            tenant, f"+62{phone[1:]}", "bisa antar jemput?", f"wa-{self.number()}"
        )
        assert taken == "concierge", taken
        return str(Conversation.id_for(tenant, uuid.UUID(customer)))

    def customer(self) -> str:
        created = self.call(
            "registerCustomer",
            "... on RegisterCustomerSuccess { customer { id } }",
            input={"name": "Wati", "phone": self.phone()},
        )
        return str(created["customer"]["id"])

    def plan(self) -> str:
        created = self.call("createPlan", "... on PlanSuccess { plan { id } }", input=PLAN)
        return str(created["plan"]["id"])

    def subscription(self) -> str:
        subscribed = self.call(
            "subscribe",
            "... on SubscriptionSuccess { subscription { id } }",
            input=self.subscribe_input() | {"activateOn": "2026-01-05"},
        )
        return str(subscribed["subscription"]["id"])

    def subscribe_input(self) -> Variables:
        return {
            "customerId": self.customer_id,
            "planId": self.plan_id,
            "billingDay": 1,
            "router": "core-1",
            "username": f"pelanggan{self.number()}",
            "promotionCode": PROMOTION["code"],
            "password": "rahasia",
        }

    def invoice(self) -> str:
        drafted = self.call(
            "draftInvoice",
            "... on InvoiceSuccess { invoice { id } }",
            input={"customerId": self.customer_id, "lines": [LINE]},
        )
        invoice_id = drafted["invoice"]["id"]
        self.call("issueInvoice", id=invoice_id)
        return str(invoice_id)

    def transfer(self) -> str:
        submitted = self.call(
            "submitTransfer",
            "... on TransferSuccess { transferId }",
            customerId=self.customer_id,
            amount=50_000,
            proofReference=f"bukti-{self.number()}.jpg",
        )
        return str(submitted["transferId"])

    def job(self, steps: int = 0) -> str:
        """A received job taken through the first `steps` of its life, its read models caught
        up once at the end."""
        command = ReceiveJob(
            uuid.UUID(self.customer_id),
            "smartphone",
            "Samsung",
            "Galaxy A50",
            "layar retak",
            technician_id=uuid.UUID(self.technician_id),
        )
        job_id = self._repairs.receive(self.owner, command)
        for step in JOB_STEPS[:steps]:
            step(self._repairs, self.owner, job_id)
        store = self.niaga.stores.for_tenant(self.owner.tenant_id)
        self.niaga.projections.catch_up(store)  # type: ignore[arg-type]
        return str(job_id)

    def job_input(self) -> Variables:
        return {
            "customerId": self.customer_id,
            "deviceType": "smartphone",
            "brand": "Samsung",
            "model": "Galaxy A50",
            "complaint": "layar retak\nsentuh tidak responsif",
            "serial": "356789101112131",
            "accessories": ["charger"],
            "photos": ["s3://foto/a50-depan.jpg"],
            "priority": "normal",
            "technicianId": self.technician_id,
        }

    def item(self) -> str:
        registered = self.call(
            "registerInventoryItem",
            "... on InventoryItemSuccess { item { id } }",
            input=self.item_input(),
        )
        return str(registered["item"]["id"])

    def item_input(self) -> Variables:
        return {
            "sku": f"LCD-{self.number()}",
            "name": "LCD Samsung A50",
            "cost": 400_000,
            "price": 650_000,
            "barcode": "8991234567890",
            "supplier": "CV Sparepart",
            "openingStock": 5,
        }

    def voucher(self, logged_in: bool = False) -> tuple[str, str]:
        """A new voucher's id and username."""
        batch = self.call(
            "generateVouchers",
            "... on VoucherBatchSuccess { batch { id codes { username } } }",
            input={"profile": "3JAM", "quantity": 1},
        )["batch"]
        username = batch["codes"][0]["username"]
        if logged_in:
            self.call("recordFirstLogin", username=username)
        page = self.niaga.services.voucher_queries
        found = page.vouchers(self.owner, _by_batch(batch["id"]), 1, None).items
        return str(found[0].id), str(username)

    def agent(self) -> str:
        enrolled = self.call(
            "enrollAgent",
            "... on AgentSuccess { agent { id } }",
            input={"name": f"Agen {self.number()}", "phone": self.phone()},
        )
        return str(enrolled["agent"]["id"])

    def endpoint(self) -> str:
        created = self.call(
            "createWebhookEndpoint",
            "... on WebhookSecretSuccess { endpoint { id } }",
            input=WEBHOOK,
        )
        return str(created["endpoint"]["id"])

    def template_set(self, name: str) -> Variables:
        """The name of a template the tenant has just set its own text for."""
        text = f"Terima kasih, pembayaran sudah kami terima ({self.number()})."
        self.call("setMessageTemplate", input={"name": name, "text": text})
        return {"name": name}

    def scheduled_campaign(self) -> Variables:
        """A campaign waiting to start, for the stop of every campaign (no variables)."""
        created = self.call(
            "createCampaign",
            "... on CampaignSuccess { campaign { id } }",
            input={"name": "Info gangguan", "template": "reactivated"},
        )
        start = "2026-01-06T09:00:00+07:00"
        self.call("scheduleCampaign", id=created["campaign"]["id"], startAt=start)
        return {}

    def rate_card_feature(self) -> str:
        """A new feature on the tenant's rate card: its code."""
        code = f"fitur-{self.number()}"
        self.call("setRateCardFeature", code=code, name="Halaman login", basePrice=1_500_000)
        return code

    def quote_input(self) -> Variables:
        return {
            "features": [self.rate_card_feature()],
            "complexity": "complex",
            "clientName": "Toko Maju",
            "notes": "Aplikasi kasir\ndengan laporan harian",
        }

    def quotation(self) -> str:
        created = self.call(
            "createQuotation",
            "... on QuotationSuccess { quotation { id } }",
            input=self.quote_input(),
            customerId=self.customer_id,
        )
        return str(created["quotation"]["id"])

    def project(self) -> str:
        """An active project of the customer's."""
        created = self.call(
            "createProject",
            "... on ProjectSuccess { project { id } }",
            input={"clientId": self.customer_id, "name": f"Aplikasi kasir {self.number()}"},
        )
        return str(created["project"]["id"])

    def milestone(self) -> Variables:
        """A project with a milestone not reached yet: their ids."""
        project = self.project()
        added = self.call(
            "addMilestone",
            "... on AddMilestoneSuccess { milestoneId }",
            projectId=project,
            input=MILESTONE,
        )
        return {"projectId": project, "milestoneId": added["milestoneId"]}

    def ticket(self) -> str:
        """An open ticket of the customer's, normal priority."""
        opened = self.call(
            "openTicket",
            "... on TicketSuccess { ticket { id } }",
            input={"customerId": self.customer_id, "category": "connection", "subject": "Mati"},
        )
        return str(opened["ticket"]["id"])

    def campaign(self) -> str:
        created = self.call(
            "createCampaign", "... on CampaignSuccess { campaign { id } }", input=CAMPAIGN
        )
        return str(created["campaign"]["id"])


def _outcome(mutation: str, result: graphql.ExecutionResult) -> Outcome:
    """Refused (a member of the result's Error types, or a GraphQL error with a code) or not;
    a failure that is no refusal (an internal error, a store failure) fails the property."""
    for error in result.errors or []:
        code = (error.extensions or {}).get("code")
        assert code, f"{mutation} failed without a code: {error}"
        assert code not in (INTERNAL_ERROR, UNAVAILABLE), f"{mutation} failed: {error}"
    if result.errors:
        return Outcome(refused=True, detail=str(result.errors[0]))
    payload = (result.data or {}).get(mutation) or {}
    # Saved, but what follows the save failed: with the read models caught up in the command
    # itself, nothing but a fault in reading the answer back leads here.
    assert payload.get("__typename") != "StoredPendingRead", f"{mutation}: {payload}"
    if "code" in payload:
        return Outcome(refused=True, detail=f"{payload['code']} {payload['field']}")
    return Outcome(refused=False, detail=str(payload.get("__typename")))


def _by_batch(batch_id: str) -> VoucherFilter:
    return VoucherFilter(batch_id=uuid.UUID(batch_id))


PLAN = {"name": "Rumah 20", "price": 150_000, "routerProfile": "rumah-20"}
PLAN |= {"serviceType": "pppoe", "billingMode": "postpaid"}
PROMOTION = {"code": "HEMAT", "kind": "percentage", "value": 10, "cycles": 1}
LINE = {"kind": "charge", "description": "Pasang antena", "unitPrice": 50_000}
PROFILE = {
    "hotspotProfile": "3jam",
    "validity": "3h",
    "costPrice": 1_500,
    "sellingPrice": 3_000,
    "rateLimit": "2M/2M",
    "timeQuota": "3h",
    "dataQuota": "1G",
    "agentPrices": [2_000],
    "commissionKind": "none",
}
WEBHOOK = {
    "url": "http://127.0.0.1:9/niaga",
    "eventTypes": ["invoice.issued"],
    "description": "ERP kantor",
}
CAMPAIGN = {
    "name": "Promo Lebaran",
    "template": "reactivated",
    "variables": [{"name": "promo", "value": "diskon 10%"}],
    "audience": {"plan": "Rumah 20", "states": ["active"], "area": "Bandung", "tags": ["vip"]},
    "guardrails": {"windowStart": "09:00", "windowEnd": "18:00"},
}
LABOUR = {"description": "Jasa ganti LCD", "amount": 100_000}
MILESTONE = {"title": "Termin 1: desain", "amount": 5_000_000, "dueOn": "2026-02-01"}
# A repair job's life after it is received, step by step.
JOB_STEPS: list[Callable[[RepairService, Principal, uuid.UUID], object]] = [
    lambda repairs, who, job: repairs.diagnose(who, job, "LCD pecah"),
    lambda repairs, who, job: repairs.quote(who, job, [], [QuoteLabour("Jasa ganti LCD", 100_000)]),
    lambda repairs, who, job: repairs.answer_quote(who, job, approve=True),
    lambda repairs, who, job: repairs.start(who, job),
    lambda repairs, who, job: repairs.complete(who, job),
    lambda repairs, who, job: repairs.deliver(who, job),
]
DIAGNOSED, QUOTED, STARTED, DELIVERED = 1, 2, 4, 6

# -- a valid input for every mutation with text ------------------------------------------------

Baseline = Callable[[World, str], Variables]


def _contact(w: World) -> Variables:
    return {
        "name": "Budi Santoso",
        "phone": w.phone(),
        "email": "budi@example.com",
        "nik": "3201011708900001",
        "address": "Jl. Merdeka No. 1\nBandung",
    }


def _gateway(w: World, field: str) -> Variables:
    """The gateway whose account takes the field."""
    if field in ("input.secretKey", "input.callbackToken"):
        return {"input": {"gateway": "xendit", "secretKey": "xnd_x", "callbackToken": "cb"}}
    if field in ("input.apiKey", "input.privateKey", "input.merchantCode", "input.method"):
        keys = {"apiKey": "DEV-x", "privateKey": "pk", "merchantCode": "T1234", "method": "QRIS"}
        return {"input": {"gateway": "tripay", **keys}}
    urls = {
        "apiUrl": "https://api.sandbox.midtrans.com",
        "snapUrl": "https://app.sandbox.midtrans.com",
    }
    return {"input": {"gateway": "midtrans", "serverKey": "SB-Mid-server-x", **urls}}


def _whatsapp(_: World, field: str) -> Variables:
    """The provider that takes the field."""
    if field == "input.token":
        return {"input": {"provider": "fonnte", "sender": "6281234567890", "token": "tok"}}
    keys = {"accessToken": "EAAx", "appSecret": "rahasia", "verifyToken": "verifikasi"}
    return {"input": {"provider": "cloud_api", "sender": "6281234567890", **keys}}


# The operator's console acts for no tenant.
OPERATOR = Principal(NO_TENANT, PlatformRole.OPERATOR, Actor(ActorKind.OPERATOR, "uji"))
OPERATOR_MUTATIONS = frozenset({"registerTenant", "lockTenant"})


def _change_password(world: World) -> Variables:
    world.session()
    return {"currentPassword": PERSON_PASSWORD, "newPassword": NEW_PASSWORD}


def _accept_invitation(world: World) -> Variables:
    """An invitation to the address of a person the baseline signs in."""
    person = world.niaga.stores.platform().repository.get(world.session().person_id)
    assert isinstance(person, Person)
    return {"token": world.invitation(str(person.email))}


# A person's own mutations need a person signed in (the baseline signs one in).
PERSON_MUTATIONS = frozenset({"changePassword", "acceptInvitation"})
PERSON_PASSWORD = "kuda lari ke pasar 9"
NEW_PASSWORD = "sandi baru yang panjang"

BASELINES: dict[str, Baseline] = {
    "registerAccount": lambda w, _: {
        "email": f"daftar{w.number()}@contoh.id",
        "password": PERSON_PASSWORD,
        "name": "Orang Baru",
        "businessName": f"Usaha Baru {w.number()}",
        "region": "id",
    },
    "verifyEmail": lambda w, _: {"token": w.link(LinkPurpose.VERIFY_EMAIL)},
    "refreshSession": lambda w, _: {"refreshToken": w.session().refresh_token},
    "requestMagicLink": lambda w, _: {"email": str(w.account().email)},
    "signInWithMagicLink": lambda w, _: {"token": w.link(LinkPurpose.MAGIC_LINK)},
    "requestPasswordReset": lambda w, _: {"email": str(w.account().email)},
    "resetPassword": lambda w, _: {
        "token": w.link(LinkPurpose.RESET_PASSWORD),
        "newPassword": NEW_PASSWORD,
    },
    "changePassword": lambda w, _: _change_password(w),
    "inviteTeamMember": lambda w, _: {
        "email": f"undangan{w.number()}@contoh.id",
        "role": "staff",
        "whatsapp": w.phone(),
    },
    "acceptInvitation": lambda w, _: _accept_invitation(w),
    "joinWithInvitation": lambda w, _: {
        "token": w.invitation(f"diundang{w.number()}@contoh.id"),
        "password": PERSON_PASSWORD,
        "name": "Orang Diundang",
    },
    "changeTeamMemberRole": lambda w, _: {"personId": w.member(), "role": "finance"},
    "defineCustomRole": lambda w, _: {
        "name": f"Kasir {w.number()}",
        "baseRole": "staff",
        "permissions": ["customers:read", "counter:sell"],
    },
    "updateCustomRole": lambda w, _: {
        "id": w.custom_role(),
        "name": f"Kasir {w.number()}",
        "permissions": ["customers:read"],
    },
    "createMediaFolder": lambda w, _: {"name": f"Brosur {w.number()}"},
    "renameMedia": lambda w, _: {"id": w.media_folder(), "name": f"Foto {w.number()}"},
    "registerTenant": lambda w, _: {
        "name": f"ISP Baru {w.number()}",
        "tier": "SHARED",
        "region": "id",
        "server": "main",
    },
    "lockTenant": lambda w, _: {"tenantId": w.other_tenant(), "reason": "tagihan belum dibayar"},
    "precheckInvoiceDraft": lambda w, _: {
        "input": {
            "customerId": w.customer_id,
            "lines": [{"description": "Pasang antena", "unitPrice": 50_000}],
        }
    },
    "setCeoDigestRecipients": lambda w, _: {"phones": [w.phone()]},
    "setCeoDigestEmailRecipients": lambda w, _: {"emails": [f"pemilik{w.number()}@contoh.id"]},
    "replyToConciergeConversation": lambda w, _: {
        "id": w.conversation(),
        "text": "Bisa, kurir kami datang besok pagi.",
    },
    "addAiKey": lambda w, _: {"input": {"key": f"AIza-uji-{w.number()}", "label": "kunci toko"}},
    "registerCustomer": lambda w, _: {"input": _contact(w)},
    "changeCustomerContact": lambda w, _: {"input": {"id": w.customer(), **_contact(w)}},
    "createPlan": lambda w, _: {"input": PLAN},
    "addPromotion": lambda w, _: {
        "input": PROMOTION | {"planId": w.plan_id, "code": f"PROMO{w.number()}"}
    },
    "subscribe": lambda w, _: {"input": w.subscribe_input()},
    "softLimitSubscription": lambda w, _: {"id": w.subscription(), "reason": "telat bayar"},
    "suspendSubscription": lambda w, _: {"id": w.subscription(), "reason": "telat bayar"},
    "terminateSubscription": lambda w, _: {"id": w.subscription(), "reason": "pindah rumah"},
    "draftInvoice": lambda w, _: {"input": {"customerId": w.customer_id, "lines": [LINE]}},
    "voidInvoice": lambda w, _: {"id": w.invoice(), "reason": "salah tagih"},
    "creditInvoice": lambda w, _: {"id": w.invoice(), "amount": 1_000, "reason": "gangguan"},
    "recordPayment": lambda w, _: {
        "input": {
            "customerId": w.customer_id,
            "amount": 10_000,
            "method": "cash",
            "reference": f"KW-{w.number()}",
        }
    },
    "submitTransfer": lambda w, _: {
        "customerId": w.customer_id,
        "amount": 50_000,
        "proofReference": f"bukti-{w.number()}.jpg",
    },
    "rejectTransfer": lambda w, _: {"id": w.transfer(), "reason": "bukti buram"},
    "changeBillingPolicy": lambda w, _: {"input": {"numberingReset": "yearly"}},
    "updateTenantSettings": lambda w, _: {
        "invoicePrefix": "INV",
        "timezone": "Asia/Jakarta",
        "legalName": "PT Uji Teks",
        "address": "Jl. Asia Afrika 8\nBandung",
        "npwp": "012345678901234",
        "bankAccounts": [{"bank": "BCA", "number": "1234567890", "holder": "PT Uji Teks"}],
    },
    "addRouter": lambda w, _: {
        "input": {
            "name": f"router-{w.number()}",
            "host": "192.0.2.20",
            "username": "niaga",
            "password": "rahasia",
            "site": "Kantor pusat",
        }
    },
    "updateRouter": lambda w, _: {
        "input": {
            "id": w.router_id,
            "host": "192.0.2.10",
            "username": "niaga",
            "password": "rahasia",
            "site": "Kantor pusat",
        }
    },
    "changeIsolirPolicy": lambda w, _: {
        "mode": "profile",
        "profile": "isolir",
        "addressList": "isolir",
    },
    "setRepairPolicy": lambda w, _: {
        "input": {
            "sla": [
                {"priority": priority, "hours": hours + w.number() % 24}
                for priority, hours in (("urgent", 4), ("high", 24), ("normal", 72), ("low", 168))
            ]
        }
    },
    "addTechnician": lambda w, _: {"name": f"Andi {w.number()}"},
    "receiveRepairJob": lambda w, _: {"input": w.job_input()},
    "changeRepairPriority": lambda w, _: {"jobId": w.job(), "priority": "high"},
    "diagnoseRepairJob": lambda w, _: {"jobId": w.job(), "diagnosis": "LCD pecah"},
    "quoteRepairJob": lambda w, _: {"input": {"jobId": w.job(DIAGNOSED), "labour": [LABOUR]}},
    "answerRepairQuote": lambda w, _: {
        "jobId": w.job(QUOTED),
        "approve": False,
        "reason": "terlalu mahal",
    },
    "completeRepair": lambda w, _: {"jobId": w.job(STARTED), "notes": "LCD diganti, tes OK"},
    "cancelRepairJob": lambda w, _: {"jobId": w.job(), "reason": "pelanggan batal"},
    "claimRepairWarranty": lambda w, _: {
        "jobId": w.job(DELIVERED),
        "complaint": "layar berkedip lagi",
    },
    "registerInventoryItem": lambda w, _: {"input": w.item_input()},
    "receiveStock": lambda w, _: {
        "itemId": w.item_id,
        "quantity": 1,
        "unitCost": 400_000,
        "reference": "PO-1",
    },
    "adjustStock": lambda w, _: {"itemId": w.item_id, "delta": 1, "reason": "stok opname"},
    "draftPurchaseOrder": lambda w, _: {
        "supplier": "CV Sparepart",
        "lines": [{"itemId": w.item_id, "quantity": 1, "unitCost": 400_000}],
    },
    "counterSale": lambda w, _: {
        "input": {
            "customerId": w.customer_id,
            "lines": [{"description": "Jasa servis", "unitPrice": 10_000, "taxable": False}],
            "payments": [{"method": "cash", "amount": 10_000}],
        }
    },
    "configureVouchers": lambda w, _: {
        "loginUrl": "http://hotspot.lan/login",
        "adminPhones": ["081234567890"],
    },
    "createVoucherProfile": lambda w, _: {
        "input": PROFILE | {"name": f"P{w.number()}", "routerId": w.router_id}
    },
    "updateVoucherProfile": lambda w, _: {
        "input": {k: v for k, v in PROFILE.items() if k not in ("costPrice", "sellingPrice")}
        | {"id": w.profile_id, "rateLimit": f"{w.number()}k/2M"}
    },
    "generateVouchers": lambda w, _: {
        "input": {
            "profile": "3JAM",
            "quantity": 1,
            "mode": "vc",
            "charset": "lower_numeric",
            "prefix": "tx",
        }
    },
    "buyVouchers": lambda w, _: {
        "input": {
            "profile": "3JAM",
            "quantity": 1,
            "mode": "vc",
            "charset": "lower_numeric",
            "prefix": "ag",
            "agentId": w.agent_id,
        }
    },
    "revokeVoucher": lambda w, _: {"id": w.voucher()[0], "reason": "salah cetak"},
    "recordFirstLogin": lambda w, _: {"username": w.voucher()[1]},
    "recordVoucherUsedUp": lambda w, _: {"username": w.voucher(logged_in=True)[1]},
    "enrollAgent": lambda w, _: {"input": {"name": "Agen Baru", "phone": w.phone()}},
    "topUpAgent": lambda w, _: {
        "agentId": w.agent_id,
        "amount": 1_000,
        "reference": f"setoran-{w.number()}",
    },
    "adjustAgentBalance": lambda w, _: {
        "agentId": w.agent_id,
        "amount": 1_000,
        "reason": "koreksi",
    },
    "assignAgentShopCode": lambda w, _: {"agentId": w.agent(), "code": uuid.uuid4().hex[:10]},
    "createWebhookEndpoint": lambda w, _: {"input": WEBHOOK},
    "updateWebhookEndpoint": lambda w, _: {"input": WEBHOOK | {"id": w.endpoint()}},
    "replayWebhookEvents": lambda w, _: {
        "endpointId": w.endpoint(),
        "since": "2026-01-01T00:00:00+07:00",
    },
    "configureGateway": _gateway,
    "createPaymentLink": lambda w, _: {"invoiceId": w.invoice(), "gateway": "midtrans"},
    "configureWhatsapp": _whatsapp,
    "setMessageTemplate": lambda w, _: {
        "input": {
            "name": "invoice_issued",
            "text": "Halo {nama},\ntagihan Anda sudah terbit.",
            "metaTemplate": "invoice_issued",
            "language": "id",
        }
    },
    "resetMessageTemplate": lambda w, _: w.template_set("payment_received"),
    "createCampaign": lambda w, _: {"input": CAMPAIGN},
    "stopCampaign": lambda w, _: {"id": w.campaign(), "reason": "salah sasaran"},
    "tagCustomer": lambda w, _: {"id": w.customer(), "add": ["vip"], "remove": ["lama"]},
    "stopAllCampaigns": lambda w, _: {"reason": "darurat", **w.scheduled_campaign()},
    "categoriseInventoryItem": lambda w, _: {"itemId": w.item(), "category": "Layar HP"},
    "createPromotion": lambda w, _: {
        "input": {
            "name": f"Diskon layar {w.number()}",
            "kind": "percentage",
            "value": 10,
            "scope": "category",
            "category": "Layar HP",
            "startsOn": "2026-01-05",
            "endsOn": "2026-01-31",
        }
    },
    "setRateCardFeature": lambda w, _: {
        "code": f"fitur-{w.number()}",
        "name": "Pembayaran QRIS",
        "basePrice": 2_000_000,
    },
    "removeRateCardFeature": lambda w, _: {"code": w.rate_card_feature()},
    "estimateQuote": lambda w, _: {"input": w.quote_input(), "withSummary": True},
    "createQuotation": lambda w, _: {
        "input": w.quote_input(),
        "customerId": w.customer_id,
        "summary": "Aplikasi kasir untuk dua cabang",
    },
    "declineQuotation": lambda w, _: {"id": w.quotation(), "reason": "anggaran belum ada"},
    "createProject": lambda w, _: {
        "input": {
            "clientId": w.customer_id,
            "name": f"Toko online {w.number()}",
            "description": "Katalog dan pembayaran\nQRIS",
            "stagingUrl": "https://staging.contoh.id/toko",
        }
    },
    "updateProject": lambda w, _: {
        "input": {
            "id": w.project(),
            "name": f"Toko online {w.number()}",
            "description": "Katalog, pembayaran\ndan laporan",
            "stagingUrl": "https://staging.contoh.id/v2",
        }
    },
    "addMilestone": lambda w, _: {"projectId": w.project(), "input": MILESTONE},
    "updateMilestone": lambda w, _: {
        **w.milestone(),
        "input": MILESTONE | {"title": f"Termin {w.number()}: beta"},
    },
    "cancelProject": lambda w, _: {"id": w.project(), "reason": "klien menunda"},
    "openTicket": lambda w, _: {
        "input": {
            "customerId": w.customer_id,
            "category": "connection",
            "subject": "Internet mati sejak pagi",
            "description": "Lampu LOS merah\nsudah restart modem",
            "priority": "high",
        }
    },
    "addTicketNote": lambda w, _: {"id": w.ticket(), "text": "Cek ODP dulu\nlalu kabari"},
    "replyToTicket": lambda w, _: {"id": w.ticket(), "text": "Teknisi kami menuju lokasi."},
    "changeTicketStatus": lambda w, _: {"id": w.ticket(), "status": "pending"},
    "changeTicketPriority": lambda w, _: {"id": w.ticket(), "priority": "urgent"},
    "setSupportHours": lambda w, _: {
        "days": [1, 2, 3, 4, 5, 6],
        "opens": "08:00",
        "closes": "17:00",
    },
    "setSupportTargets": lambda w, _: {
        "targets": [{"priority": "urgent", "firstResponseMinutes": 30, "resolutionMinutes": 240}]
    },
}


# -- the tests --------------------------------------------------------------------------------

# Each field is also given these, whatever hypothesis draws: the characters PostgreSQL, JSON
# and readers cannot take, after and before a valid value.
PROBES: list[Callable[[str], str]] = [
    lambda valid: valid + "\x00",
    lambda valid: "\ud800" + valid,
    lambda valid: valid + "\x85",
    lambda valid: valid + "\uffff",
    lambda valid: valid * (65_537 // max(len(valid), 1) + 1),
    # Storable, yet awkward for JSON, SQL patterns and readers: most fields accept it.
    lambda valid: valid + " \u2028\u202e\ufeff\U0001f600'\"\\%_\u0301",
]


def texts_for(world: World, mutation: str, field: str) -> st.SearchStrategy[str]:
    return texts_around(valid_at(world.valid(mutation, field), field))


@pytest.fixture(scope="module")
def world(database_url: str) -> Iterator[World]:
    """One started container and tenant for the whole module: each example only needs the
    prerequisites of one mutation, most of them made once."""
    niaga = Niaga.start(
        Settings(
            database_url=database_url,
            niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
            niaga_env="test",
            niaga_secret_key=TEST_SECRET_KEY,
            redis_url=REDIS_URL,
            niaga_webhooks_allow_private=True,
        ),
        clock=FixedClock(date(2026, 1, 5)),
    )
    midtrans = FakeMidtrans("SB-Mid-server-uji")
    midtrans.start()
    try:
        yield World(niaga, midtrans)
    finally:
        midtrans.stop()
        niaga.close()


# The knowledge base needs pgvector, which this server may lack; its texts are tried on the
# embedded server by tests/integration/test_knowledge_base.py. upgradeTenant's one text, the
# server's name, must name a server of the settings before anything is recorded, and the move
# it starts runs on a worker thread: tests/e2e/test_operator_console.py and test_tenant_moves.py.
# signIn records every failure (the lockout and the audit log are made of them), so a refused
# password is recorded by design: tests/e2e/test_accounts.py.
ELSEWHERE = {"askKnowledgeBase", "uploadKnowledgeDocument", "upgradeTenant", "signIn"}


def test_every_mutation_with_a_text_input_has_a_valid_input_here() -> None:
    assert sorted(BASELINES) == sorted(set(TEXT_FIELDS) - ELSEWHERE)


@pytest.mark.parametrize("mutation", sorted(set(TEXT_FIELDS) - ELSEWHERE))
def test_any_text_in_any_input_is_refused_or_reaches_every_read_model(
    world: World, mutation: str
) -> None:
    fields = TEXT_FIELDS[mutation]
    world.accepts_its_valid_input(mutation, fields[0])
    for field in fields:
        valid = valid_at(world.valid(mutation, field), field)
        for probe in PROBES:
            world.attempt(mutation, field, probe(valid if isinstance(valid, str) else "x"))

    @settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.sampled_from(fields).flatmap(
            lambda f: st.tuples(st.just(f), texts_for(world, mutation, f))
        )
    )
    def any_text(drawn: tuple[str, str]) -> None:
        outcome = world.attempt(mutation, *drawn)
        event("refused" if outcome.refused else "accepted")

    any_text()

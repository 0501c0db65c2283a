"""Every id a command records beside its own aggregate (the job stock is moved for, the customer
a sale or a message is for, the plan subscribed to, the router a profile runs on) names the
caller's own aggregate: a random id, or another tenant's in the same store, is refused as
NotFound naming the argument, and nothing is recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest

from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.payments.payments import RecordPayment
from application.repairs.counter import CounterSale, SaleLine, SalePayment
from application.repairs.inventory import RegisterItem
from application.repairs.promotions import CreatePromotion
from application.repairs.repairs import ReceiveJob
from application.routers.routers import AddRouter
from application.shared.context import Principal
from application.shared.errors import NotFound
from application.shared.ports import Placement
from application.vouchers.vouchers import CreateVoucherProfile
from domain.billing.plan import BillingMode, ServiceType
from domain.payments.payment import PaymentMethod
from domain.vouchers.voucher import ProfileTerms
from tests.conftest import principal_for
from tests.integration.read_models import event_count, store_of

Ids = dict[str, UUID]
TERMS = ProfileTerms.of(
    "3jam",
    validity_seconds=3 * 3600,
    cost_price=1500,
    selling_price=3000,
    time_quota_seconds=3 * 3600,
    agent_prices=(2000,),
    commission_kind="level_margin",
    commission_values=(),
)
JOB = ("smartphone", "Oppo", "A5", "mati total")


def _plan(niaga: Niaga, who: Principal, name: str, price: int) -> UUID:
    return niaga.plans.create(
        who, CreatePlan(name, price, name, ServiceType.PPPOE, BillingMode.POSTPAID)
    )


def _books(niaga: Niaga, who: Principal, phone: str) -> Ids:
    """A customer with a subscription and a repair job holding one of a stocked item, a plan
    to move the subscription to, and a router."""
    customer = niaga.customers.register(who, RegisterCustomer("Budi", phone))
    subscription = niaga.subscriptions.subscribe(
        who,
        Subscribe(
            customer,
            _plan(niaga, who, "Paket 10", 150_000),
            1,
            "core-1",
            f"budi{phone[-4:]}",
            activate_on=date(2026, 1, 1),
        ),
    )
    job = niaga.repairs.receive(who, ReceiveJob(customer, *JOB))
    item = niaga.inventory.register(
        who, RegisterItem(f"LCD-{phone[-4:]}", "LCD", cost=1, price=50_000, opening_stock=3)
    )
    niaga.inventory.reserve(who, item, job, 1)
    return {
        "customer": customer,
        "plan": _plan(niaga, who, "Paket 20", 250_000),
        "subscription": subscription,
        "job": job,
        "router": niaga.routers.add(who, AddRouter("core-1", "192.0.2.10", "niaga", "rahasia")),
        "item": item,
    }


@dataclass(frozen=True)
class Refers:
    """A command that records the id of a `kind` it does not change, in argument `field`."""

    command: str
    kind: str
    field: str
    call: Callable[[Niaga, Principal, Ids, UUID], object]


CASES = [
    Refers(
        "reserve", "job", "job_id", lambda n, o, ids, x: n.inventory.reserve(o, ids["item"], x, 1)
    ),
    Refers(
        "consume", "job", "job_id", lambda n, o, ids, x: n.inventory.consume(o, ids["item"], x, 1)
    ),
    Refers("release", "job", "job_id", lambda n, o, ids, x: n.inventory.release(o, ids["item"], x)),
    Refers(
        "request_message",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.whatsapp.messages.request(
            o, x, "voucher_delivery", {}, uuid4(), "sold"
        ),
    ),
    Refers(
        "counter_sale",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.counter.sell(
            o, CounterSale(x, [SaleLine(1, ids["item"])], [SalePayment("cash", 50_000)])
        ),
    ),
    Refers(
        "create_promotion",
        "item",
        "item_id",
        lambda n, o, ids, x: n.promotions.create(
            o,
            CreatePromotion(
                "LCD 10%", "percentage", 10, "item", date(2026, 1, 5), date(2026, 1, 10), x
            ),
        ),
    ),
    Refers(
        "draft_invoice",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.invoicing.draft(
            o, DraftInvoice(x, [LineInput("service", "Pasang antena", 1, 50_000)])
        ),
    ),
    Refers(
        "subscribe_customer",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.subscriptions.subscribe(
            o, Subscribe(x, ids["plan"], 1, "core-1", "tamu")
        ),
    ),
    Refers(
        "subscribe_plan",
        "plan",
        "plan_id",
        lambda n, o, ids, x: n.subscriptions.subscribe(
            o, Subscribe(ids["customer"], x, 1, "core-1", "tamu")
        ),
    ),
    Refers(
        "change_plan",
        "plan",
        "plan_id",
        lambda n, o, ids, x: n.subscriptions.change_plan(o, ids["subscription"], x),
    ),
    Refers(
        "record_payment",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.payments.record(
            o, RecordPayment(x, 50_000, PaymentMethod.CASH, "KW-9")
        ),
    ),
    Refers(
        "submit_transfer",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.payments.submit_transfer(o, x, 50_000, "bukti-9"),
    ),
    Refers(
        "receive_repair_job",
        "customer",
        "customer_id",
        lambda n, o, ids, x: n.repairs.receive(o, ReceiveJob(x, *JOB)),
    ),
    Refers(
        "create_voucher_profile",
        "router",
        "router_id",
        lambda n, o, ids, x: n.vouchers.service.create_profile(
            o, CreateVoucherProfile("3JAM", x, TERMS)
        ),
    ),
]


@pytest.fixture
def ours(niaga: Niaga, owner: Principal) -> Ids:
    return _books(niaga, owner, "081200001111")


@pytest.fixture
def theirs(niaga: Niaga) -> Ids:
    """The same things, kept by another tenant of the same shared store."""
    tenant_id = niaga.tenants.create("Usaha Sebelah", Placement.SHARED)
    return _books(niaga, principal_for(tenant_id), "081200002222")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.command)
def test_an_id_of_nothing_or_of_another_tenant_is_refused_naming_it_and_records_nothing(
    niaga: Niaga, owner: Principal, ours: Ids, theirs: Ids, case: Refers
) -> None:
    schema = store_of(niaga, owner.tenant_id).ref.schema
    before = event_count(niaga, schema)

    for foreign in (uuid4(), theirs[case.kind]):
        with pytest.raises(NotFound) as refused:
            case.call(niaga, owner, ours, foreign)
        assert refused.value.field == case.field

    assert event_count(niaga, schema) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.command)
def test_the_same_command_goes_through_with_the_tenants_own_id(
    niaga: Niaga, owner: Principal, ours: Ids, case: Refers
) -> None:
    schema = store_of(niaga, owner.tenant_id).ref.schema
    before = event_count(niaga, schema)

    case.call(niaga, owner, ours, ours[case.kind])

    assert event_count(niaga, schema) > before

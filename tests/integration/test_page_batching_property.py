"""Property: a projection that applies a page of events at once leaves its read model exactly as
applying the same events one at a time does (what the runner falls back to when a page fails),
whatever the page boundaries and whichever events were parked on the way.

The log is a month of a small ISP, recorded in a random interleaving: customers registered,
changed and forgotten, subscriptions billed, suspended and reactivated, payments, notices,
WhatsApp messages queued under a notice's id or their own and then sent, failed, reported and
answered, routers and vouchers provisioned."""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import Connection, sql

from adapters.bootstrap import Niaga
from adapters.shared.event_log import PostgresEventLog
from adapters.shared.stores import PostgresEventStore
from application.billing.billing_run import bill_due_period
from application.billing.plans import CreatePlan
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.context import Principal, recording
from domain.billing.plan import BillingMode, Plan, ServiceType
from domain.billing.subscription import Subscription
from domain.messaging.notification import NotificationRequest
from domain.messaging.whatsapp import OutboundMessage
from domain.payments.payment import Payment, PaymentMethod
from domain.routers.provisioning import VOUCHER, HotspotUser, Provisioning
from domain.shared.recorded import RecordedEvent
from domain.shared.topics import topics_of
from migrations import runner as migrations
from projections.catalog import by_name
from projections.messaging.message_log import notice_id
from projections.shared.base import Projection
from tests.integration.read_models import assert_live_equals_rebuild, scratch_schema, store_of

BATCHED = (
    "audit_log",
    "message_log",
    "notification_outbox",
    "provisioning_status",
    "hotspot_users_wanted",
    "subscription_list",
)
Step = Callable[[], None]


@pytest.mark.parametrize("name", BATCHED)
def test_a_page_applied_at_once_equals_its_events_applied_one_by_one(
    niaga: Niaga, owner: Principal, name: str
) -> None:
    store = store_of(niaga, owner.tenant_id)
    _record_a_busy_month(niaga, owner, store, random.Random(18))
    projection = by_name(name)
    events = _log(niaga, store, projection)
    assert len(events) >= 10, "the month gave this projection too little to read"

    with scratch_schema(niaga) as at_once, scratch_schema(niaga) as one_by_one:
        for schema in (at_once, one_by_one):
            with niaga.database.connection() as conn:
                migrations.apply(conn, schema, ("read_models",))

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(st.data())
        def pages_equal_single_events(data: st.DataObject) -> None:
            parked = data.draw(st.sets(st.integers(0, len(events) - 1), max_size=3))
            kept = [e for i, e in enumerate(events) if i not in parked]
            cuts = data.draw(st.lists(st.integers(1, len(kept) - 1), max_size=8))
            pages = _split(kept, sorted(set(cuts)))
            assert _applied(niaga, at_once, projection, pages) == _applied(
                niaga, one_by_one, projection, [[e] for e in kept]
            )

        pages_equal_single_events()
    assert_live_equals_rebuild(niaga, store, (name,))


def test_a_whole_log_as_one_page_equals_it_event_by_event_for_the_audit_and_message_logs(
    niaga: Niaga, owner: Principal
) -> None:
    """The largest page: every row inserted and changed within it, every message queued and
    progressed, every forgotten customer's entries redacted before they are written."""
    store = store_of(niaga, owner.tenant_id)
    _record_a_busy_month(niaga, owner, store, random.Random(7))
    for name in ("audit_log", "message_log"):
        projection = by_name(name)
        events = _log(niaga, store, projection)
        with scratch_schema(niaga) as at_once, scratch_schema(niaga) as one_by_one:
            for schema in (at_once, one_by_one):
                with niaga.database.connection() as conn:
                    migrations.apply(conn, schema, ("read_models",))
            whole, parked = _applied(niaga, at_once, projection, [events])
            assert (whole, parked) == _applied(niaga, one_by_one, projection, [[e] for e in events])
        assert all(whole.values()), f"{name}: a table stayed empty"
        assert not parked


def _split(events: list[RecordedEvent], cuts: list[int]) -> list[list[RecordedEvent]]:
    bounds = [0, *cuts, len(events)]
    return [events[a:b] for a, b in pairwise(bounds) if a < b]


def _log(niaga: Niaga, store: PostgresEventStore, projection: Projection) -> list[RecordedEvent]:
    """The events the runner would hand this projection, in log order."""
    topics = [t for cls in projection.event_types for t in topics_of(cls)]
    log = PostgresEventLog(store, store.ref.schema)
    with niaga.database.connection() as conn:
        return log.read(conn, 0, log.head(conn), 1_000_000, topics)


def _applied(
    niaga: Niaga, schema: str, projection: Projection, pages: Sequence[Sequence[RecordedEvent]]
) -> tuple[dict[str, list[tuple[Any, ...]]], list[int]]:
    """The projection's tables after applying these pages to empty tables as the runner does
    (a page that fails goes again event by event; an event that fails alone is parked), and
    the positions parked. Rolled back afterwards."""
    parked: list[int] = []
    with niaga.database.connection() as conn, conn.transaction(force_rollback=True):
        for page in pages:
            if not _apply(conn, schema, projection, page):
                parked += [e.position for e in page if not _apply(conn, schema, projection, [e])]
        tables = {
            name: conn.execute(
                sql.SQL("SELECT * FROM {}.{} ORDER BY 1").format(
                    sql.Identifier(schema), sql.Identifier(name)
                )
            ).fetchall()
            for name in projection.tables
        }
    return tables, parked


def _apply(
    conn: Connection[Any], schema: str, projection: Projection, page: Sequence[RecordedEvent]
) -> bool:
    try:
        with conn.transaction(), conn.cursor() as cur:
            projection.apply(cur, schema, page)
    except Exception:
        return False
    return True


# -- the month ----------------------------------------------------------------------------------

ACTIVATED = date(2026, 1, 10)
BILLED = date(2026, 2, 10)


class _Month:
    """Steps per aggregate, taken in a random interleaving; a step may start new aggregates."""

    def __init__(self, niaga: Niaga, owner: Principal, store: PostgresEventStore) -> None:
        self.niaga, self.owner, self.store = niaga, owner, store
        self.tenant_id = owner.tenant_id
        self.queues: list[deque[Step]] = []

    def start(self, *steps: Step) -> None:
        self.queues.append(deque(steps))

    def save(self, *aggregates: Any) -> None:
        with recording("Test", actor=self.owner.actor, tenant_id=self.tenant_id):
            self.store.save(*aggregates)

    def run(self, rng: random.Random) -> None:
        while self.queues:
            queue = rng.choice(self.queues)
            queue.popleft()()
            if not queue:
                self.queues.remove(queue)


def _record_a_busy_month(
    niaga: Niaga, owner: Principal, store: PostgresEventStore, rng: random.Random
) -> None:
    month = _Month(niaga, owner, store)
    plan_id = niaga.plans.create(
        owner, CreatePlan("Paket 20 Mbps", 150_000, "20M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    plan: Plan = store.repository.get(plan_id)
    for i in range(6):
        customer_id = niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {i}", f"0812555000{i:02d}", email=f"p{i}@contoh.id")
        )
        month.start(*_customer_steps(month, customer_id, i, rng))
        month.start(*_subscription_steps(month, customer_id, plan, i, rng))
    for i in range(4):
        month.start(*_voucher_steps(month, i, rng))
    month.run(rng)


def _customer_steps(
    month: _Month, customer_id: uuid.UUID, i: int, rng: random.Random
) -> Iterator[Step]:
    niaga, owner = month.niaga, month.owner
    yield lambda: niaga.customers.change_contact(
        owner, ChangeCustomerContact(customer_id, name=f"Pelanggan {i} (baru)")
    )
    yield lambda: _notice(month, customer_id, rng)
    yield lambda: _notice(month, customer_id, rng)
    yield lambda: _pay(month, customer_id, i)
    if i % 3 == 0:
        yield lambda: niaga.customers.forget(owner, customer_id)


def _notice(month: _Month, customer_id: uuid.UUID, rng: random.Random) -> None:
    subject = uuid.uuid4()
    for_staff = rng.random() < 0.3
    request = NotificationRequest.request(
        month.tenant_id,
        None if for_staff else customer_id,
        "reminder",
        {"nama": "Pelanggan"},
        subject,
        "reminder",
    )
    month.save(request)
    if not for_staff:
        _message(month, notice_id(request.id, "request"), customer_id, request.id, rng)


def _pay(month: _Month, customer_id: uuid.UUID, i: int) -> None:
    month.save(
        Payment.receive(
            month.tenant_id,
            customer_id,
            50_000 + i,
            PaymentMethod.CASH,
            f"KW-{i}-{uuid.uuid4().hex[:6]}",
            BILLED,
            [],
        )
    )


def _subscription_steps(
    month: _Month, customer_id: uuid.UUID, plan: Plan, i: int, rng: random.Random
) -> Iterator[Step]:
    subscription = Subscription.subscribe(
        month.tenant_id, customer_id, plan, 10, "core-1", f"pppoe{i}"
    )
    provisioning = Provisioning.start(month.tenant_id, subscription.id)

    def activate() -> None:
        subscription.activate(ACTIVATED)
        month.save(subscription, provisioning)

    def provision() -> None:
        if rng.random() < 0.5:
            provisioning.fail("core-1", subscription.version, "timeout", will_retry=True)
            month.save(provisioning)
            provisioning.request_retry()
        provisioning.succeed("core-1", subscription.version, ["profile"])
        month.save(provisioning)

    def bill() -> None:
        invoice = bill_due_period(subscription, pkp=True)
        month.save(subscription, invoice)
        month.start(*_invoice_steps(month, invoice, customer_id, rng))

    def suspend_and_reactivate() -> None:
        subscription.suspend(BILLED, "unpaid")
        month.save(subscription)
        subscription.reactivate(BILLED)
        month.save(subscription)

    yield lambda: month.save(subscription)
    yield activate
    yield provision
    yield bill
    if i % 2:
        yield suspend_and_reactivate


def _invoice_steps(
    month: _Month, invoice: Any, customer_id: uuid.UUID, rng: random.Random
) -> Iterator[Step]:
    def issue() -> None:
        invoice.issue(f"INV/2026/{rng.randrange(10_000):04d}", BILLED, date(2026, 2, 20))
        month.save(invoice)

    yield issue
    yield lambda: _message(month, notice_id(invoice.id, "issued"), customer_id, invoice.id, rng)


def _message(
    month: _Month,
    message_id: uuid.UUID,
    customer_id: uuid.UUID,
    source_id: uuid.UUID,
    rng: random.Random,
) -> None:
    """A message queued under the notice's id (the log then asks for it twice) or one of its
    own, and some of what can happen to it."""
    if rng.random() < 0.3:
        message_id = uuid.uuid4()
    message = OutboundMessage.queue(
        message_id, month.tenant_id, customer_id, "invoice_issued", {"nomor": "1"}, source_id
    )
    month.save(message)
    if rng.random() < 0.4:
        message.failed("provider busy", will_retry=True)
        month.save(message)
    if rng.random() < 0.2:
        message.skip("opted_out")
    else:
        message.sent("cloud_api", f"wamid.{uuid.uuid4().hex[:8]}")
        for status in ("delivered", "read")[: rng.randrange(3)]:
            message.report(status)
    if rng.random() < 0.5:
        message.reply(opted_out=rng.random() < 0.5)
    month.save(message)


def _voucher_steps(month: _Month, i: int, rng: random.Random) -> Iterator[Step]:
    provisioning = Provisioning.start(month.tenant_id, uuid.uuid4(), kind=VOUCHER)
    router_id = uuid.uuid4()

    def want(version: int) -> Step:
        def step() -> None:
            user = HotspotUser(f"v{i}x{version}", "sealed", "1jam", "1h", None, False, "voucher")
            gone = version == 3 and rng.random() < 0.5  # the voucher expired: no user wanted
            provisioning.want_hotspot_user(router_id, "core-1", None if gone else user, version)
            month.save(provisioning)

        return step

    def pushed() -> None:
        provisioning.succeed("core-1", 3, ["user"])
        month.save(provisioning)

    yield lambda: month.save(provisioning)
    yield from (want(version) for version in range(1, 4))
    yield pushed

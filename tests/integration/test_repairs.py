"""The repair shop on real PostgreSQL: a job's whole life, stock following it, the customer's
WhatsApp answer, timers on a clock the test moves, and refusals that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from adapters.bootstrap import Niaga, daily_scheduler
from application.customers.customers import RegisterCustomer
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import QuoteLabour, QuotePart, ReceiveJob, parse_quote_answer
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import NotFound, PermissionDenied
from domain.billing.invoice import Invoice
from domain.repairs.inventory import InsufficientStock
from domain.repairs.repair_job import RepairPolicy, RepairRefused
from domain.shared.errors import DomainError, InvalidValue
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, store_of

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PHONE = "081298765432"


@pytest.fixture
def shop(niaga: Niaga, owner: Principal, clock: FixedClock) -> dict[str, UUID]:
    clock.set_now(START)
    customer = niaga.customers.register(owner, RegisterCustomer("Siti Rahma", PHONE))
    technician = niaga.repairs.add_technician(owner, "Andi")
    lcd = niaga.inventory.register(
        owner,
        RegisterItem(
            "LCD-A50",
            "LCD Samsung A50",
            cost=400_000,
            price=650_000,
            reorder_point=1,
            opening_stock=3,
        ),
    )
    return {"customer": customer, "technician": technician, "lcd": lcd}


def _receive(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID], priority: str = "normal"
) -> UUID:
    return niaga.repairs.receive(
        owner,
        ReceiveJob(
            shop["customer"],
            "smartphone",
            "Samsung",
            "Galaxy A50",
            "layar retak, sentuh tidak responsif",
            serial="356789101112131",
            accessories=["charger", "casing"],
            photos=["s3://foto/a50-depan.jpg"],
            priority=priority,
            technician_id=shop["technician"],
        ),
    )


def _quoted(niaga: Niaga, owner: Principal, shop: dict[str, UUID], quantity: int = 1) -> UUID:
    job = _receive(niaga, owner, shop)
    niaga.repairs.diagnose(owner, job, "LCD pecah, perlu ganti")
    niaga.repairs.quote(
        owner, job, [QuotePart(shop["lcd"], quantity)], [QuoteLabour("Jasa ganti LCD", 100_000)]
    )
    return job


def _stock(niaga: Niaga, owner: Principal, item: UUID) -> tuple[int, int]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    page = niaga.repair_read_models.stock_levels(
        store, owner.tenant_id, search=None, low_only=False, first=50, after=None
    )
    level = next(i for i in page.items if i.id == item)
    return level.on_hand, level.reserved


def _templates(niaga: Niaga, owner: Principal, subject: UUID) -> list[str]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    return [
        n.template
        for n in niaga.billing_read_models.notifications(store, owner.tenant_id, subject, 100)
    ]


def test_a_job_goes_from_counter_to_customer_with_stock_following(
    niaga: Niaga, owner: Principal, clock: FixedClock, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop)
    niaga.repairs.answer_quote(owner, job, approve=True)
    assert _stock(niaga, owner, shop["lcd"]) == (3, 1)
    niaga.repairs.start(owner, job)
    clock.advance(timedelta(hours=5))
    niaga.repairs.complete(owner, job, "LCD diganti, tes OK")
    assert _stock(niaga, owner, shop["lcd"]) == (2, 0)
    invoice_id, number = niaga.repairs.invoice(owner, job)
    niaga.repairs.deliver(owner, job)

    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert (view.status, view.price, view.parts_cost, view.labour) == (
        "delivered",
        750_000,
        400_000,
        100_000,
    )
    assert view.margin == 350_000
    assert view.warranty_until is not None
    invoice = store.repository.get(invoice_id)
    assert isinstance(invoice, Invoice)
    assert invoice.number == number
    assert invoice.total == 750_000
    history = [h.event for h in niaga.repair_read_models.history(store, owner.tenant_id, job)]
    assert history == [
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
    assert _templates(niaga, owner, job) == [
        "repair_received",
        "repair_diagnosed",
        "repair_quoted",
        "repair_approved",
        "repair_in_progress",
        "repair_completed",
        "repair_delivered",
    ]
    (performance,) = niaga.repair_read_models.performance(store, owner.tenant_id)
    assert (performance.jobs_done, performance.mean_hours_to_repair) == (1, 5.0)
    assert performance.sla_met_percent == 100.0
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("repair_board", "technicians", "inventory")
    )


def test_cancelling_an_approved_job_releases_its_parts(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop, quantity=2)
    niaga.repairs.answer_quote(owner, job, approve=True)
    assert _stock(niaga, owner, shop["lcd"]) == (3, 2)
    niaga.repairs.cancel(owner, job, "pelanggan berubah pikiran")
    assert _stock(niaga, owner, shop["lcd"]) == (3, 0)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Setuju", True),
        ("  SETUJU!  ", True),
        ("setuju.", True),
        ("Tak Setuju", False),
        ("tidak   setuju", False),
        ("Tidak Setuju", False),
        ("TIDAKSETUJU", False),
        ("setuju tapi nanti", None),
        ("halo", None),
        ("", None),
    ],
)
def test_quote_answers_are_read_whatever_the_case_and_spacing(
    text: str, answer: bool | None
) -> None:
    assert parse_quote_answer(text) is answer


def test_the_customer_approves_the_quote_on_whatsapp(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop)
    reply = niaga.repairs.answer_quote_from_message(owner.tenant_id, "+6281298765432", " setuju ")
    assert reply is not None
    assert "disetujui" in reply
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "approved"
    approved = niaga.repair_read_models.history(store, owner.tenant_id, job)[-1]
    assert approved.details["by"] == "customer"
    assert approved.actor == "gateway:whatsapp:+6281298765432"
    assert _stock(niaga, owner, shop["lcd"]) == (3, 1)
    again = niaga.repairs.answer_quote_from_message(owner.tenant_id, PHONE, "Setuju")
    assert again == "Tidak ada penawaran servis yang menunggu jawaban Anda saat ini."


def test_the_customer_rejects_the_quote_on_whatsapp(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop)
    reply = niaga.repairs.answer_quote_from_message(owner.tenant_id, PHONE, "Tidak setuju")
    assert reply is not None
    assert "tidak disetujui" in reply
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "rejected"
    assert _stock(niaga, owner, shop["lcd"]) == (3, 0)


def test_messages_that_are_no_quote_answer_or_from_strangers_are_left_alone(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop)
    assert niaga.repairs.answer_quote_from_message(owner.tenant_id, PHONE, "kapan selesai?") is None
    assert (
        niaga.repairs.answer_quote_from_message(owner.tenant_id, "081111111111", "Setuju") is None
    )
    assert niaga.repairs.answer_quote_from_message(owner.tenant_id, "bukan nomor", "Setuju") is None
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "quoted"


def test_sla_breach_quote_escalation_and_pickup_reminders_follow_the_clock(
    niaga: Niaga, owner: Principal, clock: FixedClock, shop: dict[str, UUID]
) -> None:
    niaga.repairs.set_policy(
        owner,
        RepairPolicy(
            sla_hours={"low": 96, "normal": 48, "high": 8, "urgent": 2},
            quote_escalation_hours=6,
            warranty_days=14,
            collection_reminder_days=(1, 20, 30),
        ),
    )
    urgent = _receive(niaga, owner, shop, priority="urgent")
    quoted = _quoted(niaga, owner, shop)

    clock.advance(timedelta(hours=1))
    first = daily_scheduler(niaga).run_repair_timers(owner.tenant_id)
    assert (first.sla_breaches, first.escalated_quotes) == ([], [])

    clock.advance(timedelta(hours=1, minutes=1))
    second = daily_scheduler(niaga).run_repair_timers(owner.tenant_id)
    assert second.sla_breaches == [urgent]
    assert daily_scheduler(niaga).run_repair_timers(owner.tenant_id).sla_breaches == []  # once only

    clock.advance(timedelta(hours=4))
    assert daily_scheduler(niaga).run_repair_timers(owner.tenant_id).escalated_quotes == [quoted]
    assert {"repair_delayed", "shop_repair_overdue"} <= set(_templates(niaga, owner, urgent))
    assert {"repair_quote_reminder", "shop_quote_unanswered"} <= set(
        _templates(niaga, owner, quoted)
    )

    niaga.repairs.answer_quote(owner, quoted, approve=True)
    niaga.repairs.start(owner, quoted)
    niaga.repairs.complete(owner, quoted)
    reminders = []
    for _ in range(31):
        clock.advance(timedelta(days=1))
        reminders.append(daily_scheduler(niaga).run_repair_timers(owner.tenant_id).pickup_reminders)
    assert [day + 1 for day, sent in enumerate(reminders) if sent] == [1, 20, 30]
    assert _templates(niaga, owner, quoted).count("repair_pickup_reminder") == 3
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("repair_board", "inventory")
    )


def test_a_warranty_claim_within_the_period_reopens_the_job(
    niaga: Niaga, owner: Principal, clock: FixedClock, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop)
    niaga.repairs.answer_quote(owner, job, approve=True)
    niaga.repairs.start(owner, job)
    niaga.repairs.complete(owner, job)
    niaga.repairs.deliver(owner, job)
    clock.advance(timedelta(days=10))
    niaga.repairs.claim_warranty(owner, job, "layar berkedip lagi")
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "in_progress"
    niaga.repairs.complete(owner, job)
    assert _stock(niaga, owner, shop["lcd"]) == (2, 0)  # the part was used once
    niaga.repairs.deliver(owner, job)
    clock.advance(timedelta(days=31))
    with pytest.raises(RepairRefused, match="warranty ended"):
        niaga.repairs.claim_warranty(owner, job, "rusak lagi")


def _versions(niaga: Niaga, owner: Principal, *ids: UUID) -> list[int]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    return [store.repository.get(i).version for i in ids]


def test_bad_input_is_refused_with_a_clear_error_and_nothing_changes(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _receive(niaga, owner, shop)
    before = _versions(niaga, owner, job, shop["lcd"])

    with pytest.raises(RepairRefused, match="cannot approve the quote of a job that is received"):
        niaga.repairs.answer_quote(owner, job, approve=True)
    with pytest.raises(RepairRefused, match="cannot deliver a job that is received"):
        niaga.repairs.deliver(owner, job)
    with pytest.raises(NotFound, match="no technician") as unknown:
        niaga.repairs.assign(owner, job, uuid4())
    assert unknown.value.field == "technician_id"
    niaga.repairs.diagnose(owner, job, "LCD pecah")
    before = _versions(niaga, owner, job, shop["lcd"])
    with pytest.raises(InvalidValue, match="price cannot be negative"):
        niaga.repairs.quote(owner, job, [QuotePart(shop["lcd"], 1, unit_price=-5)], [])
    with pytest.raises(InvalidValue, match="amount"):
        niaga.repairs.quote(owner, job, [], [QuoteLabour("Jasa", -100)])
    with pytest.raises(InsufficientStock, match="4 to consume, 3 in stock"):
        niaga.inventory.consume(owner, shop["lcd"], job, 4)
    with pytest.raises(InvalidValue, match="price"):
        niaga.inventory.reprice(owner, shop["lcd"], -1, None)
    assert _versions(niaga, owner, job, shop["lcd"]) == before
    assert _stock(niaga, owner, shop["lcd"]) == (3, 0)


def test_approving_needs_the_parts_in_stock(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _quoted(niaga, owner, shop, quantity=4)
    with pytest.raises(InsufficientStock):
        niaga.repairs.answer_quote(owner, job, approve=True)
    store = niaga.stores.for_tenant(owner.tenant_id)
    view = niaga.repair_read_models.job(store, owner.tenant_id, job)
    assert view is not None
    assert view.status == "quoted"
    assert _stock(niaga, owner, shop["lcd"]) == (3, 0)


def test_a_technician_may_work_on_jobs_but_not_assign_them(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    technician = principal_for(owner.tenant_id, Role.TECHNICIAN)
    job = _receive(niaga, owner, shop)
    niaga.repairs.diagnose(technician, job, "baterai kembung")
    with pytest.raises(PermissionDenied):
        niaga.repairs.assign(technician, job, shop["technician"])
    with pytest.raises(DomainError):
        niaga.inventory.adjust(technician, shop["lcd"], 5, "temuan")


def test_the_board_pages_most_urgent_first_and_filters(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    normal = _receive(niaga, owner, shop)
    urgent = _receive(niaga, owner, shop, priority="urgent")
    low = _receive(niaga, owner, shop, priority="low")
    store = niaga.stores.for_tenant(owner.tenant_id)
    views = niaga.repair_read_models

    def page(after: str | None, **filters: object) -> tuple[list[UUID], str | None, int]:
        found = views.jobs(
            store,
            owner.tenant_id,
            status=filters.get("status"),  # type: ignore[arg-type]
            technician_id=filters.get("technician_id"),  # type: ignore[arg-type]
            priority=filters.get("priority"),  # type: ignore[arg-type]
            first=2,
            after=after,
        )
        return [j.id for j in found.items], found.end_cursor, found.total_count

    first, cursor, total = page(None)
    assert (first, total) == ([urgent, normal], 3)
    assert page(cursor)[0] == [low]
    assert page(None, priority="low")[0] == [low]
    assert page(None, technician_id=shop["technician"])[2] == 3
    assert page(None, technician_id=uuid4())[2] == 0
    with pytest.raises(DomainError, match="status must be one of") as bad_status:
        page(None, status="hilang")
    assert bad_status.value.field == "status"
    with pytest.raises(DomainError, match="malformed cursor"):
        page("bukan-kursor")


def test_the_scheduler_cycle_runs_the_repair_timers(
    niaga: Niaga, owner: Principal, clock: FixedClock, shop: dict[str, UUID]
) -> None:
    urgent = _receive(niaga, owner, shop, priority="urgent")
    clock.advance(timedelta(hours=5))
    cycle = daily_scheduler(niaga).run_daily_cycle(owner.tenant_id)
    assert cycle.repairs is not None
    assert cycle.repairs.sla_breaches == [urgent]


def test_a_deactivated_technician_gets_no_new_work(
    niaga: Niaga, owner: Principal, shop: dict[str, UUID]
) -> None:
    job = _receive(niaga, owner, shop)
    other = niaga.repairs.add_technician(owner, "Citra")
    niaga.repairs.deactivate_technician(owner, other)
    with pytest.raises(NotFound, match="no technician"):
        niaga.repairs.assign(owner, job, other)
    store = niaga.stores.for_tenant(owner.tenant_id)
    listed = {
        t.name: t.active for t in niaga.repair_read_models.technicians(store, owner.tenant_id)
    }
    assert listed == {"Andi": True, "Citra": False}

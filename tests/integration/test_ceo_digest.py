"""The CEO digest on real PostgreSQL, a fake Gemini and a fake WhatsApp Cloud API, each on a
real socket: yesterday's figures from the read models, three insights from the model (names
masked on the way out, put back on the way in) or by rule when AI is off or failing, once per
tenant and day at 05:00 in the tenant's zone, and one WhatsApp message to the owner."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from psycopg import sql

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga, daily_scheduler
from adapters.messaging.whatsapp.fakes import FakeCloudApi
from adapters.shared.settings import Settings
from application.ai.digest_ports import CeoDigestView
from application.repairs.inventory import RegisterItem
from application.repairs.repairs import ReceiveJob
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import ApplicationError, PermissionDenied
from application.shared.ports import Placement
from application.shared.unit_of_work import find
from application.vouchers.voucher_batches import GenerateVouchers
from domain.ai.digest import (
    AgentSales,
    CeoDigest,
    CustomerSpend,
    DigestFigures,
    LowStockItem,
    message_id,
)
from domain.shared.errors import DomainError
from domain.shared.roles import Role
from tests.ai_support import FLASH, LITE, PRICES, gemini_fixture, platform_key  # noqa: F401
from tests.conftest import principal_for
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.integration.vouchers import Desk
from tests.whatsapp_support import (  # noqa: F401 - fixtures
    cloud_fixture,
    dispatcher_sending_inline,
    use_cloud_api,
)

YESTERDAY = date(2026, 1, 4)
DURING_YESTERDAY = datetime(2026, 1, 4, 3, 0, tzinfo=UTC)  # 10:00 WIB
MORNING = datetime(2026, 1, 4, 22, 30, tzinfo=UTC)  # 05:30 WIB on the 5th
OWNER_PHONE = "0811-2233-4455"


@pytest.fixture(name="settings")
def digest_settings(settings: Settings, gemini: FakeGemini, cloud: FakeCloudApi) -> Settings:
    return settings.model_copy(
        update={
            "niaga_ai_base_url": gemini.url,
            "niaga_ai_models": f"{FLASH},{LITE}",
            "niaga_ai_timeout_seconds": 1.0,
            "niaga_ai_deadline_seconds": 10.0,
            "niaga_ai_retries": 1,
            "niaga_ai_backoff_seconds": 0.01,
            "niaga_ai_prices": PRICES,
            "niaga_whatsapp_cloud_api_url": cloud.url,
        }
    )


@dataclass(frozen=True)
class Shop:
    """What was seeded: the ids the figures name, and every personal value."""

    bambang: UUID
    dewi: UUID
    agus: UUID
    personal: tuple[str, ...]


@pytest.fixture
def shop(niaga: Niaga, owner: Principal, clock: FixedClock) -> Shop:
    clock.set_now(DURING_YESTERDAY)
    books = Books(niaga, owner)
    bambang = books.customer("Bambang Sutrisno")
    dewi = books.customer("Dewi Lestari")
    rina = books.customer("Rina Kusumawati")
    day_after = YESTERDAY + timedelta(days=7)
    books.invoice(bambang, 150_000, YESTERDAY, day_after)
    books.invoice(dewi, 250_000, YESTERDAY, day_after)
    books.void(books.invoice(dewi, 99_000, YESTERDAY, day_after), YESTERDAY)
    books.invoice(rina, 300_000, date(2025, 12, 20), date(2025, 12, 27))  # long overdue
    books.pay(rina, 50_000, YESTERDAY - timedelta(days=1), "TRF-0")  # the day before
    books.pay(bambang, 150_000, YESTERDAY, "TRF-1")
    books.pay(dewi, 100_000, YESTERDAY, "TRF-2")
    plan = books.plan("Rumah 20", 200_000)
    books.subscribe(bambang, plan, YESTERDAY, "bambang")
    leaving = books.subscribe(dewi, plan, date(2025, 11, 1), "dewi")
    books.change(leaving, "terminate", on=YESTERDAY, reason="pindah rumah")
    desk = Desk(niaga, owner)
    desk.profile("3JAM")
    agus = desk.agent("Agus Salim", "081299990001", balance=10_000)
    niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 2), agus)  # 2 x Rp2.000
    for priority in ("urgent", "normal"):  # 4 hours (late by morning) and 72 hours
        niaga.repairs.receive(
            owner, ReceiveJob(rina, "hp", "Samsung", "A10", "layar pecah", priority=priority)
        )
    for sku, name, stock in (("LCD-A10", "LCD Samsung A10", 2), ("BAT-X", "Baterai X", 50)):
        niaga.inventory.register(
            owner, RegisterItem(sku, name, 100_000, 150_000, reorder_point=5, opening_stock=stock)
        )
    books.caught_up()  # the figures come from the read models
    clock.set_now(MORNING)
    personal = (
        "Bambang Sutrisno",
        "Dewi Lestari",
        "Rina Kusumawati",
        "Agus Salim",
        "081299990001",
        "6281299990001",
        "08120000000",  # every seeded customer phone starts so (Books numbers them)
    )
    return Shop(bambang, dewi, agus, personal)


EXPECTED = DigestFigures(
    revenue_issued=400_000,
    invoices_issued=2,
    revenue_collected=250_000,
    payments_received=2,
    top_customers=(),  # filled in by the test: the ids are the shop's
    overdue_total=250_000,
    overdue_count=1,
    new_subscriptions=1,
    churned_subscriptions=1,
    voucher_sales=(),
    repairs_pending=2,
    repairs_past_sla=1,
    low_stock=(LowStockItem("LCD-A10", "LCD Samsung A10", 2, 5),),
)


def _digest(niaga: Niaga, owner: Principal, day: date = YESTERDAY) -> CeoDigestView:
    view = niaga.services.ceo_digest_queries.digest(owner, day)
    assert view is not None
    return view


def _answer(gemini: FakeGemini, *titles: str) -> None:
    gemini.answer_json(
        {"insights": [{"title": t, "detail": f"{t}: tindak lanjuti hari ini."} for t in titles]}
    )


def test_yesterdays_figures_come_from_the_read_models_and_ai_writes_three_insights(
    niaga: Niaga, owner: Principal, shop: Shop, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    # The model writes a customer's name as the placeholder it was given; the owner reads it.
    gemini.answer_json(
        {
            "insights": [
                {"title": "Tagih piutang", "detail": "Hubungi [REDACTED_NAME_1] hari ini."},
                {"title": "Voucher", "detail": "Dorong agen menjual lebih banyak."},
                {"title": "Servis", "detail": "Selesaikan servis yang terlambat."},
            ]
        }
    )

    assert daily_scheduler(niaga).run_daily_cycle(owner.tenant_id).digest is not None

    view = _digest(niaga, owner)
    assert view.figures == _expected(shop)
    assert (view.mode, view.ai_status) == ("ai", "ok")
    assert [i.title for i in view.insights] == ["Tagih piutang", "Voucher", "Servis"]
    assert view.insights[0].detail == "Hubungi Bambang Sutrisno hari ini."
    assert view.names[shop.bambang] == "Bambang Sutrisno"
    assert view.names[shop.agus] == "Agus Salim"
    [request] = gemini.calls("generateContent")
    assert "Rp400.000" in request.raw
    assert "[REDACTED_NAME_1]" in request.raw
    for value in shop.personal:
        assert all(value not in body for body in gemini.bodies()), value
    usage = _event(niaga, owner).ai_usage
    assert (usage.feature, usage.model, usage.outcome) == ("ceo_digest", FLASH, "ok")
    assert usage.input_tokens > 0
    assert usage.cost_micro_idr > 0


def _expected(shop: Shop) -> DigestFigures:
    return DigestFigures(
        **{
            **vars(EXPECTED),
            "top_customers": (
                CustomerSpend(shop.bambang, 150_000, 1),
                CustomerSpend(shop.dewi, 100_000, 1),
            ),
            "voucher_sales": (AgentSales(shop.agus, 2, 4_000),),
        }
    )


def _event(niaga: Niaga, owner: Principal, day: date = YESTERDAY) -> CeoDigest:
    digest = find(
        niaga.stores.for_tenant(owner.tenant_id), CeoDigest, CeoDigest.id_for(owner.tenant_id, day)
    )
    assert digest is not None
    return digest


def test_when_gemini_fails_a_template_digest_of_the_same_figures_answers_and_says_why(
    niaga: Niaga, owner: Principal, shop: Shop, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    gemini.error(500)

    niaga.services.ceo_digests.compile(owner)

    view = _digest(niaga, owner)
    assert (view.mode, view.ai_status) == ("template", "provider_error")
    assert view.figures == _expected(shop)
    assert [i.title for i in view.insights] == [
        "Penagihan kemarin",
        "Piutang jatuh tempo",
        "Servis terlambat",
    ]
    assert "Rp250.000 atau 62% dari tagihan terbit Rp400.000" in view.insights[0].detail
    assert view.insights[1].detail.startswith("1 tagihan senilai Rp250.000 lewat jatuh tempo")
    assert view.insights[2].detail.startswith("1 dari 2 servis")
    assert gemini.calls("generateContent")  # it was asked, and failed
    assert _event(niaga, owner).ai_usage.outcome == "provider_error"


def test_with_ai_off_the_template_digest_answers_and_gemini_is_never_asked(
    niaga: Niaga, owner: Principal, shop: Shop, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    niaga.services.ai_switch.switch(owner, False)

    niaga.services.ceo_digests.compile(owner)

    view = _digest(niaga, owner)
    assert (view.mode, view.ai_status) == ("template", "off")
    assert view.figures == _expected(shop)
    assert len(view.insights) == 3
    assert gemini.requests == []


def test_an_answer_not_of_three_insights_is_asked_again_then_degrades_to_the_template(
    niaga: Niaga, owner: Principal, shop: Shop, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    _answer(gemini, "Satu", "Dua")
    _answer(gemini, "Satu")

    niaga.services.ceo_digests.compile(owner)

    view = _digest(niaga, owner)
    assert (view.mode, view.ai_status) == ("template", "invalid_answer")
    assert len(gemini.calls("generateContent")) == 2


def test_the_scheduler_compiles_one_digest_per_tenant_per_day_from_five_in_its_own_zone(
    niaga: Niaga, clock: FixedClock, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    jakarta = niaga.tenants.create("Toko Jakarta", Placement.SHARED)
    jayapura = niaga.tenants.create("Toko Jayapura", Placement.OWN_SCHEMA)
    niaga.tenants.change_settings(jayapura, timezone="Asia/Jayapura")
    scheduler = daily_scheduler(niaga)

    def cycle() -> dict[UUID, UUID | None]:
        return {t: scheduler.run_daily_cycle(t).digest for t in (jakarta, jayapura)}

    clock.set_now(datetime(2026, 1, 4, 19, 59, tzinfo=UTC))  # 04:59 WIT, 02:59 WIB
    assert cycle() == {jakarta: None, jayapura: None}
    clock.set_now(datetime(2026, 1, 4, 20, 0, tzinfo=UTC))  # 05:00 WIT, 03:00 WIB
    assert cycle() == {jakarta: None, jayapura: CeoDigest.id_for(jayapura, YESTERDAY)}
    assert cycle() == {jakarta: None, jayapura: None}  # done: not again
    clock.set_now(datetime(2026, 1, 4, 22, 0, tzinfo=UTC))  # 07:00 WIT, 05:00 WIB
    assert cycle() == {jakarta: CeoDigest.id_for(jakarta, YESTERDAY), jayapura: None}
    assert cycle() == {jakarta: None, jayapura: None}

    for tenant in (jakarta, jayapura):
        assert _rows(niaga, tenant) == [(YESTERDAY,)]
        assert _compiled_events(niaga, tenant) == 1
    assert len(gemini.calls("generateContent")) == 2  # one digest each, one call each


def _rows(niaga: Niaga, tenant_id: UUID) -> list[tuple[date]]:
    schema = store_of(niaga, tenant_id).ref.schema
    with niaga.database.connection() as conn:
        return conn.execute(
            sql.SQL("SELECT day FROM {}.ceo_digests WHERE tenant_id = %s").format(
                sql.Identifier(schema)
            ),
            [tenant_id],
        ).fetchall()


def _compiled_events(niaga: Niaga, tenant_id: UUID) -> int:
    schema = store_of(niaga, tenant_id).ref.schema
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.niaga_events WHERE topic LIKE %s").format(
                sql.Identifier(schema)
            ),
            ["%:CeoDigest.Compiled"],
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_the_digest_is_queued_once_for_the_owner_and_sent_on_whatsapp(
    niaga: Niaga, owner: Principal, shop: Shop, gemini: FakeGemini, cloud: FakeCloudApi
) -> None:
    platform_key(niaga, "key-a")
    _answer(gemini, "Tagih piutang", "Dorong agen", "Atur teknisi")
    use_cloud_api(niaga, owner, cloud)
    assert niaga.services.ceo_digests.set_recipients(owner, [OWNER_PHONE]) == ["+6281122334455"]
    assert niaga.services.ceo_digests.recipients(owner) == ["+62811****4455"]
    scheduler = daily_scheduler(niaga)

    first = scheduler.run_daily_cycle(owner.tenant_id).digest
    again = scheduler.run_daily_cycle(owner.tenant_id).digest
    assert (first, again) == (CeoDigest.id_for(owner.tenant_id, YESTERDAY), None)
    assert niaga.services.ceo_digests.compile(owner, YESTERDAY) == first  # on demand: the same

    assert _digest(niaga, owner).whatsapp == ["queued"]
    dispatcher_sending_inline(niaga).dispatch()  # the customers' notices too
    dispatcher_sending_inline(niaga).dispatch()
    [sent] = [r for r in cloud.requests if r.body["to"] == "6281122334455"]
    assert sent.body["to"] == "6281122334455"
    text = sent.body["text"]["body"]
    assert text.startswith("Selamat pagi! Ringkasan bisnis Warung Net Sejahtera tanggal 04/01/2026")
    assert "- Tagihan terbit: Rp400.000 (2 tagihan)" in text
    assert "Pelanggan teratas: Bambang Sutrisno Rp150.000, Dewi Lestari Rp100.000" in text
    assert "1. Tagih piutang: Tagih piutang: tindak lanjuti hari ini." in text
    assert "(analisis AI)" in text
    assert _digest(niaga, owner).whatsapp == ["sent"]
    assert _event(niaga, owner).messages == 1
    assert find(store_of(niaga, owner.tenant_id), CeoDigest, first) is not None
    store = niaga.stores.for_tenant(owner.tenant_id)
    assert niaga.whatsapp.read_models.message(store, message_id(first, 0)) is not None
    # The number travels sealed: it is in no event.
    # (Its digits in full, in any spelling: a short run of them may be part of a timestamp.)
    text = _events_text(niaga, owner.tenant_id)
    assert all(n not in text for n in ("81122334455", "0811-2233-4455", "2233-4455"))


def _events_text(niaga: Niaga, tenant_id: UUID) -> str:
    schema = store_of(niaga, tenant_id).ref.schema
    with niaga.database.connection() as conn:
        rows = conn.execute(
            sql.SQL("SELECT state FROM {}.niaga_events").format(sql.Identifier(schema))
        ).fetchall()
    return "\n".join(bytes(state).decode(errors="replace") for (state,) in rows)


def test_a_day_not_over_is_refused_and_only_owners_and_admins_compile_or_read(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    clock.set_now(MORNING)
    today = date(2026, 1, 5)
    with pytest.raises(ApplicationError, match="has not"):
        niaga.services.ceo_digests.compile(owner, today)
    staff = principal_for(owner.tenant_id, Role.STAFF)
    with pytest.raises(PermissionDenied):
        niaga.services.ceo_digests.compile(staff)
    with pytest.raises(PermissionDenied):
        niaga.services.ceo_digest_queries.digest(staff, YESTERDAY)
    admin = principal_for(owner.tenant_id, Role.ADMIN)
    assert niaga.services.ceo_digest_queries.digest(admin, YESTERDAY) is None
    with pytest.raises(DomainError, match="at most 3"):
        niaga.services.ceo_digests.set_recipients(owner, ["0811000001", "0811000002"] * 2)


def test_digests_list_newest_first_in_pages_and_the_read_model_equals_a_rebuild(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    clock.set_now(MORNING)
    days = [YESTERDAY - timedelta(days=n) for n in range(3)]
    for day in days:
        niaga.services.ceo_digests.compile(owner, day)  # no key: template digests

    first = niaga.services.ceo_digest_queries.digests(owner, 2, None)
    assert [v.day for v in first.items] == days[:2]
    assert first.has_next_page
    assert first.total_count == 3
    rest = niaga.services.ceo_digest_queries.digests(owner, 2, first.end_cursor)
    assert [v.day for v in rest.items] == days[2:]
    assert not rest.has_next_page
    assert {v.ai_status for v in first.items + rest.items} == {"no_key"}
    assert json.dumps([i.title for i in rest.items[0].insights], ensure_ascii=False)
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("ceo_digests",))

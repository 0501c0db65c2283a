"""Vouchers and agents on real PostgreSQL: batches, unique codes under concurrency, purchases
that never overspend, commissions, refunds, expiry, scoping, and read models equal to a rebuild."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.bootstrap import Niaga, daily_scheduler
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.shared.errors import (
    ApplicationError,
    ConcurrentModification,
    NotFound,
    PermissionDenied,
)
from application.shared.ports import Placement
from application.vouchers.agents import EnrollAgent
from application.vouchers.ports import VoucherFilter
from application.vouchers.voucher_batches import GenerateVouchers, VoucherBatches
from domain.shared.errors import InvalidValue
from domain.vouchers.agent import InsufficientBalance
from domain.vouchers.voucher import VoucherAlreadySold
from domain.vouchers.voucher_codes import CHARSETS, CodeSpaceExhausted, CodeSpec, Draw, draw_codes
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, store_of
from tests.integration.vouchers import Desk

VOUCHER_MODELS = ("voucher_profiles", "voucher_stock", "agent_list", "agent_ledger")
_phones = itertools.count(100)


def _phone() -> str:
    return f"0812{next(_phones):08d}"


@pytest.fixture
def desk(niaga: Niaga, owner: Principal) -> Desk:
    desk = Desk(niaga, owner)
    desk.profile()
    return desk


def _all_vouchers(niaga: Niaga, who: Principal, **where: object) -> list[object]:
    found, after = [], None
    while True:
        page = niaga.vouchers.queries.vouchers(who, VoucherFilter(**where), 500, after)  # type: ignore[arg-type]
        found += page.items
        if not page.has_next_page:
            return found
        after = page.end_cursor


def test_a_batch_of_a_thousand_lands_in_stock_with_distinct_codes(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    batch = niaga.vouchers.batches.generate(
        owner, GenerateVouchers("3jam", 1000, mode="up", length=7, prefix="HS")
    )
    stock = niaga.vouchers.queries.stock(owner)
    assert [(s.profile_name, s.agent_id, s.status, s.count) for s in stock] == [
        ("3JAM", None, "generated", 1000)
    ]
    printed = niaga.vouchers.queries.batch(owner, batch.batch_id)
    assert {v.username for v in printed} == {u for u, _ in batch.codes}
    assert len({v.username for v in printed}) == 1000
    assert all(v.username.startswith("HS") and len(v.username) == 9 for v in printed)


def _seeded_draw(seed: int) -> Callable[[str, int], str]:
    rng = random.Random(seed)
    return lambda alphabet, length: "".join(rng.choice(alphabet) for _ in range(length))


def test_concurrent_batches_drawing_the_same_codes_still_end_with_unique_codes(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    # Every batch draws the same sequence of codes, so all but one collide in the event store
    # and must retry with codes nobody holds.
    threads, quantity = 4, 300
    start = threading.Barrier(threads)
    results: list[object] = []
    errors: list[BaseException] = []

    def generate() -> None:
        batches = VoucherBatches(
            niaga.stores,
            niaga.projections,
            niaga.clock,
            desk.v.agents,
            desk.v.read_models,
            draw=_seeded_draw(7),
        )
        start.wait()
        try:
            results.append(batches.generate(owner, GenerateVouchers("3JAM", quantity)))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=generate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    vouchers = _all_vouchers(niaga, owner)
    usernames = [v.username for v in vouchers]  # type: ignore[attr-defined]
    assert len(usernames) == threads * quantity == len(set(usernames))
    per_batch = {b.batch_id: len(b.codes) for b in results}  # type: ignore[attr-defined]
    assert sorted(per_batch.values()) == [quantity] * threads


def _scripted_draw(parts: list[str], seed: int = 0) -> Draw:
    """Draws `parts` first, in order, then random characters."""
    queue, rng = list(parts), random.Random(seed)
    return lambda alphabet, length: (
        queue.pop(0) if queue else "".join(rng.choice(alphabet) for _ in range(length))
    )


def _batches(niaga: Niaga, desk: Desk, draw: Draw) -> VoucherBatches:
    v = desk.v
    return VoucherBatches(
        niaga.stores, niaga.projections, niaga.clock, v.agents, v.read_models, draw=draw
    )


def test_a_batch_drawing_codes_already_held_redraws_only_those(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    short = {"length": 5, "charset": "numeric", "prefix": "ee"}
    first = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 1000, **short))  # type: ignore[arg-type]
    held = [u for u, _ in first.codes]
    fresh = [u for u, _ in draw_codes(CodeSpec.of("vc", 5, "numeric", "ee"), 900, set(held))]
    # 100 codes of the first batch among 900 fresh ones: far past what a whole redraw survives.
    script = [u[2:] for u in held[:50] + fresh[:450] + held[50:100] + fresh[450:]]
    second = _batches(niaga, desk, _scripted_draw(script)).generate(
        owner,
        GenerateVouchers("3JAM", 1000, **short),  # type: ignore[arg-type]
    )
    codes = [u for u, _ in second.codes]
    assert len(set(codes)) == 1000
    assert not set(codes) & set(held)
    assert codes[50:500] + codes[550:] == fresh  # kept where they were drawn
    stock = niaga.vouchers.queries.stock(owner)
    assert [(s.status, s.count) for s in stock] == [("generated", 2000)]


def test_a_full_code_space_refuses_generating_and_buying_as_such_and_records_nothing(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    agent = desk.agent("Budi", _phone(), balance=100_000)
    # "7" then 3 digits: 1,000 codes, at most 50 in use. They are also codes of 4 digits.
    sevens = {"length": 3, "charset": "numeric", "prefix": "7"}
    niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 30, **sevens))  # type: ignore[arg-type]
    niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 20, **sevens), agent)  # type: ignore[arg-type]
    for refused_command in (
        lambda: niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 1, **sevens)),  # type: ignore[arg-type]
        lambda: niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 1, **sevens), agent),  # type: ignore[arg-type]
    ):
        with pytest.raises(CodeSpaceExhausted) as refused:
            refused_command()
        assert (refused.value.space, refused.value.used, refused.value.requested) == (1000, 50, 1)
    digits = GenerateVouchers("3JAM", 451, length=4, charset="numeric")  # 10,000: 500 may be used
    with pytest.raises(CodeSpaceExhausted) as refused:
        niaga.vouchers.batches.buy(owner, digits, agent)
    assert (refused.value.space, refused.value.used, refused.value.requested) == (10_000, 50, 451)
    assert desk.balance(agent) == 100_000 - 20 * 2000
    assert len(_all_vouchers(niaga, owner)) == 50
    assert len(niaga.vouchers.batches.generate(owner, replace(digits, quantity=450)).codes) == 450


@st.composite
def _code_spaces(draw: st.DrawFn) -> dict[str, Any]:
    """A code space, codes it holds already, and a batch within what is left of its share
    that first draws some of those held codes again."""
    spec = CodeSpec.of(
        "vc",
        draw(st.integers(3, 6)),
        draw(st.sampled_from(sorted(CHARSETS))),
        draw(st.text("abcXYZ789", max_size=3)),
    )
    existing = draw(st.integers(0, min(spec.capacity - 1, 400)))
    quantity = draw(st.integers(1, min(spec.capacity - existing, 400)))
    seed = draw(st.integers(0, 2**16))
    held = [u for u, _ in draw_codes(spec, existing, draw=_scripted_draw([], seed))]
    again = draw(st.integers(0, min(existing, quantity)))
    return {
        "spec": spec,
        "held": held,
        "again": held[:again],
        "quantity": quantity,
        "buying": draw(st.booleans()),
        "seed": seed,
    }


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_code_spaces())
def test_a_batch_within_the_share_of_its_code_space_always_gets_unique_free_codes(
    niaga: Niaga, case: dict[str, Any]
) -> None:
    spec, held, again, quantity = case["spec"], case["held"], case["again"], case["quantity"]
    owner = principal_for(niaga.tenants.create("Hotspot", Placement.SHARED))
    desk = Desk(niaga, owner)
    desk.profile()
    bodies = [u[len(spec.prefix) :] for u in held]
    shape = {"length": spec.length, "charset": spec.charset, "prefix": spec.prefix}
    if held:
        _batches(niaga, desk, _scripted_draw(bodies)).generate(
            owner,
            GenerateVouchers("3JAM", len(held), **shape),
        )
    batches = _batches(niaga, desk, _scripted_draw(bodies[: len(again)], case["seed"] + 1))
    command = GenerateVouchers("3JAM", quantity, **shape)
    if case["buying"]:
        agent = desk.agent("Budi", _phone(), balance=quantity * 2000)
        batch = batches.buy(owner, command, agent)
        assert desk.balance(agent) == 0
    else:
        batch = batches.generate(owner, command)
    codes = {u for u, _ in batch.codes}
    assert len(codes) == quantity
    assert all(spec.holds(u) for u in codes)
    assert not codes & set(held)
    assert len(_all_vouchers(niaga, owner)) == len(held) + quantity


def test_an_agent_buys_at_its_level_price_and_its_upline_earns_commissions(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    top = desk.agent("Budi", _phone(), balance=10_000)
    middle = desk.agent("Sari", _phone(), parent=top)
    buyer = desk.agent("Joko", _phone(), parent=middle, balance=30_000)
    batch = niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 10), buyer)
    assert (batch.unit_price, batch.charged, batch.balance_after) == (2500, 25_000, 5_000)
    assert desk.balance(buyer) == 5_000
    assert desk.balance(middle) == 10 * (2500 - 2300)
    assert desk.balance(top) == 10_000 + 10 * (2300 - 2000)
    sold = _all_vouchers(niaga, owner, agent_id=buyer)
    assert len(sold) == 10
    assert {v.status for v in sold} == {"sold"}
    statements = niaga.vouchers.queries.commissions(
        owner, datetime.now(UTC).date(), datetime.now(UTC).date()
    )
    assert {(c.agent_id, c.from_agent_id, c.vouchers, c.amount) for c in statements} == {
        (middle, buyer, 10, 2_000),
        (top, buyer, 10, 3_000),
    }
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), VOUCHER_MODELS)


def test_a_purchase_beyond_the_balance_debits_nothing_and_makes_no_vouchers(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    agent = desk.agent("Budi", _phone(), balance=5_000)
    with pytest.raises(InsufficientBalance):
        niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 3), agent)
    assert desk.balance(agent) == 5_000
    assert _all_vouchers(niaga, owner) == []
    ledger = niaga.vouchers.queries.ledger(owner, agent)
    assert [e.kind for e in ledger.items] == ["top_up"]


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (GenerateVouchers("10JAM", 5), "profile"),
        (GenerateVouchers("3JAM", 0), "quantity"),
        (GenerateVouchers("3JAM", 100_001), "quantity"),
        (GenerateVouchers("3JAM", 10, charset="emoji"), "charset"),
    ],
)
def test_bad_generation_requests_are_refused_with_the_field_to_fix(
    niaga: Niaga, owner: Principal, desk: Desk, command: GenerateVouchers, field: str
) -> None:
    agent = desk.agent("Budi", _phone(), balance=100_000)
    with pytest.raises(InvalidValue) as refused:
        niaga.vouchers.batches.buy(owner, command, agent)
    assert refused.value.field == field
    assert desk.balance(agent) == 100_000
    assert _all_vouchers(niaga, owner) == []


def test_a_voucher_sold_twice_is_refused_and_a_mixed_sale_sells_none(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    batch = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 3))
    ids = [v.id for v in niaga.vouchers.queries.batch(owner, batch.batch_id)]
    assert niaga.vouchers.service.sell(owner, [ids[0]]) == 3000
    with pytest.raises(VoucherAlreadySold):
        niaga.vouchers.service.sell(owner, [ids[0]])
    with pytest.raises(VoucherAlreadySold):
        niaga.vouchers.service.sell(owner, [ids[1], ids[0], ids[2]])
    statuses = {v.id: v.status for v in niaga.vouchers.queries.by_ids(owner, ids)}
    assert statuses == {ids[0]: "sold", ids[1]: "generated", ids[2]: "generated"}


def test_revoking_an_unused_bought_voucher_refunds_the_agent(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    agent = desk.agent("Budi", _phone(), balance=10_000)
    batch = niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 2), agent)
    first, second = niaga.vouchers.queries.batch(owner, batch.batch_id)
    niaga.vouchers.service.revoke(owner, first.id, "salah cetak", refund=True)
    assert desk.balance(agent) == 10_000 - 2000
    niaga.vouchers.service.record_first_login(owner, second.username)
    with pytest.raises(InvalidValue):
        niaga.vouchers.service.revoke(owner, second.id, "dipakai", refund=True)
    assert desk.balance(agent) == 8_000
    kinds = [e.kind for e in niaga.vouchers.queries.ledger(owner, agent).items]
    assert kinds == ["top_up", "purchase", "refund"]


def test_the_scheduler_expires_vouchers_whose_validity_has_passed(
    niaga: Niaga, owner: Principal, desk: Desk, clock: FixedClock
) -> None:
    batch = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 2))
    early, late = niaga.vouchers.queries.batch(owner, batch.batch_id)
    login = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    niaga.vouchers.service.record_first_login(owner, early.username, login)
    niaga.vouchers.service.record_first_login(owner, late.username, login + timedelta(hours=1))
    clock.set_now(login + timedelta(hours=3, minutes=30))
    assert daily_scheduler(niaga).expire_vouchers(owner.tenant_id) == 1
    assert daily_scheduler(niaga).expire_vouchers(owner.tenant_id) == 0
    statuses = {
        v.username: v.status for v in niaga.vouchers.queries.by_ids(owner, [early.id, late.id])
    }
    assert statuses == {early.username: "expired", late.username: "active"}
    clock.set_now(login + timedelta(hours=4))
    assert daily_scheduler(niaga).expire_vouchers(owner.tenant_id) == 1
    assert_live_equals_rebuild(niaga, store_of(niaga, owner.tenant_id), ("voucher_stock",))


def test_an_agent_sees_only_itself_and_its_downline(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    top = desk.agent("Budi", _phone(), balance=50_000)
    child = desk.agent("Sari", _phone(), parent=top, balance=50_000)
    other = desk.agent("Lain", _phone(), balance=50_000)
    niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 2), child)
    niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 3), other)
    as_top = desk.agent_principal(top)
    assert {a.id for a in niaga.vouchers.queries.agents(as_top)} == {top, child}
    assert {v.agent_id for v in _all_vouchers(niaga, as_top)} == {child}  # type: ignore[attr-defined]
    assert _all_vouchers(niaga, as_top, agent_id=other) == []
    with pytest.raises(NotFound):
        niaga.vouchers.queries.ledger(as_top, other)
    with pytest.raises(PermissionDenied):
        niaga.vouchers.batches.buy(as_top, GenerateVouchers("3JAM", 1), other)
    bought = niaga.vouchers.batches.buy(as_top, GenerateVouchers("3JAM", 1))
    assert bought.agent_id == top


_purchases = st.tuples(
    st.integers(min_value=2, max_value=4),  # concurrent buyers (threads) of one agent
    st.integers(min_value=1, max_value=4),  # vouchers per purchase
    st.integers(min_value=0, max_value=12),  # vouchers the balance can pay for
)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=_purchases)
def test_concurrent_purchases_by_one_agent_never_overspend(
    niaga: Niaga, owner: Principal, case: tuple[int, int, int]
) -> None:
    threads, quantity, affordable = case
    name = f"P{next(_phones)}"
    desk = Desk(niaga, owner, router_name=f"hotspot-{name}")
    desk.profile(name, agent_prices=(2000,), commission_kind="none")
    agent = desk.agent("Budi", _phone(), balance=affordable * 2000 or 0)
    start = threading.Barrier(threads)
    bought: list[int] = []

    def buy_until_refused() -> None:
        start.wait()
        for _ in range(20):
            try:
                batch = niaga.vouchers.batches.buy(owner, GenerateVouchers(name, quantity), agent)
            except InsufficientBalance:
                return
            except ConcurrentModification:
                continue
            bought.append(len(batch.codes))

    workers = [threading.Thread(target=buy_until_refused) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    balance = desk.balance(agent)
    assert balance >= 0
    assert balance == affordable * 2000 - sum(bought) * 2000
    assert balance < quantity * 2000  # they bought until it could not pay for one more
    sold = _all_vouchers(niaga, owner, agent_id=agent)
    assert len(sold) == sum(bought)
    ledger = niaga.vouchers.queries.ledger(owner, agent, first=500).items
    assert sum(e.amount for e in ledger) == balance


def test_an_agent_phone_number_is_enrolled_once(niaga: Niaga, owner: Principal, desk: Desk) -> None:
    phone = _phone()
    desk.agent("Budi", phone)
    with pytest.raises(Exception) as refused:
        desk.agent("Budi lagi", phone)
    assert getattr(refused.value, "code", "") == "DUPLICATE_AGENT"


def test_an_agent_name_and_number_are_not_stored_in_clear(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    desk.agent("Suryani Wulandari", "081299998888")
    schema = store_of(niaga, owner.tenant_id).ref.schema
    with niaga.database.connection() as conn:
        for clear in ("Suryani Wulandari", "+6281299998888"):
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*) FROM {}.niaga_events "
                    "WHERE position(convert_to(%s, 'UTF8') in state) > 0"
                ).format(sql.Identifier(schema)),
                (clear,),
            ).fetchone()
            assert row is not None
            assert row[0] == 0
    assert [a.name for a in niaga.vouchers.queries.agents(owner)] == ["Suryani Wulandari"]


def test_sales_are_counted_per_day_week_and_month_of_the_tenant_calendar(
    niaga: Niaga, owner: Principal, desk: Desk, clock: FixedClock
) -> None:
    agent = desk.agent("Budi", _phone(), balance=100_000)
    # 18:00 UTC on 31 January is 01:00 on 1 February in Jakarta (UTC+7).
    clock.set_now(datetime(2026, 1, 31, 18, 0, tzinfo=UTC))
    niaga.vouchers.batches.buy(owner, GenerateVouchers("3JAM", 2), agent)
    clock.set_now(datetime(2026, 1, 30, 3, 0, tzinfo=UTC))
    stock = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 1))
    queries = niaga.vouchers.queries
    niaga.vouchers.service.sell(owner, [v.id for v in queries.batch(owner, stock.batch_id)])
    since, until = datetime(2026, 1, 1).date(), datetime(2026, 2, 28).date()

    def sales(who: Principal, period: str) -> list[tuple[str, object, int, int]]:
        rows = queries.sales(who, period, since, until)
        return [(r.period.isoformat(), r.agent_id, r.vouchers, r.revenue) for r in rows]

    assert sales(owner, "day") == [("2026-01-30", None, 1, 3000), ("2026-02-01", agent, 2, 4000)]
    assert sales(owner, "month") == [
        ("2026-01-01", None, 1, 3000),
        ("2026-02-01", agent, 2, 4000),
    ]
    # Friday 30 January and Sunday 1 February are in the week of Monday 26 January.
    assert sales(owner, "week") == [("2026-01-26", None, 1, 3000), ("2026-01-26", agent, 2, 4000)]
    assert sales(desk.agent_principal(agent), "month") == [("2026-02-01", agent, 2, 4000)]
    with pytest.raises(ApplicationError) as refused:
        queries.sales(owner, "year", since, until)
    assert refused.value.field == "period"


def test_an_agent_enrolls_sub_agents_only_under_itself(
    niaga: Niaga, owner: Principal, desk: Desk
) -> None:
    top = desk.agent("Budi", _phone())
    other = desk.agent("Lain", _phone())
    as_top = desk.agent_principal(top)
    child = niaga.vouchers.agents.enroll(as_top, EnrollAgent("Sari", _phone()))
    assert niaga.vouchers.queries.agent(owner, child).parent_id == top
    with pytest.raises(PermissionDenied):
        niaga.vouchers.agents.enroll(as_top, EnrollAgent("Joko", _phone(), other))
    with pytest.raises(PermissionDenied):
        niaga.vouchers.agents.top_up(as_top, top, 1_000_000, "sendiri")

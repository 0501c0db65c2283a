"""Stock rules on the aggregate alone: never negative, reservations count against what is
available, the reorder alert, moving average cost, purchase orders."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.repairs.inventory import (
    InsufficientStock,
    InventoryItem,
    PurchaseOrder,
    PurchaseOrderRefused,
    PurchaseOrderStatus,
    order_line,
)
from domain.shared.errors import DomainError

TENANT = UUID("00000000-0000-0000-0000-000000000001")
JOBS = [UUID(int=n) for n in range(1, 4)]


def _item(reorder_point: int = 0) -> InventoryItem:
    return InventoryItem.register(
        TENANT, "bat-x1", "Baterai X1", cost=100_000, price=180_000, reorder_point=reorder_point
    )


movement = st.one_of(
    st.tuples(st.just("receive"), st.integers(1, 20), st.integers(0, 300_000)),
    st.tuples(st.just("reserve"), st.sampled_from(JOBS), st.integers(1, 20)),
    st.tuples(st.just("release"), st.sampled_from(JOBS), st.just(0)),
    st.tuples(st.just("consume"), st.sampled_from(JOBS), st.integers(1, 20)),
    st.tuples(st.just("sell"), st.just(uuid4()), st.integers(1, 20)),
    st.tuples(st.just("adjust"), st.integers(-20, 20), st.just("")),
    st.tuples(st.just("count"), st.integers(-5, 40), st.just(0)),
)


def _apply(item: InventoryItem, step: tuple[str, object, object]) -> None:
    kind, a, b = step
    if kind == "receive":
        item.receive(a, b)  # type: ignore[arg-type]
    elif kind == "reserve":
        item.reserve(a, b)  # type: ignore[arg-type]
    elif kind == "release":
        item.release(a)  # type: ignore[arg-type]
    elif kind == "consume":
        item.consume(a, b)  # type: ignore[arg-type]
    elif kind == "sell":
        item.sell(a, b)  # type: ignore[arg-type]
    elif kind == "adjust":
        item.adjust(a, "koreksi")  # type: ignore[arg-type]
    else:
        item.count(a)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.lists(movement, max_size=40))
def test_stock_is_never_negative_and_refusals_change_nothing(
    steps: list[tuple[str, object, object]],
) -> None:
    item = _item(reorder_point=3)
    for step in steps:
        before = (item.version, item.on_hand, dict(item.reservations))
        try:
            _apply(item, step)
        except DomainError:
            assert (item.version, item.on_hand, dict(item.reservations)) == before
        assert item.on_hand >= 0
        assert item.reserved >= 0
        assert item.available >= 0
    # The aggregate rebuilt from its events agrees with the one that recorded them.
    rebuilt = None
    for event in item.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, InventoryItem)
    assert (rebuilt.on_hand, rebuilt.reservations, rebuilt.low) == (
        item.on_hand,
        item.reservations,
        item.low,
    )


def test_reserved_stock_counts_against_what_can_be_sold() -> None:
    item = _item()
    item.receive(5, 100_000)
    item.reserve(JOBS[0], 4)
    with pytest.raises(InsufficientStock, match="2 to sell, 1 available"):
        item.sell(uuid4(), 2)
    item.consume(JOBS[0], 4)
    assert (item.on_hand, item.reserved) == (1, 0)


def test_average_cost_moves_with_what_comes_in() -> None:
    item = _item()
    item.receive(10, 100_000)
    item.receive(10, 130_000)
    assert item.average_cost == 115_000


def test_low_stock_is_raised_once_until_stock_recovers() -> None:
    item = _item(reorder_point=2)
    item.receive(5, 100_000)
    item.sell(uuid4(), 3)
    item.sell(uuid4(), 1)
    item.receive(5, 100_000)
    item.sell(uuid4(), 5)
    lows = [e for e in item.collect_events() if isinstance(e, InventoryItem.LowStock)]
    assert [e.available for e in lows] == [2, 1]


def test_a_purchase_order_is_received_in_parts() -> None:
    a, b = uuid4(), uuid4()
    order = PurchaseOrder.draft(
        TENANT, "CV Sparepart", [order_line(a, 10, 50_000), order_line(b, 2, 9)]
    )
    with pytest.raises(PurchaseOrderRefused):
        order.receive({a: 1})
    order.place()
    order.receive({a: 4})
    assert order.status is PurchaseOrderStatus.PARTLY_RECEIVED
    with pytest.raises(PurchaseOrderRefused, match="7 received but 6 outstanding"):
        order.receive({a: 7})
    order.receive({a: 6, b: 2})
    assert order.status is PurchaseOrderStatus.RECEIVED

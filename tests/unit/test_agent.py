"""Agents: the tree, the balance and its ledger (given-when-then), and properties of both."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.vouchers.agent import Agent, InsufficientBalance
from domain.vouchers.voucher_codes import CodeSpec, draw_codes

TENANT = uuid4()
MOVEMENTS = (
    Agent.ToppedUp,
    Agent.Debited,
    Agent.Refunded,
    Agent.CommissionEarned,
    Agent.Adjusted,
)


def _agent(
    parent: Agent | None = None, credit_limit: int = 0, phone: str = "081234567890"
) -> Agent:
    return Agent.enroll(TENANT, "Budi", phone, parent, credit_limit)


def _movements(agent: Agent) -> list[Any]:
    return [e for e in agent.collect_events() if isinstance(e, MOVEMENTS)]


def test_children_are_one_level_below_their_parent_and_know_their_upline() -> None:
    top = _agent()
    child = _agent(top, phone="081234567891")
    grandchild = _agent(child, phone="081234567892")
    assert (top.level, child.level, grandchild.level) == (1, 2, 3)
    assert grandchild.ancestors == [child.id, top.id]


def test_agents_go_at_most_five_levels_deep() -> None:
    agent = _agent()
    for n in range(4):
        agent = _agent(agent, phone=f"08123456780{n}")
    with pytest.raises(InvalidValue):
        _agent(agent, phone="081234567899")


def test_every_movement_records_the_balance_before_and_after() -> None:
    agent = _agent()
    agent.top_up(50_000, "tunai")
    agent.debit(23_000, uuid4(), uuid4(), 10)
    agent.adjust(-1_000, "selisih")
    balances = [(e.balance_before, e.balance_after) for e in _movements(agent)]
    assert balances == [(0, 50_000), (50_000, 27_000), (27_000, 26_000)]


def test_a_purchase_beyond_the_balance_is_refused_and_records_nothing() -> None:
    agent = _agent()
    agent.top_up(10_000, "tunai")
    agent.collect_events()
    with pytest.raises(InsufficientBalance):
        agent.debit(10_001, uuid4(), uuid4(), 1)
    assert agent.balance == 10_000
    assert agent.collect_events() == []


def test_a_credit_limit_lets_the_balance_go_that_far_below_zero() -> None:
    agent = _agent(credit_limit=5_000)
    agent.debit(5_000, uuid4(), uuid4(), 2)
    assert agent.balance == -5_000
    with pytest.raises(InsufficientBalance):
        agent.debit(1, uuid4(), uuid4(), 1)


def test_a_top_up_request_does_not_move_the_balance() -> None:
    agent = _agent()
    agent.request_top_up(100_000)
    assert agent.balance == 0
    with pytest.raises(InvalidValue):
        agent.request_top_up(0)


_ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["top_up", "debit", "refund", "commission", "adjust"]),
        st.integers(min_value=-50_000, max_value=50_000),
    ),
    max_size=40,
)


def _apply(agent: Agent, action: str, amount: int) -> None:
    try:
        if action == "top_up":
            agent.top_up(amount, "tunai")
        elif action == "debit":
            agent.debit(amount, uuid4(), uuid4(), 1)
        elif action == "refund":
            agent.refund(amount, uuid4(), "batal")
        elif action == "commission":
            agent.earn_commission(amount, uuid4(), uuid4(), uuid4(), 1)
        else:
            agent.adjust(amount, "koreksi")
    except (InsufficientBalance, InvalidValue):
        pass  # refused: nothing recorded, which the properties check


@given(actions=_ACTIONS, credit_limit=st.sampled_from([0, 0, 10_000]))
def test_the_balance_is_the_sum_of_the_ledger_and_never_below_the_credit_limit(
    actions: list[tuple[str, int]], credit_limit: int
) -> None:
    agent = _agent(credit_limit=credit_limit)
    for action, amount in actions:
        _apply(agent, action, amount)
    movements = _movements(agent)
    assert agent.balance == sum(e.balance_after - e.balance_before for e in movements)
    for earlier, later in itertools.pairwise(movements):
        assert later.balance_before == earlier.balance_after
    assert all(e.balance_after >= -credit_limit for e in movements)


@given(actions=_ACTIONS)
def test_a_rebuilt_agent_has_the_same_balance(actions: list[tuple[str, int]]) -> None:
    agent = _agent()
    for action, amount in actions:
        _apply(agent, action, amount)
    rebuilt = None
    for e in agent.collect_events():
        rebuilt = e.mutate(rebuilt)
    assert rebuilt is not None
    assert rebuilt.balance == agent.balance


@settings(max_examples=3, deadline=None)
@given(
    prefix=st.sampled_from(["", "HS", "v1"]), charset=st.sampled_from(["lower_numeric", "mixed"])
)
def test_a_hundred_thousand_drawn_codes_are_all_different(prefix: str, charset: str) -> None:
    codes = draw_codes(CodeSpec.of("vc", 6, charset, prefix), 100_000)
    assert len({u for u, _ in codes}) == 100_000
    assert all(u.startswith(prefix) and len(u) == len(prefix) + 6 for u, _ in codes)

"""Commands decide on cached aggregates without asking the store, and optimistic concurrency keeps
them right: a decision on a stale copy fails its save, the copy is dropped and the command runs
again. Two containers on one database stand for two processes; threads for concurrent requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.billing.subscriptions import Subscribe
from application.customers.customer_tags import CustomerTagService
from application.customers.customers import RegisterCustomer
from application.shared.aggregate_cache import serving_cached
from application.shared.clock import FixedClock
from application.shared.commands import ATTEMPTS, run_command
from application.shared.context import Principal, recording
from application.shared.errors import ConcurrentModification
from application.shared.event_store import EventStore, Saved
from domain.billing.subscription import SubscriptionState
from domain.customers.customer_tags import CustomerTags
from domain.shared.errors import CustomerForgotten
from tests.integration.billing import Books

T = TypeVar("T")


class NoWait:
    """Read models are not what these tests are about: commands return after their save."""

    def wait(self, store: EventStore, upto: Saved | int, timeout: float = 2.0) -> bool:
        return True


class Counted:
    """A command and how many times it ran."""

    def __init__(self, command: Callable[[], T]) -> None:
        self.command = command
        self.attempts = 0

    def __call__(self) -> object:
        self.attempts += 1
        return self.command()


@pytest.fixture
def other_process(settings: Settings, clock: FixedClock) -> Iterator[Niaga]:
    """A second container on the same database: its own stores, its own aggregate cache."""
    app = Niaga.start(settings, clock=clock)
    yield app
    app.close()


def _customer(niaga: Niaga, owner: Principal, phone: str = "081234567890") -> UUID:
    return niaga.customers.register(owner, RegisterCustomer("Rina Marlina", phone))


def _tags(niaga: Niaga, owner: Principal, customer_id: UUID) -> CustomerTags:
    store = niaga.stores.for_tenant(owner.tenant_id)
    tags: CustomerTags = store.repository.get(CustomerTags.id_for(customer_id))
    return tags


def _tagged_events(niaga: Niaga, owner: Principal, customer_id: UUID) -> int:
    store = niaga.stores.for_tenant(owner.tenant_id)
    history = store.history(CustomerTags.id_for(customer_id))
    return sum(isinstance(h.event, CustomerTags.Tagged) for h in history)


def test_two_processes_taking_turns_on_one_aggregate_lose_no_update(
    niaga: Niaga, other_process: Niaga, owner: Principal
) -> None:
    customer = _customer(niaga, owner)
    processes = [niaga, other_process]
    attempts = []
    for turn in range(6):
        process = processes[turn % 2]
        command = Counted(
            lambda process=process, turn=turn: process.whatsapp.tags.change(
                owner, customer, [f"turn-{turn}"], []
            )
        )
        run_command(command)
        attempts.append(command.attempts)

    # Each process decided once on its cached copy, which the other had moved on: the save
    # failed, the copy was dropped and the command ran again on the stored state.
    assert attempts == [1, 1, 2, 2, 2, 2]
    assert _tags(niaga, owner, customer).tags == {f"turn-{turn}" for turn in range(6)}
    assert _tagged_events(niaga, owner, customer) == 6


def test_concurrent_commands_on_one_aggregate_end_with_the_exact_total(
    niaga: Niaga, owner: Principal
) -> None:
    customer = _customer(niaga, owner)
    tags = CustomerTagService(niaga.stores, NoWait())  # the command path alone: most contention

    def add(thread: int) -> int:
        """25 tags, each sent again by the client until it is taken; returns the refusals."""
        refused = 0
        for change in range(25):
            tag = f"t{thread}-{change}"
            while True:
                try:
                    run_command(lambda tag=tag: tags.change(owner, customer, [tag], []))
                    break
                except ConcurrentModification:
                    refused += 1  # lost every attempt to the other threads; nothing was saved
                    assert refused < 500
        return refused

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add, range(8)))

    expected = {f"t{thread}-{change}" for thread in range(8) for change in range(25)}
    assert _tags(niaga, owner, customer).tags == expected
    assert _tagged_events(niaga, owner, customer) == 200


def test_a_command_whose_save_went_through_is_not_run_again(niaga: Niaga, owner: Principal) -> None:
    customer = _customer(niaga, owner)

    def tag_then_fail() -> None:
        niaga.whatsapp.tags.change(owner, customer, ["vip"], [])
        raise ConcurrentModification("something after the save conflicted")

    command = Counted(tag_then_fail)
    with pytest.raises(ConcurrentModification):
        run_command(command)

    assert command.attempts == 1
    assert _tagged_events(niaga, owner, customer) == 1


def test_a_conflict_that_outlasts_every_attempt_is_reported(niaga: Niaga, owner: Principal) -> None:
    def always_conflicting() -> None:
        raise ConcurrentModification("lost again")

    command = Counted(always_conflicting)
    with pytest.raises(ConcurrentModification):
        run_command(command)
    assert command.attempts == ATTEMPTS


def test_a_customer_forgotten_by_another_process_is_not_acted_on_from_the_cache(
    niaga: Niaga, other_process: Niaga, owner: Principal
) -> None:
    books = Books(niaga, owner)
    plan = books.plan("Home 20 Mbps", 200_000)
    customer = _customer(niaga, owner)
    run_command(lambda: niaga.whatsapp.tags.change(owner, customer, ["rt-05"], []))  # cached here
    other_process.customers.forget(owner, customer)

    subscribe = Counted(
        lambda: niaga.subscriptions.subscribe(
            owner, Subscribe(customer, plan, 10, "core-1", "rina")
        )
    )
    with pytest.raises(CustomerForgotten):
        run_command(subscribe)

    # The first attempt decided on the cached copy; its save found that copy stale.
    assert subscribe.attempts == 2
    assert niaga.stores.for_tenant(owner.tenant_id).repository.get(customer).forgotten


def test_a_refusal_decided_on_a_cached_copy_is_decided_again_on_the_stored_state(
    niaga: Niaga, other_process: Niaga, owner: Principal
) -> None:
    plan = Books(niaga, owner).plan("Home 20 Mbps", 200_000)
    customer = _customer(niaga, owner)
    subscription = run_command(
        lambda: niaga.subscriptions.subscribe(
            owner, Subscribe(customer, plan, 10, "core-1", "rina")
        )
    )  # pending, and cached here as saved
    other_process.subscriptions.activate(owner, subscription)

    # The cached copy is still pending, and a pending subscription cannot be suspended.
    suspend = Counted(lambda: niaga.subscriptions.suspend(owner, subscription, "nunggak"))
    run_command(suspend)

    assert suspend.attempts == 2
    store = niaga.stores.for_tenant(owner.tenant_id)
    assert store.repository.get(subscription).state is SubscriptionState.SUSPENDED


def test_what_a_command_does_to_an_aggregate_after_its_save_stays_out_of_the_cache(
    niaga: Niaga, owner: Principal
) -> None:
    customer = _customer(niaga, owner)
    run_command(lambda: niaga.whatsapp.tags.change(owner, customer, ["vip"], []))
    store = niaga.stores.for_tenant(owner.tenant_id)
    with serving_cached(trusted=True):
        tags: CustomerTags = store.repository.get(CustomerTags.id_for(customer))
        tags.tag("nunggak")
        with recording("TagCustomer", actor=owner.actor, tenant_id=owner.tenant_id):
            store.save_and_locate(tags)
        tags.tag("never-saved")  # changed after the save, then the command fails

        cached: CustomerTags = store.repository.get(CustomerTags.id_for(customer))
    assert cached.tags == {"vip", "nunggak"}
    assert cached.version == tags.version - 1


def test_a_failed_save_leaves_no_change_in_the_cache(
    niaga: Niaga, other_process: Niaga, owner: Principal
) -> None:
    customer = _customer(niaga, owner)
    run_command(lambda: niaga.whatsapp.tags.change(owner, customer, ["vip"], []))
    run_command(lambda: other_process.whatsapp.tags.change(owner, customer, ["rt-05"], []))
    store = niaga.stores.for_tenant(owner.tenant_id)
    with serving_cached(trusted=True):
        stale: CustomerTags = store.repository.get(CustomerTags.id_for(customer))
        stale.tag("never-saved")
        with (
            pytest.raises(Exception, match=r"duplicate key|unique"),
            recording("TagCustomer", actor=owner.actor, tenant_id=owner.tenant_id),
        ):
            store.save_and_locate(stale)

        reloaded: CustomerTags = store.repository.get(CustomerTags.id_for(customer))
    assert reloaded.tags == {"vip", "rt-05"}

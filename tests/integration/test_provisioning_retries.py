"""How the provisioning dispatcher retries: a refusal waits for a change that can fix it, a dead
router is probed while its backlog waits and never delays another router, repeated failures are
recorded once with their count, and jobs racing on one target do not fail. Real jobs in the
in-process pool, against RouterOS simulators; time is skipped forward instead of waited for."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import librouteros
import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.routers.dispatcher import (
    ProvisioningDispatcher,
    provisioning_effect,
    voucher_push_effect,
)
from adapters.routers.routeros.simulator import RouterOSSimulator
from adapters.shared.job_transport import LocalPool
from api.graphql.schema import build_schema
from api.graphql.shared.support import Context
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.routers.provisioning import UNDER_WAY, HotspotTarget, Outcome, ProvisioningView
from application.routers.routers import AddRouter, RouterUnreachable
from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from application.shared.ports import Placement
from application.shared.unit_of_work import find
from application.vouchers.voucher_provisioning import VoucherProvisioning
from domain.billing.plan import BillingMode, ServiceType
from domain.routers.provisioning import HotspotUser, Provisioning
from domain.shared.errors import InvalidValue
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import store_of

USER, PASSWORD = "niaga", "rahasia"
PHONES = itertools.count(1)
LATER = 61.0  # seconds skipped between cycles: past every backoff, probe window and grace


class SkippingClock:
    """Real time plus whatever the test skipped, for the dispatcher's decisions."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def skip(self, seconds: float = LATER) -> None:
        self.skipped += seconds

    def monotonic(self) -> float:
        return time.monotonic() + self.skipped

    def wall(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.skipped)


def _simulator() -> RouterOSSimulator:
    simulator = RouterOSSimulator(USER, PASSWORD)
    host, port = simulator.start()
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    for profile in ("10M", "isolir"):
        tuple(api.rawCmd("/ppp/profile/add", f"=name={profile}"))
    api.close()
    return simulator


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = _simulator()
    yield simulator
    simulator.stop()


@pytest.fixture
def skipping() -> SkippingClock:
    return SkippingClock()


@pytest.fixture
def dispatcher(niaga: Niaga, skipping: SkippingClock) -> Iterator[ProvisioningDispatcher]:
    """The dispatcher as the embedded default wires it (jobs in in-process pools)."""
    vouchers = VoucherProvisioning(niaga.provisioning)
    running = ProvisioningDispatcher(
        niaga.stores,
        niaga.router_read_models,
        vouchers,
        LocalPool(provisioning_effect(niaga.provisioning)),
        LocalPool(voucher_push_effect(vouchers)),
        monotonic=skipping.monotonic,
        wall=skipping.wall,
    )
    yield running
    running.close()


def _cycle(niaga: Niaga, dispatcher: ProvisioningDispatcher) -> int:
    """One pass of the projection daemon: dispatch, let the jobs run, catch the read models up."""
    sent = dispatcher.dispatch()
    dispatcher.wait()
    niaga.projections.catch_up_all()
    return sent


def _add_router(niaga: Niaga, owner: Principal, router: RouterOSSimulator, name: str) -> UUID:
    host, port = router.address
    return niaga.routers.add(owner, AddRouter(name, host, USER, PASSWORD, port=port))


def _plan(niaga: Niaga, owner: Principal, profile: str) -> UUID:
    return niaga.plans.create(
        owner,
        CreatePlan(f"Paket {profile}", 100_000, profile, ServiceType.PPPOE, BillingMode.PREPAID),
    )


def _subscribe(niaga: Niaga, owner: Principal, plan: UUID, router: str, username: str) -> UUID:
    phone = f"0812{next(PHONES):08d}"
    customer = niaga.customers.register(owner, RegisterCustomer(username.title(), phone))
    return niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 10, router, username, None, date(2026, 1, 5), "rahasia")
    )


def _count(niaga: Niaga, tenant_id: UUID, event: str) -> int:
    schema = store_of(niaga, tenant_id).ref.schema
    with niaga.database.connection() as conn:
        (count,) = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.niaga_events WHERE topic = %s").format(
                sql.Identifier(schema)
            ),
            [f"domain.routers.provisioning:Provisioning.{event}"],
        ).fetchone() or (0,)
    return int(count)


def _rows(niaga: Niaga, owner: Principal) -> dict[UUID, ProvisioningView]:
    store = niaga.stores.for_tenant(owner.tenant_id)
    views = niaga.router_read_models.provisioning(store, owner.tenant_id, None, 10_000)
    return {view.subscription_id: view for view in views}


def _profile_of(router: RouterOSSimulator, name: str) -> str | None:
    found = [s["profile"] for s in router.items("/ppp/secret") if s.get("name") == name]
    return found[0] if found else None


def test_a_refusal_waits_for_a_change_that_can_fix_it_and_is_never_retried_otherwise(
    niaga: Niaga,
    owner: Principal,
    router: RouterOSSimulator,
    skipping: SkippingClock,
    dispatcher: ProvisioningDispatcher,
) -> None:
    speed, missing = _plan(niaga, owner, "10M"), _plan(niaga, owner, "50M")
    nowhere = [_subscribe(niaga, owner, speed, "core-9", f"user{i}") for i in range(20)]
    _add_router(niaga, owner, router, "core-1")
    siti = _subscribe(niaga, owner, missing, "core-1", "siti")

    assert _cycle(niaga, dispatcher) == 21
    refused = _rows(niaga, owner)
    assert {(r.status, r.will_retry) for r in refused.values()} == {("failed", False)}
    assert refused[nowhere[0]].last_error == "unknown router 'core-9'"
    assert "profile" in (refused[siti].last_error or "")
    failures = _count(niaga, owner.tenant_id, "Failed")
    assert failures == 21

    for _ in range(5):  # long past any backoff: still nothing is tried again
        skipping.skip()
        assert _cycle(niaga, dispatcher) == 0
    assert _count(niaga, owner.tenant_id, "Failed") == failures

    # The router they point at is added: they are tried again, and land.
    _add_router(niaga, owner, router, "core-9")
    skipping.skip()
    assert _cycle(niaga, dispatcher) == 20
    assert all(_rows(niaga, owner)[s].status == "synced" for s in nowhere)
    assert _profile_of(router, "user0") == "10M"

    # The profile is created on the router, which Niaga cannot see: a manual retry does it.
    host, port = router.address
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    tuple(api.rawCmd("/ppp/profile/add", "=name=50M"))
    api.close()
    skipping.skip()
    assert _cycle(niaga, dispatcher) == 0
    with pytest.raises(PermissionDenied):
        niaga.provisioning.retry(principal_for(owner.tenant_id, Role.STAFF), siti)
    assert _retry_through_graphql(niaga, owner, str(uuid4()))["code"] == "NOT_FOUND"
    assert _retry_through_graphql(niaga, owner, "not-an-id")["code"] == "INVALID_VALUE"
    retried = _retry_through_graphql(niaga, owner, str(siti))
    assert retried == {"__typename": "RetryProvisioningSuccess", "targetId": str(siti)}
    niaga.projections.catch_up_all()
    assert _cycle(niaga, dispatcher) == 1
    assert _rows(niaga, owner)[siti].status == "synced"
    assert _profile_of(router, "siti") == "50M"
    assert _count(niaga, owner.tenant_id, "Failed") == failures
    with pytest.raises(InvalidValue, match="nothing to retry"):
        niaga.provisioning.retry(owner, siti)


def test_a_dead_router_with_3000_waiting_users_never_delays_another_tenants_router(
    niaga: Niaga,
    owner: Principal,
    router: RouterOSSimulator,
    skipping: SkippingClock,
    dispatcher: ProvisioningDispatcher,
) -> None:
    dead = _simulator()
    dead.go_down()
    try:
        dead_id = _add_router(niaga, owner, dead, "hotspot-x")
        users = [
            HotspotTarget(uuid4(), HotspotUser(f"v{i}", "pw", "3jam", None, None, False, ""), 1)
            for i in range(3000)
        ]
        waiting = niaga.provisioning.want_hotspot_users(owner.tenant_id, dead_id, users)
        with pytest.raises(RouterUnreachable):  # the batch job finds the router down
            niaga.provisioning.push_hotspot_users(owner.tenant_id, dead_id, waiting)

        other = principal_for(niaga.tenants.create("Kopi Net", Placement.SHARED))
        _add_router(niaga, other, router, "core-b")
        budi = _subscribe(niaga, other, _plan(niaga, other, "10M"), "core-b", "budi")
        niaga.projections.catch_up_all()
        failures = _count(niaga, owner.tenant_id, "Failed")
        assert failures >= 3000
        cycles = 0

        def cycles_until(profile: str) -> int:
            nonlocal cycles
            for done in range(1, 3):
                skipping.skip()
                cycles += 1
                sent = _cycle(niaga, dispatcher)
                assert sent <= 2  # budi's change, and at most one probe of the dead router
                if _profile_of(router, "budi") == profile:
                    return done
            return 0

        assert cycles_until("10M") == 1
        niaga.subscriptions.soft_limit(other, budi, "tagihan belum dibayar")
        assert cycles_until("isolir") == 1
        niaga.subscriptions.reactivate(other, budi)
        assert cycles_until("10M") == 1
        # The dead router's backlog waited as one unit: at most one job per cycle touched it,
        # and its repeated failures were not recorded one by one.
        assert _count(niaga, owner.tenant_id, "Failed") - failures <= cycles
        statuses = niaga.router_read_models.provisioning(
            niaga.stores.for_tenant(owner.tenant_id), owner.tenant_id, "failed", 10_000, "voucher"
        )
        assert len(statuses) == 3000
    finally:
        dead.stop()


def test_a_router_that_is_down_is_probed_one_job_at_a_time_and_its_backlog_follows(
    niaga: Niaga,
    owner: Principal,
    router: RouterOSSimulator,
    skipping: SkippingClock,
    dispatcher: ProvisioningDispatcher,
) -> None:
    _add_router(niaga, owner, router, "core-1")
    speed = _plan(niaga, owner, "10M")
    # Two subscribers: with the probes, fewer failures than open the gateway's circuit.
    subscribers = [_subscribe(niaga, owner, speed, "core-1", name) for name in ("ani", "budi")]
    router.go_down()
    assert _cycle(niaga, dispatcher) == 2  # not known to be down yet: both are tried
    assert _count(niaga, owner.tenant_id, "Failed") == 2

    sent = []
    for _ in range(4):  # down: one probe at a most per cycle, its repeats not recorded
        skipping.skip()
        sent.append(_cycle(niaga, dispatcher))
    assert max(sent) == 1
    probes = sum(sent)
    assert 1 <= probes <= 2
    assert _count(niaga, owner.tenant_id, "Failed") == 2

    router.come_up()
    for _ in range(6):
        skipping.skip()
        _cycle(niaga, dispatcher)
    rows = _rows(niaga, owner)
    assert {rows[s].status for s in subscribers} == {"synced"}
    assert sorted(s["name"] for s in router.items("/ppp/secret")) == ["ani", "budi"]
    # Each probe's failure was counted and recorded once, as the attempt number of one event.
    records = [
        find(niaga.stores.for_tenant(owner.tenant_id), Provisioning, Provisioning.id_for(s))
        for s in subscribers
    ]
    attempts = [
        e.event.attempt
        for record in records
        if record is not None
        for e in niaga.stores.for_tenant(owner.tenant_id).history(record.id)
        if isinstance(e.event, Provisioning.Failed)
    ]
    assert sum(attempts) >= 2 + probes
    assert max(attempts) == 2
    assert _count(niaga, owner.tenant_id, "Failed") == 2 + probes


def test_jobs_racing_on_one_target_are_serialised_or_duplicates_and_none_fails(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router, "core-1")
    budi = _subscribe(niaga, owner, _plan(niaga, owner, "10M"), "core-1", "budi")
    start = threading.Barrier(8)
    outcomes: list[Outcome] = []
    errors: list[Exception] = []

    def job() -> None:
        start.wait()
        try:
            outcomes.append(niaga.provisioning.provision(owner.tenant_id, budi))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=job) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each job either pushed (the first, and any that came after it finished) or stood back
    # as a duplicate while another was under way; none was refused by the router.
    assert {o.error for o in outcomes if not o.ok} <= {UNDER_WAY}
    assert any(o.ok for o in outcomes)
    niaga.projections.catch_up_all()
    assert _rows(niaga, owner)[budi].status == "synced"
    assert _count(niaga, owner.tenant_id, "Failed") == 0
    assert _profile_of(router, "budi") == "10M"


def _retry_through_graphql(niaga: Niaga, owner: Principal, target: str) -> dict[str, object]:
    mutation = """mutation($id: ID!) { retryProvisioning(targetId: $id) {
      __typename ... on RetryProvisioningSuccess { targetId } ... on Error { code } } }"""
    context = Context(niaga.services, owner)
    result = asyncio.run(
        build_schema().execute(mutation, variable_values={"id": target}, context_value=context)
    )
    assert result.errors is None, result.errors
    assert result.data is not None
    answer: dict[str, object] = result.data["retryProvisioning"]
    return answer

"""Subscription state pushed to a router through librouteros, against the RouterOS simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import librouteros
import pytest

from adapters.bootstrap import Niaga, provisioning_dispatcher
from adapters.routers.dispatcher import ProvisioningDispatcher
from adapters.routers.routeros.simulator import RouterOSSimulator
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.routers.provisioning import ProvisioningView
from application.routers.routers import AddRouter, RouterRefused, RouterUnreachable
from application.shared.context import Principal
from domain.billing.plan import BillingMode, ServiceType


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = RouterOSSimulator("niaga", "rahasia")
    host, port = simulator.start()
    api = librouteros.connect(host, "niaga", "rahasia", port=port)
    for profile in ("10M", "20M", "isolir"):
        tuple(api.rawCmd("/ppp/profile/add", f"=name={profile}"))
    api.close()
    yield simulator
    simulator.stop()


def _add_router(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator, name: str = "core-1"
) -> UUID:
    host, port = router.address
    return niaga.routers.add(owner, AddRouter(name, host, "niaga", "rahasia", port=port))


def _subscription(niaga: Niaga, owner: Principal, password: str = "pppoe-123") -> UUID:
    plan = niaga.plans.create(
        owner, CreatePlan("Paket 10 Mbps", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    return niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 10, "core-1", "budi", None, date(2026, 1, 5), password)
    )


def _secret(router: RouterOSSimulator) -> dict[str, str] | None:
    secrets = [s for s in router.items("/ppp/secret") if s.get("name") == "budi"]
    return secrets[0] if secrets else None


def _status(niaga: Niaga, owner: Principal) -> ProvisioningView:
    store = niaga.stores.for_tenant(owner.tenant_id)
    (row,) = niaga.router_read_models.provisioning(store, owner.tenant_id, None, 10)
    return row


def test_every_subscription_state_reaches_the_router(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner, password="123456")
    assert _status(niaga, owner).status == "pending"

    niaga.provisioning.provision(owner.tenant_id, subscription)
    secret = _secret(router)
    assert secret is not None
    assert (secret["profile"], secret["password"], secret["disabled"]) == ("10M", "123456", "false")
    niaga.projections.catch_up_all()
    assert _status(niaga, owner).status == "synced"
    again = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert again.changes == []  # idempotent: nothing to write the second time

    router.connect_ppp("budi", "10.0.0.2")
    niaga.subscriptions.soft_limit(owner, subscription, "tagihan belum dibayar")
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.changes == ["profile", "kicked"]
    assert _secret(router)["profile"] == "isolir"  # type: ignore[index]
    assert router.items("/ppp/active") == []

    niaga.subscriptions.suspend(owner, subscription, "tagihan belum dibayar")
    niaga.provisioning.provision(owner.tenant_id, subscription)
    assert _secret(router)["disabled"] == "true"  # type: ignore[index]

    niaga.subscriptions.reactivate(owner, subscription)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    assert (_secret(router)["profile"], _secret(router)["disabled"]) == ("10M", "false")  # type: ignore[index]

    faster = niaga.plans.create(
        owner, CreatePlan("Paket 20 Mbps", 150_000, "20M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    niaga.subscriptions.change_plan(owner, subscription, faster)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    assert _secret(router)["profile"] == "20M"  # type: ignore[index]

    niaga.subscriptions.terminate(owner, subscription, "pindah rumah")
    niaga.provisioning.provision(owner.tenant_id, subscription)
    assert _secret(router) is None


def test_a_router_that_is_down_is_retried_and_nothing_is_lost(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    router.go_down()
    with pytest.raises(RouterUnreachable):
        niaga.provisioning.provision(owner.tenant_id, subscription)
    niaga.projections.catch_up_all()
    failed = _status(niaga, owner)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.last_error

    router.come_up()
    niaga.provisioning.provision(owner.tenant_id, subscription)
    niaga.projections.catch_up_all()
    assert _status(niaga, owner).status == "synced"
    assert _secret(router) is not None


def test_a_profile_missing_on_the_router_is_a_failure_with_its_message(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    plan = niaga.plans.create(
        owner, CreatePlan("Paket 50 Mbps", 300_000, "50M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    customer = niaga.customers.register(owner, RegisterCustomer("Siti", "081298765432"))
    subscription = niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 10, "core-1", "siti", None, date(2026, 1, 5))
    )
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert not outcome.ok
    assert "profile" in (outcome.error or "")
    niaga.projections.catch_up_all()
    assert "profile" in (_status(niaga, owner).last_error or "")


def test_the_dispatcher_provisions_what_is_pending(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    _subscription(niaga, owner)
    submitted: list[tuple[UUID, UUID]] = []
    dispatcher: ProvisioningDispatcher = provisioning_dispatcher(
        niaga, lambda tenant, sub: submitted.append((tenant, sub))
    )
    assert dispatcher.dispatch() == 1
    assert dispatcher.dispatch() == 0  # not sent twice while it is being worked on
    tenant, sub = submitted[0]
    niaga.provisioning.provision(tenant, sub)
    niaga.projections.catch_up_all()
    assert dispatcher.dispatch() == 0


def test_reconciliation_repairs_drift_and_reports_it(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    host, port = router.address
    api = librouteros.connect(host, "niaga", "rahasia", port=port)
    (budi,) = tuple(api.rawCmd("/ppp/secret/print", "?name=budi"))
    tuple(api.rawCmd("/ppp/secret/set", f"=.id={budi['.id']}", "=profile=20M"))
    tuple(
        api.rawCmd(
            "/ppp/secret/add", "=name=ghost", "=password=x", "=profile=10M", "=comment=niaga:old"
        )
    )
    tuple(api.rawCmd("/ppp/secret/add", "=name=manual", "=password=x", "=profile=10M"))
    api.close()
    niaga.projections.catch_up_all()

    dry = niaga.provisioning.reconcile(owner.tenant_id, "core-1", dry_run=True)
    assert dry == ["budi: differs in profile", "ghost: on the router but not wanted (extra)"]
    assert _secret(router)["profile"] == "20M"  # type: ignore[index]

    repaired = niaga.provisioning.reconcile(owner.tenant_id, "core-1")
    assert repaired == dry
    names = sorted(s["name"] for s in router.items("/ppp/secret"))
    assert names == ["budi", "manual"]  # untagged items are not ours to touch
    assert niaga.provisioning.reconcile(owner.tenant_id, "core-1") == []
    with pytest.raises(RouterRefused, match="unknown router"):
        niaga.provisioning.reconcile(owner.tenant_id, "core-9")


def test_a_wrong_router_password_is_refused_with_the_routers_message(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    host, port = router.address
    router_id = niaga.routers.add(owner, AddRouter("core-2", host, "niaga", "salah", port=port))
    with pytest.raises(RouterRefused, match="invalid user name or password"):
        niaga.routers.test_connection(owner, router_id)
    good = _add_router(niaga, owner, router, "core-3")
    assert niaga.routers.test_connection(owner, good).identity == "MikroTik"

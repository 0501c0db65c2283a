"""Isolir by address list, hotspot users, TLS and a router's refusals, through librouteros
against the RouterOS simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

import librouteros
import pytest

from adapters.bootstrap import Niaga, provisioning_dispatcher
from adapters.routers.routeros.simulator import RouterOSSimulator
from adapters.routers.routeros.tls import self_signed_certificate, server_context
from application.billing.plans import CreatePlan
from application.billing.subscriptions import Subscribe
from application.customers.customers import RegisterCustomer
from application.routers.provisioning import HotspotTarget, ProvisioningView
from application.routers.routers import AddRouter, RouterUnreachable
from application.shared.context import Principal
from application.shared.errors import ApplicationError, NotFound
from application.shared.unit_of_work import find
from domain.billing.plan import BillingMode, ServiceType
from domain.platform.tenant import IsolirPolicy, Tenant
from domain.routers.provisioning import HotspotUser, Provisioning, tag_of
from domain.shared.errors import InvalidValue
from tests.integration.read_models import assert_live_equals_rebuild, store_of

USER, PASSWORD = "niaga", "rahasia"


def _prepare(simulator: RouterOSSimulator) -> RouterOSSimulator:
    host, port = simulator.address
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    for profile in ("10M", "isolir"):
        tuple(api.rawCmd("/ppp/profile/add", f"=name={profile}"))
    for profile in ("1jam", "1hari"):
        tuple(api.rawCmd("/ip/hotspot/user/profile/add", f"=name={profile}"))
    api.close()
    return simulator


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = RouterOSSimulator(USER, PASSWORD)
    simulator.start()
    yield _prepare(simulator)
    simulator.stop()


def _add_router(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator, password: str = PASSWORD
) -> UUID:
    host, port = router.address
    return niaga.routers.add(owner, AddRouter("core-1", host, USER, password, port=port))


def _subscription(niaga: Niaga, owner: Principal, router: str = "core-1") -> UUID:
    plan = niaga.plans.create(
        owner, CreatePlan("Paket 10 Mbps", 100_000, "10M", ServiceType.PPPOE, BillingMode.POSTPAID)
    )
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))
    return niaga.subscriptions.subscribe(
        owner, Subscribe(customer, plan, 10, router, "budi", None, date(2026, 1, 5), "pppoe-1")
    )


def _statuses(niaga: Niaga, owner: Principal, kind: str | None = None) -> list[ProvisioningView]:
    niaga.projections.catch_up_all()
    store = niaga.stores.for_tenant(owner.tenant_id)
    return niaga.router_read_models.provisioning(store, owner.tenant_id, None, 50, kind)


def _api(router: RouterOSSimulator) -> librouteros.api.Api:
    host, port = router.address
    return librouteros.connect(host, USER, PASSWORD, port=port)


def _entries(router: RouterOSSimulator) -> list[tuple[str, str, str]]:
    return sorted(
        (e["list"], e["address"], e.get("comment", ""))
        for e in router.items("/ip/firewall/address-list")
    )


def _secret(router: RouterOSSimulator, name: str = "budi") -> dict[str, str]:
    (secret,) = [s for s in router.items("/ppp/secret") if s["name"] == name]
    return secret


# --- isolir by address list ---------------------------------------------------------------


def test_isolir_by_address_list_adds_the_address_kicks_and_removes_it_on_reactivation(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    niaga.tenants.change_isolir_policy(
        owner.tenant_id, IsolirPolicy("address_list", address_list="blokir")
    )
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    tag = tag_of(subscription)
    assert niaga.provisioning.provision(owner.tenant_id, subscription).changes == ["added"]
    router.connect_ppp("budi", "10.0.0.2")

    niaga.subscriptions.soft_limit(owner, subscription, "tagihan belum dibayar")
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.changes == ["address-list blokir added", "kicked"]
    assert _secret(router)["profile"] == "10M"  # the plan's profile stays
    assert _entries(router) == [("blokir", "10.0.0.2", tag)]
    assert router.items("/ppp/active") == []
    assert niaga.provisioning.provision(owner.tenant_id, subscription).changes == []

    router.connect_ppp("budi", "10.0.0.2")
    niaga.subscriptions.reactivate(owner, subscription)
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.changes == ["address-list blokir removed", "kicked"]
    assert _entries(router) == []
    assert router.items("/ppp/active") == []


def test_address_list_isolir_without_an_address_fails_clearly_until_one_is_known(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    niaga.tenants.change_isolir_policy(owner.tenant_id, IsolirPolicy("address_list"))
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    niaga.subscriptions.soft_limit(owner, subscription, "tagihan belum dibayar")

    failed = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert not failed.ok
    assert "no remote-address and no active session" in (failed.error or "")
    assert _entries(router) == []
    (status,) = _statuses(niaga, owner)
    assert status.status == "failed"

    api = _api(router)
    tuple(api.rawCmd("/ppp/secret/set", "=numbers=budi", "=remote-address=10.9.0.7"))
    api.close()
    assert niaga.provisioning.provision(owner.tenant_id, subscription).ok
    assert _entries(router) == [("isolir", "10.9.0.7", tag_of(subscription))]
    assert _statuses(niaga, owner)[0].status == "synced"


def test_reconciliation_repairs_address_list_drift(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    niaga.tenants.change_isolir_policy(owner.tenant_id, IsolirPolicy("address_list"))
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    tag = tag_of(subscription)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    router.connect_ppp("budi", "10.0.0.2")
    api = _api(router)
    tuple(api.rawCmd("/ppp/secret/set", "=numbers=budi", "=remote-address=10.0.0.2"))
    niaga.subscriptions.soft_limit(owner, subscription, "tagihan belum dibayar")
    niaga.provisioning.provision(owner.tenant_id, subscription)
    (entry,) = tuple(api.rawCmd("/ip/firewall/address-list/print"))
    tuple(api.rawCmd("/ip/firewall/address-list/remove", f"=.id={entry['.id']}"))
    for words in (
        ("=list=isolir", "=address=10.0.0.66", "=comment=niaga:old"),
        ("=list=isolir", "=address=10.0.0.67"),  # not ours: no tag
    ):
        tuple(api.rawCmd("/ip/firewall/address-list/add", *words))
    api.close()
    niaga.projections.catch_up_all()

    dry = niaga.provisioning.reconcile(owner.tenant_id, "core-1", dry_run=True)
    assert dry == [  # by tag: the subscription's id sorts before "old"
        "address-list isolir: budi missing on the router",
        "address-list isolir: niaga:old not wanted (extra)",
    ]
    assert len(_entries(router)) == 2
    assert niaga.provisioning.reconcile(owner.tenant_id, "core-1") == dry
    assert _entries(router) == [("isolir", "10.0.0.2", tag), ("isolir", "10.0.0.67", "")]
    assert niaga.provisioning.reconcile(owner.tenant_id, "core-1") == []


def test_an_unknown_isolir_mode_is_refused_and_nothing_changes(
    niaga: Niaga, owner: Principal
) -> None:
    with pytest.raises(InvalidValue, match="isolir mode"):
        niaga.tenants.change_isolir_policy_as(owner, IsolirPolicy("firewall"))
    with pytest.raises(InvalidValue, match="isolir_address_list"):
        niaga.tenants.change_isolir_policy_as(owner, IsolirPolicy("address_list", "isolir", ""))
    tenant = find(niaga.stores.platform(), Tenant, owner.tenant_id)
    assert tenant is not None
    assert tenant.isolir_policy == IsolirPolicy()


# --- hotspot users ------------------------------------------------------------------------


def _voucher(name: str = "vch-8812", **changes: object) -> HotspotUser:
    values: dict[str, object] = {
        "name": name,
        "password": "4471",
        "profile": "1jam",
        "limit_uptime": "1h",
        "limit_bytes_total": None,
        "disabled": False,
        "comment": "",
    }
    values.update(changes)
    return HotspotUser(**values)  # type: ignore[arg-type]


def _hotspot_user(router: RouterOSSimulator, name: str = "vch-8812") -> dict[str, str] | None:
    found = [u for u in router.items("/ip/hotspot/user") if u["name"] == name]
    return found[0] if found else None


def test_a_hotspot_user_follows_what_was_last_recorded(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    target, tenant = uuid4(), owner.tenant_id
    provision = niaga.provisioning.provision_hotspot_user

    assert provision(tenant, target, router_id, _voucher(), 1).changes == ["added"]
    user = _hotspot_user(router)
    assert user is not None
    assert (user["password"], user["profile"], user["limit-uptime"]) == ("4471", "1jam", "1h")
    assert user["comment"] == tag_of(target)
    assert "limit-bytes-total" not in user
    assert provision(tenant, target, router_id, _voucher(), 1).changes == []  # idempotent

    # 60m is the 1h the router already has: only the byte limit is written.
    more = _voucher(limit_uptime="60m", limit_bytes_total=1_000_000_000)
    assert provision(tenant, target, router_id, more, 2).changes == ["limit-bytes-total"]
    assert _hotspot_user(router)["limit-bytes-total"] == "1000000000"  # type: ignore[index]

    router.login_hotspot("vch-8812", "172.16.0.9", "AA:BB:CC:DD:EE:01")
    disabled = _voucher(limit_uptime=None, limit_bytes_total=1_000_000_000, disabled=True)
    assert provision(tenant, target, router_id, disabled, 3).changes == [
        "disabled",
        "limit-uptime",
        "kicked",
    ]
    assert _hotspot_user(router)["disabled"] == "true"  # type: ignore[index]
    assert "limit-uptime" not in _hotspot_user(router)  # type: ignore[operator]
    assert router.items("/ip/hotspot/active") == []

    # An older call arriving late is not recorded: the newer state stays on the router.
    assert provision(tenant, target, router_id, _voucher(), 2).changes == []
    assert _hotspot_user(router)["disabled"] == "true"  # type: ignore[index]
    (status,) = _statuses(niaga, owner, "voucher")
    assert (status.kind, status.status, status.username) == ("voucher", "synced", "vch-8812")

    assert provision(tenant, target, router_id, None, 4).changes == ["removed"]
    assert _hotspot_user(router) is None
    assert _statuses(niaga, owner, "voucher")[0].status == "synced"
    assert (
        niaga.router_read_models.hotspot_users(niaga.stores.for_tenant(tenant), tenant, "core-1")
        == []
    )


def test_hotspot_user_failures_are_recorded_and_retried_by_the_dispatcher(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    target, tenant = uuid4(), owner.tenant_id
    missing = niaga.provisioning.provision_hotspot_user(
        tenant, target, router_id, _voucher(profile="3hari"), 1
    )
    assert not missing.ok
    assert missing.error == "core-1: input does not match any value of profile"
    (status,) = _statuses(niaga, owner)
    assert (status.kind, status.status, status.attempts) == ("voucher", "failed", 1)
    assert status.last_error == missing.error

    router.go_down()
    with pytest.raises(RouterUnreachable):
        niaga.provisioning.provision_hotspot_user(tenant, target, router_id, _voucher(), 2)
    assert _statuses(niaga, owner)[0].attempts == 2
    router.come_up()

    # The dispatcher hands the voucher's row to the same job as a subscription's.
    submitted: list[tuple[UUID, UUID]] = []
    dispatcher = provisioning_dispatcher(niaga, lambda t, s: submitted.append((t, s)))
    assert dispatcher.dispatch() == 0  # backing off after two failures: no crash loop
    assert submitted == []
    assert niaga.provisioning.provision(tenant, target).ok
    assert _hotspot_user(router) is not None
    assert _statuses(niaga, owner)[0].status == "synced"


def test_bad_hotspot_input_is_refused_before_anything_is_recorded(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    target, tenant = uuid4(), owner.tenant_id
    provision = niaga.provisioning.provision_hotspot_user
    with pytest.raises(InvalidValue, match="limit-uptime"):
        provision(tenant, target, router_id, _voucher(limit_uptime="sejam"), 1)
    with pytest.raises(InvalidValue, match="limit-bytes-total"):
        provision(tenant, target, router_id, _voucher(limit_bytes_total=-5), 1)
    with pytest.raises(NotFound):
        provision(tenant, target, uuid4(), _voucher(), 1)
    subscription = _subscription(niaga, owner)
    niaga.provisioning.provision(tenant, subscription)
    with pytest.raises(ApplicationError, match="is a subscription"):
        provision(tenant, subscription, router_id, _voucher(), 1)
    store = niaga.stores.for_tenant(tenant)
    assert find(store, Provisioning, Provisioning.id_for(target)) is None
    assert router.items("/ip/hotspot/user") == []


def test_reconciliation_repairs_hotspot_user_drift(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    tenant = owner.tenant_id
    for name in ("vch-1", "vch-2"):
        niaga.provisioning.provision_hotspot_user(tenant, uuid4(), router_id, _voucher(name), 1)
    api = _api(router)
    tuple(api.rawCmd("/ip/hotspot/user/set", "=numbers=vch-1", "=profile=1hari"))
    tuple(api.rawCmd("/ip/hotspot/user/remove", "=numbers=vch-2"))
    tuple(api.rawCmd("/ip/hotspot/user/add", "=name=vch-ghost", "=comment=niaga:old"))
    tuple(api.rawCmd("/ip/hotspot/user/add", "=name=tamu"))  # not ours
    api.close()
    niaga.projections.catch_up_all()

    dry = niaga.provisioning.reconcile(tenant, "core-1", dry_run=True)
    assert dry == [
        "hotspot user vch-1: differs in profile",
        "hotspot user vch-2: missing on the router",
        "hotspot user vch-ghost: on the router but not wanted (extra)",
    ]
    assert niaga.provisioning.reconcile(tenant, "core-1") == dry
    names = sorted(u["name"] for u in router.items("/ip/hotspot/user"))
    assert names == ["tamu", "vch-1", "vch-2"]
    assert _hotspot_user(router, "vch-1")["profile"] == "1jam"  # type: ignore[index]
    assert niaga.provisioning.reconcile(tenant, "core-1") == []


# --- TLS ----------------------------------------------------------------------------------


@pytest.fixture
def tls_router() -> Iterator[tuple[RouterOSSimulator, str]]:
    certificate, key = self_signed_certificate("127.0.0.1")
    simulator = RouterOSSimulator(USER, PASSWORD, ssl_context=server_context(certificate, key))
    simulator.start()
    with simulator.state.lock:
        simulator.state.add("/ppp/profile", {"name": "10M"})
    yield simulator, certificate
    simulator.stop()


def test_provisioning_over_api_ssl_verifies_the_routers_certificate(
    niaga: Niaga, owner: Principal, tls_router: tuple[RouterOSSimulator, str]
) -> None:
    router, certificate = tls_router
    host, port = router.address
    niaga.routers.add(
        owner,
        AddRouter("core-1", host, USER, PASSWORD, port=port, tls=True, ca_pem=certificate),
    )
    subscription = _subscription(niaga, owner)
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.ok, outcome.error
    assert _secret(router)["profile"] == "10M"
    assert _statuses(niaga, owner)[0].status == "synced"


def test_a_router_certificate_that_does_not_verify_is_a_clear_failure(
    niaga: Niaga, owner: Principal, tls_router: tuple[RouterOSSimulator, str]
) -> None:
    router, _ = tls_router
    someone_else, _ = self_signed_certificate("127.0.0.1")
    host, port = router.address
    niaga.routers.add(
        owner,
        AddRouter("core-1", host, USER, PASSWORD, port=port, tls=True, ca_pem=someone_else),
    )
    subscription = _subscription(niaga, owner)
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert not outcome.ok
    assert "TLS failed" in (outcome.error or "")
    assert "certificate verify failed" in (outcome.error or "")
    assert router.items("/ppp/secret") == []
    (status,) = _statuses(niaga, owner)
    assert (status.status, status.last_error) == ("failed", outcome.error)


# --- a router's refusals ------------------------------------------------------------------


def _last_failure(niaga: Niaga, owner: Principal, target: UUID) -> Provisioning:
    record = find(
        niaga.stores.for_tenant(owner.tenant_id), Provisioning, Provisioning.id_for(target)
    )
    assert record is not None
    return record


def test_wrong_credentials_are_a_failure_with_the_routers_message_not_retried(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router, password="salah")
    subscription = _subscription(niaga, owner)
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.error == "core-1: invalid user name or password (6)"
    record = _last_failure(niaga, owner, subscription)
    assert (record.attempts, record.last_error) == (1, outcome.error)
    for _ in range(6):  # the router answered each time: no open circuit hides its message
        outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.error == "core-1: invalid user name or password (6)"
    assert _last_failure(niaga, owner, subscription).attempts == 7
    assert router.items("/ppp/secret") == []


def test_a_trap_is_a_failure_with_the_routers_message_and_the_next_attempt_syncs(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    router.fail_next("/ppp/secret/add", "failure: could not write configuration", category=4)
    outcome = niaga.provisioning.provision(owner.tenant_id, subscription)
    assert outcome.error == "core-1: failure: could not write configuration"
    assert _statuses(niaga, owner)[0].status == "failed"
    assert niaga.provisioning.provision(owner.tenant_id, subscription).changes == ["added"]
    assert _statuses(niaga, owner)[0].status == "synced"


def test_an_unreachable_host_is_retried_and_the_circuit_opens(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    router.stop()
    messages = []
    for _ in range(6):
        with pytest.raises(RouterUnreachable) as unreachable:
            niaga.provisioning.provision(owner.tenant_id, subscription)
        messages.append(unreachable.value.message)
    assert "Connection refused" in messages[0]
    assert "failed 5 times in a row; waiting" in messages[-1]  # no hammering a dead router
    # The repeats said nothing new: only the first failure is recorded (for now).
    (status,) = _statuses(niaga, owner)
    assert (status.status, status.attempts, status.will_retry) == ("failed", 1, True)
    assert status.last_error == messages[0]


def test_a_batch_of_hotspot_users_records_each_outcome_on_its_own(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    good, bad = uuid4(), uuid4()
    batch = [
        HotspotTarget(good, _voucher("vch-1"), 1),
        HotspotTarget(bad, _voucher("vch-2", profile="3hari"), 1),
    ]
    with pytest.raises(ApplicationError, match="twice"):
        niaga.provisioning.provision_hotspot_users(owner.tenant_id, router_id, [*batch, batch[0]])
    assert router.items("/ip/hotspot/user") == []

    ok, refused = niaga.provisioning.provision_hotspot_users(owner.tenant_id, router_id, batch)
    assert (ok.subscription_id, ok.ok, ok.changes) == (good, True, ["added"])
    assert (refused.subscription_id, refused.ok) == (bad, False)
    assert refused.error == "core-1: input does not match any value of profile"
    assert [u["name"] for u in router.items("/ip/hotspot/user")] == ["vch-1"]
    statuses = {s.subscription_id: s.status for s in _statuses(niaga, owner, "voucher")}
    assert statuses == {good: "synced", bad: "failed"}


def test_provisioning_read_models_rebuild_to_what_was_kept_live(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    subscription = _subscription(niaga, owner)
    niaga.provisioning.provision(owner.tenant_id, subscription)
    kept, dropped, refused = uuid4(), uuid4(), uuid4()
    provision = niaga.provisioning.provision_hotspot_user
    provision(owner.tenant_id, kept, router_id, _voucher("vch-1"), 1)
    provision(owner.tenant_id, kept, router_id, _voucher("vch-1", limit_bytes_total=10**9), 2)
    provision(owner.tenant_id, dropped, router_id, _voucher("vch-2"), 1)
    provision(owner.tenant_id, dropped, router_id, None, 2)
    provision(owner.tenant_id, refused, router_id, _voucher("vch-3", profile="3hari"), 1)
    niaga.projections.catch_up_all()
    store = store_of(niaga, owner.tenant_id)
    wanted = niaga.router_read_models.hotspot_users(store, owner.tenant_id, "core-1")
    assert [(w.target_id, w.user.limit_bytes_total) for w in wanted] == [
        (kept, 10**9),
        (refused, None),  # refused by the router, still wanted: reconciliation retries it
    ]
    assert_live_equals_rebuild(niaga, store, ("provisioning_status", "hotspot_users_wanted"))


def test_a_repair_the_router_refuses_is_reported_and_the_others_go_on(
    niaga: Niaga, owner: Principal, router: RouterOSSimulator
) -> None:
    router_id = _add_router(niaga, owner, router)
    provision = niaga.provisioning.provision_hotspot_user
    provision(owner.tenant_id, uuid4(), router_id, _voucher("vch-a", profile="3hari"), 1)
    provision(owner.tenant_id, uuid4(), router_id, _voucher("vch-b"), 1)
    api = _api(router)
    tuple(api.rawCmd("/ip/hotspot/user/remove", "=numbers=vch-b"))
    api.close()
    niaga.projections.catch_up_all()

    assert niaga.provisioning.reconcile(owner.tenant_id, "core-1") == [
        "hotspot user vch-a: missing on the router "
        "(not repaired: core-1: input does not match any value of profile)",
        "hotspot user vch-b: missing on the router",
    ]
    assert [u["name"] for u in router.items("/ip/hotspot/user")] == ["vch-b"]

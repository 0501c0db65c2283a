"""Vouchers on the MikroTik hotspot: generated vouchers become hotspot users, ended ones are
removed, reconciliation repairs drift, and the router's counters record first logins and used-up
quotas. Through librouteros against the RouterOS simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import librouteros
import pytest

from adapters.bootstrap import Niaga, daily_scheduler, provisioning_dispatcher
from adapters.routers.dispatcher import ProvisioningDispatcher
from adapters.routers.routeros.simulator import RouterOSSimulator
from application.routers.provisioning import ProvisioningView
from application.routers.routers import AddRouter
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.vouchers.ports import VoucherView
from application.vouchers.voucher_batches import GenerateVouchers
from application.vouchers.vouchers import CreateVoucherProfile
from domain.routers.provisioning import tag_of
from domain.vouchers.voucher import ProfileTerms
from tests.integration.read_models import assert_live_equals_rebuild, store_of

USER, PASSWORD = "niaga", "rahasia"
GIB = 1024**3


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = RouterOSSimulator(USER, PASSWORD)
    host, port = simulator.start()
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    for profile in ("3jam", "other"):
        tuple(api.rawCmd("/ip/hotspot/user/profile/add", f"=name={profile}"))
    api.close()
    yield simulator
    simulator.stop()


@pytest.fixture
def dispatcher(niaga: Niaga) -> Iterator[ProvisioningDispatcher]:
    running = provisioning_dispatcher(niaga)
    yield running
    running.close()


@pytest.fixture
def profile(niaga: Niaga, owner: Principal, router: RouterOSSimulator) -> UUID:
    host, port = router.address
    router_id = niaga.routers.add(owner, AddRouter("hotspot-1", host, USER, PASSWORD, port=port))
    terms = ProfileTerms.of(
        "3jam",
        validity_seconds=24 * 3600,
        cost_price=1500,
        selling_price=3000,
        time_quota_seconds=3 * 3600,
        data_quota_bytes=GIB,
    )
    return niaga.vouchers.service.create_profile(
        owner, CreateVoucherProfile("3JAM", router_id, terms)
    )


def _generate(niaga: Niaga, owner: Principal, quantity: int) -> list[VoucherView]:
    batch = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", quantity))
    return niaga.vouchers.queries.batch(owner, batch.batch_id)


def _settle(niaga: Niaga, dispatcher: ProvisioningDispatcher) -> None:
    """Follow the log and wait for the batch jobs it submitted."""
    dispatcher.follow()
    dispatcher.wait()
    niaga.projections.catch_up_all()


def _users(router: RouterOSSimulator) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in router.items("/ip/hotspot/user")}


def _statuses(niaga: Niaga, owner: Principal) -> list[ProvisioningView]:
    niaga.projections.catch_up_all()
    store = niaga.stores.for_tenant(owner.tenant_id)
    return niaga.router_read_models.provisioning(store, owner.tenant_id, None, 10_000, "voucher")


def _voucher(niaga: Niaga, owner: Principal, voucher: VoucherView) -> VoucherView:
    (found,) = niaga.vouchers.queries.by_ids(owner, [voucher.id])
    return found


def test_a_generated_batch_becomes_hotspot_users_and_ended_vouchers_are_removed(
    niaga: Niaga,
    owner: Principal,
    profile: UUID,
    router: RouterOSSimulator,
    dispatcher: ProvisioningDispatcher,
    clock: FixedClock,
) -> None:
    logins_before = router.history.count("/login")
    vouchers = _generate(niaga, owner, 30)
    _settle(niaga, dispatcher)
    users = _users(router)
    assert sorted(users) == sorted(v.username for v in vouchers)
    first = users[vouchers[0].username]
    assert first["password"] == vouchers[0].password
    assert first["profile"] == "3jam"
    assert first["limit-uptime"] == "3h"
    assert first["limit-bytes-total"] == str(GIB)
    assert first["comment"] == tag_of(vouchers[0].id)
    statuses = _statuses(niaga, owner)
    assert len(statuses) == 30
    assert {(s.kind, s.status, s.router) for s in statuses} == {("voucher", "synced", "hotspot-1")}
    # The batch went over one connection: one login for thirty users.
    assert router.history.count("/login") == logins_before + 1

    revoked, expiring = vouchers[0], vouchers[1]
    niaga.vouchers.service.revoke(owner, revoked.id, "hilang")
    login = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    niaga.vouchers.service.record_first_login(owner, expiring.username, login)
    _settle(niaga, dispatcher)
    assert revoked.username not in _users(router)
    assert expiring.username in _users(router)  # a first login changes nothing on the router

    clock.set_now(login + timedelta(days=1, minutes=1))
    assert daily_scheduler(niaga).expire_vouchers(owner.tenant_id) == 1
    _settle(niaga, dispatcher)
    assert sorted(_users(router)) == sorted(v.username for v in vouchers[2:])
    assert {s.status for s in _statuses(niaga, owner)} == {"synced"}
    assert dispatcher.follow() == 0  # its position moved: nothing is pushed twice
    assert_live_equals_rebuild(
        niaga, store_of(niaga, owner.tenant_id), ("provisioning_status", "hotspot_users_wanted")
    )


def test_a_router_down_during_a_batch_loses_nothing(
    niaga: Niaga,
    owner: Principal,
    profile: UUID,
    router: RouterOSSimulator,
    dispatcher: ProvisioningDispatcher,
) -> None:
    router.go_down()
    vouchers = _generate(niaga, owner, 25)
    _settle(niaga, dispatcher)
    statuses = _statuses(niaga, owner)
    assert len(statuses) == 25
    assert {(s.status, s.attempts) for s in statuses} == {("failed", 1)}
    assert all("hotspot-1" in (s.last_error or "") for s in statuses)

    router.come_up()
    # Once the backoff has passed, the sweep hands each failed row to the same job as a
    # subscription's; here the jobs run for the rows the sweep will find.
    store = niaga.stores.for_tenant(owner.tenant_id)
    due = niaga.router_read_models.unsynced(store, 500)
    assert sorted(row.subscription_id for row in due) == sorted(v.id for v in vouchers)
    for row in due:
        assert niaga.provisioning.provision(row.tenant_id, row.subscription_id).ok
    assert sorted(_users(router)) == sorted(v.username for v in vouchers)
    assert {s.status for s in _statuses(niaga, owner)} == {"synced"}


def test_a_lost_batch_job_is_pushed_by_the_sweep(
    niaga: Niaga, owner: Principal, profile: UUID, router: RouterOSSimulator
) -> None:
    submitted: list[tuple[UUID, UUID]] = []
    # Jobs that go to workers are never run here: as if the broker lost them.
    lost = provisioning_dispatcher(niaga, lambda t, s: submitted.append((t, s)))
    vouchers = _generate(niaga, owner, 5)
    lost.follow()
    assert len(submitted) == 5
    assert {s.status for s in _statuses(niaga, owner)} == {"pending"}
    assert _users(router) == {}
    # A dispatcher started afresh (the old one died with its jobs) finds the pending rows.
    again: list[tuple[UUID, UUID]] = []
    assert provisioning_dispatcher(niaga, lambda t, s: again.append((t, s))).dispatch() == 5
    for tenant, target in again:
        assert niaga.provisioning.provision(tenant, target).ok
    assert sorted(_users(router)) == sorted(v.username for v in vouchers)


def test_reconciliation_repairs_deleted_altered_and_extra_hotspot_users(
    niaga: Niaga,
    owner: Principal,
    profile: UUID,
    router: RouterOSSimulator,
    dispatcher: ProvisioningDispatcher,
) -> None:
    deleted, altered, kept = _generate(niaga, owner, 3)
    _settle(niaga, dispatcher)
    host, port = router.address
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    users = api.path("/ip/hotspot/user")
    ids = {row["name"]: row[".id"] for row in users}
    users.remove(ids[deleted.username])
    users.update(**{".id": ids[altered.username], "profile": "other", "limit-uptime": "9h"})
    users.update(**{".id": ids[kept.username], "disabled": True})
    users.add(name="tamu", password="x", profile="3jam", comment="niaga:somebody-else")
    users.add(name="manual", password="y", profile="3jam", comment="dibuat admin")
    api.close()

    report = niaga.provisioning.reconcile(owner.tenant_id, "hotspot-1")
    assert report == sorted(report, key=lambda line: line.split(":")[0])
    assert f"hotspot user {deleted.username}: missing on the router" in report
    assert f"hotspot user {altered.username}: differs in profile, limit_uptime" in report
    assert f"hotspot user {kept.username}: differs in disabled" in report
    assert "hotspot user tamu: on the router but not wanted (extra)" in report
    assert len(report) == 4
    users_now = _users(router)
    assert sorted(users_now) == sorted(
        ["manual", deleted.username, altered.username, kept.username]
    )
    assert users_now[altered.username]["profile"] == "3jam"
    assert users_now[altered.username]["limit-uptime"] == "3h"
    assert users_now[kept.username]["disabled"] == "false"
    assert niaga.provisioning.reconcile(owner.tenant_id, "hotspot-1") == []


def test_a_first_login_on_the_router_starts_the_validity_and_a_used_quota_ends_it(
    niaga: Niaga,
    owner: Principal,
    profile: UUID,
    router: RouterOSSimulator,
    dispatcher: ProvisioningDispatcher,
    clock: FixedClock,
) -> None:
    by_time, by_data, idle = _generate(niaga, owner, 3)
    _settle(niaga, dispatcher)
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    clock.set_now(now)
    router.login_hotspot(by_time.username, "10.5.50.2", "AA:BB:CC:00:00:01")
    router.use_hotspot(by_time.username, seconds=600, bytes_in=5000, bytes_out=700)
    router.login_hotspot(by_data.username, "10.5.50.3", "AA:BB:CC:00:00:02")

    scheduler = daily_scheduler(niaga)
    report = scheduler.poll_hotspot_usage(owner.tenant_id)
    assert report.first_logins == [by_time.username]  # logged in, but nothing counted yet
    started = _voucher(niaga, owner, by_time)
    assert started.status == "active"
    assert started.activated_at == now - timedelta(minutes=10)
    assert started.expires_at == now - timedelta(minutes=10) + timedelta(days=1)
    assert scheduler.poll_hotspot_usage(owner.tenant_id).first_logins == []  # reported once

    router.use_hotspot(by_data.username, seconds=60, bytes_in=GIB - 100, bytes_out=100)
    router.use_hotspot(by_time.username, seconds=3 * 3600)
    report = scheduler.poll_hotspot_usage(owner.tenant_id)
    assert report.first_logins == [by_data.username]
    assert sorted(report.used_up) == sorted([by_time.username, by_data.username])
    assert _voucher(niaga, owner, idle).status == "generated"
    _settle(niaga, dispatcher)
    assert sorted(_users(router)) == [idle.username]  # used-up users are removed and kicked
    assert router.items("/ip/hotspot/active") == []

"""The demo `make run` seeds: every area has something to look at, and a restart reuses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.bootstrap import Niaga
from adapters.demo import (
    DEMO_CUSTOMERS,
    DEMO_HOTSPOT_PROFILES,
    DEMO_PROFILES,
    DEMO_ROUTER_PASSWORD,
    DEMO_SHOP_CODE,
    DEMO_TENANT,
    ensure_demo,
)
from adapters.routers.routeros.simulator import RouterOSSimulator
from tests.conftest import principal_for


@pytest.fixture
def router() -> Iterator[RouterOSSimulator]:
    simulator = RouterOSSimulator("admin", DEMO_ROUTER_PASSWORD, identity="demo-core")
    simulator.start()
    for profile in DEMO_PROFILES:
        simulator.state.add("/ppp/profile", {"name": profile})
    for profile in DEMO_HOTSPOT_PROFILES:
        simulator.state.add("/ip/hotspot/user/profile", {"name": profile})
    yield simulator
    simulator.stop()


def test_the_demo_seeds_every_area_once(
    niaga: Niaga, router: RouterOSSimulator, tmp_path: Path
) -> None:
    key_file = tmp_path / "demo-api-key.txt"
    demo = ensure_demo(niaga, key_file, router.address)
    owner = principal_for(demo.tenant_id)
    store = niaga.stores.for_tenant(demo.tenant_id)

    customers = niaga.queries.customers(owner, None, 50, None)
    assert customers.total_count == len(DEMO_CUSTOMERS)
    stock = niaga.vouchers.queries.stock(owner)
    by_profile = {(s.profile_name, s.agent_id is None): s.count for s in stock}
    assert by_profile == {("3jam", True): 20, ("harian", False): 5}
    agents = {a.name: a for a in niaga.vouchers.queries.agents(owner)}
    assert set(agents) == {"Konter Jaya", "Warung Bu Sri"}
    assert agents["Warung Bu Sri"].parent_id == agents["Konter Jaya"].id
    assert agents["Konter Jaya"].balance < 200_000  # paid for its five vouchers
    assert niaga.vouchers.sales.shop(DEMO_SHOP_CODE).agent_id == agents["Konter Jaya"].id
    board = niaga.repair_read_models.jobs(
        store, demo.tenant_id, status=None, technician_id=None, priority=None, first=10, after=None
    )
    assert len(board.items) == 1

    again = ensure_demo(niaga, key_file, router.address)
    assert again == demo
    names = [t.name for t in niaga.read_models.tenants()]
    assert names.count(DEMO_TENANT) == 1
    assert niaga.queries.customers(owner, None, 50, None).total_count == len(DEMO_CUSTOMERS)

"""`niaga routers reconcile` run as a real process against RouterOS simulators."""

from __future__ import annotations

from collections.abc import Iterator

import librouteros
import pytest

from adapters.bootstrap import Niaga
from adapters.routers.routeros.simulator import RouterOSSimulator
from application.routers.routers import AddRouter
from application.shared.context import Principal
from tests.e2e.cli import run_niaga

USER, PASSWORD = "niaga", "rahasia"


@pytest.fixture
def routers() -> Iterator[tuple[RouterOSSimulator, RouterOSSimulator]]:
    refusing, healthy = RouterOSSimulator(USER, PASSWORD), RouterOSSimulator(USER, PASSWORD)
    refusing.start()
    healthy.start()
    yield refusing, healthy
    refusing.stop()
    healthy.stop()


def _add_ghost(router: RouterOSSimulator) -> None:
    """A PPP secret tagged as Niaga's that no subscription wants: drift to repair."""
    host, port = router.address
    api = librouteros.connect(host, USER, PASSWORD, port=port)
    tuple(api.rawCmd("/ppp/profile/add", "=name=10M"))
    tuple(
        api.rawCmd(
            "/ppp/secret/add", "=name=ghost", "=password=x", "=profile=10M", "=comment=niaga:old"
        )
    )
    api.close()


def test_reconciling_all_routers_goes_on_past_a_refused_login_and_exits_non_zero(
    niaga: Niaga, owner: Principal, routers: tuple[RouterOSSimulator, RouterOSSimulator]
) -> None:
    refusing, healthy = routers
    _add_ghost(healthy)
    host, port = refusing.address
    # Sorted by name, the refusing router comes first: the healthy one must still be checked.
    niaga.routers.add(owner, AddRouter("core-1", host, USER, "salah", port=port))
    host, port = healthy.address
    niaga.routers.add(owner, AddRouter("core-2", host, USER, PASSWORD, port=port))

    result = run_niaga(niaga.settings, "routers", "reconcile", "--tenant", str(owner.tenant_id))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "core-1: failed (ROUTER_REFUSED)" in result.stderr, result.stderr
    assert "invalid user name or password" in result.stderr
    assert "1 of 2 routers failed: core-1" in result.stderr
    assert "core-2: repaired 1" in result.stdout
    assert "ghost: on the router but not wanted (extra)" in result.stdout
    assert [s["name"] for s in healthy.items("/ppp/secret")] == []

    alone = run_niaga(
        niaga.settings, "routers", "reconcile", "--tenant", str(owner.tenant_id),
        "--router", "core-2",
    )  # fmt: skip
    assert alone.returncode == 0, alone.stderr
    assert "core-2: repaired 0" in alone.stdout

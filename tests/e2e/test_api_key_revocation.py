"""A revoked API key is refused on the very next request, though the server verifies keys from
a short cache: also when another process (the `niaga` command) revoked it."""

from __future__ import annotations

import time

import httpx

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.cli import run_niaga

QUERY = "{ customers(first: 1) { totalCount } }"


def _ask(server: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{server}/graphql",
        json={"query": QUERY},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def _kept_by_the_server(niaga: Niaga, server: str, token: str) -> None:
    """Ask until the server hears key changes, then once more: the key is kept in memory."""
    assert _ask(server, token).status_code == 200
    deadline = time.monotonic() + 10
    while not niaga.api_keys.listening:
        assert time.monotonic() < deadline, "the server's key listener did not connect"
        time.sleep(0.01)
    assert _ask(server, token).status_code == 200


def test_a_key_revoked_by_another_process_is_refused_on_the_next_request(
    niaga: Niaga, settings: Settings, server: str
) -> None:
    tenant_id = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "kasir")
    _kept_by_the_server(niaga, server, key.token)

    revoked = run_niaga(settings, "api-keys", "revoke", key.key_id)
    assert revoked.returncode == 0, revoked.stderr

    refused = _ask(server, key.token)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_a_key_revoked_in_the_serving_process_is_refused_on_the_next_request(
    niaga: Niaga, server: str
) -> None:
    tenant_id = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    key = niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "kasir")
    kept = niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "kasir 2")
    _kept_by_the_server(niaga, server, key.token)
    _kept_by_the_server(niaga, server, kept.token)

    niaga.tenants.revoke_api_key(key.key_id)

    assert _ask(server, key.token).status_code == 401
    assert _ask(server, kept.token).status_code == 200

"""Every part of a server deployment outlives the outages of the others, under write load.

A real `niaga serve`, `niaga projections run` and `niaga worker` run on a PostgreSQL and a Redis
the test owns. While clients register customers through GraphQL (each write with an
idempotency key, retried as a client would), PostgreSQL is stopped and started again, the
worker and the projection daemon are killed with SIGKILL (and started again, as their
supervisor would), and Redis is killed and started empty. Then: no acknowledged write is lost,
no client was told that a stored write failed, every registration reached the webhook receiver,
and every part reports healthy again on its own within a bound.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import TEST_SECRET_KEY, principal_for
from tests.e2e.cli import NIAGA
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.faults.services import NiagaProcess, OwnPostgres, OwnRedis, free_port, wait_until

REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on RegisterCustomerSuccess { customer { id } }
    ... on StoredPendingRead { stored stale }
    ... on Error { code message }
  }
}"""
CUSTOMERS = """
query Customers($after: String) {
  customers(first: 100, after: $after) {
    edges { node { id phone } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CLIENTS = 3
STUCK_AFTER = 10.0
RECOVERY_BOUND = 90.0  # seconds for every part to be healthy again after the last fault


@dataclass
class Write:
    """One registration as its client saw it."""

    key: str
    phone: str
    customer_id: str | None = None  # acknowledged as stored
    stored_pending: bool = False  # acknowledged as stored, its answer to be read later
    answered_at: float = 0.0
    refused: str | None = None  # told it failed


@dataclass
class Deployment:
    env: dict[str, str]
    base_url: str
    token: str
    receiver: WebhookReceiver
    logs: Path


@pytest.fixture
def deployment(
    own_postgres: OwnPostgres, own_redis: OwnRedis, tmp_path: Path
) -> Iterator[Deployment]:
    port = free_port()
    settings = Settings(
        database_url=own_postgres.url,
        redis_url=own_redis.url,
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        niaga_data_dir=tmp_path,
        niaga_webhooks_allow_private=True,
    )
    receiver = WebhookReceiver().start()
    niaga = Niaga.start(settings)
    tenant_id = niaga.tenants.create("Warung Net Tahan Banting", Placement.SHARED)
    token = niaga.tenants.issue_api_key(tenant_id, Role.OWNER, "faults").token
    niaga.webhooks.create(principal_for(tenant_id), CreateWebhookEndpoint(receiver.url, []))
    niaga.close()
    env = {
        **os.environ,
        "DATABASE_URL": own_postgres.url,
        "REDIS_URL": own_redis.url,
        "NIAGA_PLATFORM_SCHEMA": settings.niaga_platform_schema,
        "NIAGA_SECRET_KEY": TEST_SECRET_KEY,
        "NIAGA_DATA_DIR": str(tmp_path),
        "NIAGA_ENV": "test",
        "NIAGA_WEBHOOKS_ALLOW_PRIVATE": "true",
        "NIAGA_HOST": "127.0.0.1",
        "NIAGA_PORT": str(port),
    }
    yield Deployment(env, f"http://127.0.0.1:{port}", token, receiver, tmp_path)
    receiver.stop()


class Clients:
    """A few clients registering customers one after another, each retrying a write with its
    idempotency key until it gets an answer (as the docs tell integrators to)."""

    def __init__(self, deployment: Deployment) -> None:
        self._url = f"{deployment.base_url}/graphql"
        self._token = deployment.token
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._client, args=(n,), daemon=True) for n in range(CLIENTS)
        ]

    def start(self) -> Clients:
        for thread in self._threads:
            thread.start()
        return self

    def acknowledged_since(self, moment: float) -> int:
        with self._lock:
            return sum(1 for w in self.writes if w.customer_id and w.answered_at > moment)

    def stop(self) -> list[Write]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
        return self.writes

    def _client(self, number: int) -> None:
        serial = 0
        while not self._stop.is_set():
            write = Write(f"k-{number}-{serial}", f"0813{number:02d}{serial:06d}")
            with self._lock:
                self.writes.append(write)
            self._until_answered(write)
            serial += 1

    def _until_answered(self, write: Write) -> None:
        """Retry until answered. A key still "running" (409) after `STUCK_AFTER` seconds is left
        unanswered: its first attempt died with the database before it could let the key go."""
        deadline = time.monotonic() + 60
        running_since: float | None = None
        headers = {"Authorization": f"Bearer {self._token}", "Idempotency-Key": write.key}
        variables = {"input": {"name": f"Pelanggan {write.key}", "phone": write.phone}}
        while time.monotonic() < deadline:
            try:
                response = httpx.post(
                    self._url,
                    json={"query": REGISTER, "variables": variables},
                    headers=headers,
                    timeout=30,
                )
            except httpx.HTTPError:
                time.sleep(0.3)  # no answer: the write may or may not have run; retry it
                continue
            if response.status_code == 409:
                running_since = running_since or time.monotonic()
                if time.monotonic() - running_since > STUCK_AFTER:
                    return
            if response.status_code >= 500 or response.status_code == 409:
                time.sleep(0.3)  # not done (or still running): retry with the same key
                continue
            self._answered(write, response)
            return

    @staticmethod
    def _answered(write: Write, response: httpx.Response) -> None:
        body: dict[str, Any] = response.json()
        result = (body.get("data") or {}).get("registerCustomer") or {}
        write.answered_at = time.monotonic()
        if response.status_code == 200 and result.get("__typename") == "RegisterCustomerSuccess":
            write.customer_id = result["customer"]["id"]
        elif response.status_code == 200 and result.get("__typename") == "StoredPendingRead":
            write.stored_pending = True
        else:
            write.refused = f"{response.status_code}: {json.dumps(body)[:300]}"


def test_every_part_heals_after_outages_without_losing_an_acknowledged_write(
    deployment: Deployment, own_postgres: OwnPostgres, own_redis: OwnRedis
) -> None:
    parts = _start_parts(deployment)
    try:
        wait_until(lambda: _ready(deployment), 60, "the deployment gets ready")
        clients = Clients(deployment).start()
        parts = _faults(deployment, parts, own_postgres, own_redis)
        faults_over = time.monotonic()
        wait_until(
            lambda: clients.acknowledged_since(faults_over) >= CLIENTS,
            RECOVERY_BOUND,
            "writes are acknowledged again after the faults",
        )
        writes = clients.stop()
        healed_in = wait_until(lambda: _ready(deployment), RECOVERY_BOUND, "/readyz is 200 again")
        _assert_healthy(deployment, ("api", "worker", "projections"))
        _assert_no_acknowledged_write_lost(deployment, writes)
        _assert_every_registration_was_delivered(deployment, writes)
        _assert_no_stored_write_was_reported_failed(deployment, writes)
    except BaseException:
        for part in parts.values():
            print(f"--- {' '.join(part.args)} ---\n{part.output()}")
        raise
    finally:
        for part in parts.values():
            part.terminate()
    assert healed_in < RECOVERY_BOUND


def _start_parts(deployment: Deployment) -> dict[str, NiagaProcess]:
    env, logs = deployment.env, deployment.logs
    return {
        "api": NiagaProcess(env, logs, "serve", "--no-projections", "--no-scheduler"),
        "projections": NiagaProcess(env, logs, "projections", "run"),
        "worker": NiagaProcess(env, logs, "worker", "--threads", "2"),
    }


def _faults(
    deployment: Deployment,
    parts: dict[str, NiagaProcess],
    postgres: OwnPostgres,
    redis: OwnRedis,
) -> dict[str, NiagaProcess]:
    """The outages, one after another, while the clients write."""
    time.sleep(3)
    postgres.stop()
    # Honest health: the API says at once that the database takes no writes.
    wait_until(lambda: "database" in _failing(deployment), 20, "/readyz names the database")
    time.sleep(2)
    postgres.start()
    time.sleep(4)
    parts["worker"].kill()  # its supervisor starts it again
    parts["worker"] = parts["worker"].restarted()
    time.sleep(3)
    parts["projections"].kill()
    parts["projections"] = parts["projections"].restarted()
    time.sleep(4)
    redis.kill()  # with it, every job it held
    time.sleep(2)
    redis.start()
    time.sleep(4)
    return parts


def _ready(deployment: Deployment) -> bool:
    try:
        return httpx.get(f"{deployment.base_url}/readyz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _failing(deployment: Deployment) -> list[str]:
    try:
        response = httpx.get(f"{deployment.base_url}/readyz", timeout=10)
    except httpx.HTTPError:
        return []
    failing: list[str] = response.json().get("failing", []) if response.status_code == 503 else []
    return failing


def _assert_healthy(deployment: Deployment, parts: tuple[str, ...]) -> None:
    def healthy(part: str) -> bool:
        check = subprocess.run(
            [NIAGA, "health", part], env=deployment.env, capture_output=True, timeout=60
        )
        return check.returncode == 0

    for part in parts:
        wait_until(functools.partial(healthy, part), RECOVERY_BOUND, f"niaga health {part}")


def _stored(deployment: Deployment) -> dict[str, str]:
    """Phone -> customer id of every customer in the read model, through GraphQL."""
    stored: dict[str, str] = {}
    after = None
    while True:
        response = httpx.post(
            f"{deployment.base_url}/graphql",
            json={"query": CUSTOMERS, "variables": {"after": after}},
            headers={"Authorization": f"Bearer {deployment.token}"},
            timeout=30,
        )
        page = response.json()["data"]["customers"]
        stored.update({e["node"]["phone"]: e["node"]["id"] for e in page["edges"]})
        if not page["pageInfo"]["hasNextPage"]:
            return stored
        after = page["pageInfo"]["endCursor"]


def _assert_no_acknowledged_write_lost(deployment: Deployment, writes: list[Write]) -> None:
    acknowledged = [w for w in writes if w.customer_id]

    def all_visible() -> bool:
        ids = set(_stored(deployment).values())
        return all(w.customer_id in ids for w in acknowledged)

    wait_until(all_visible, RECOVERY_BOUND, "every acknowledged write is in the read model")
    stored = _stored(deployment)
    by_phone = {_e164(w.phone): w.customer_id for w in acknowledged}
    assert {phone: stored[phone] for phone in by_phone} == by_phone
    pending = {_e164(w.phone) for w in writes if w.stored_pending}
    assert pending <= set(stored), "a write acknowledged as stored (answer pending) is missing"


def _assert_no_stored_write_was_reported_failed(
    deployment: Deployment, writes: list[Write]
) -> None:
    stored = _stored(deployment)
    misreported = [w for w in writes if w.refused and _e164(w.phone) in stored]
    assert misreported == [], "clients were told these stored writes failed"


def _assert_every_registration_was_delivered(deployment: Deployment, writes: list[Write]) -> None:
    wanted = {w.customer_id for w in writes if w.customer_id}

    def delivered() -> set[str]:
        seen = set()
        for request in list(deployment.receiver.received):
            payload = json.loads(request.body)
            if payload.get("type") == "customer.registered":
                seen.add(payload["data"]["customer_id"])
        return seen

    wait_until(lambda: wanted <= delivered(), RECOVERY_BOUND, "every registration is delivered")


def _e164(phone: str) -> str:
    return "+62" + phone.removeprefix("0")

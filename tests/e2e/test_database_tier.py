"""A tenant in a database of its own on a second PostgreSQL server (the embedded one) works as
every other: `niaga migrate` reaches its store, GraphQL commands and read models, signed
webhooks, the audit tools, and a connection pool bounded by NIAGA_SERVER_POOL_MAX."""

from __future__ import annotations

import csv
import json
import subprocess
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from adapters.shared.stores import StoreRef
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.integrations.webhooks import CreateWebhookEndpoint
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.cli import run_niaga
from tests.e2e.conftest import GraphQL
from tests.e2e.test_customer_lifecycle import CUSTOMERS, REGISTER
from tests.e2e.test_migrate_cli import PENDING, _row, _undo_pending
from tests.e2e.test_tenant_moves import _env
from tests.e2e.test_tenant_moves import two_servers as two_servers
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.test_webhook_delivery import receiver as receiver
from tests.integration.webhooks import deliveries, register, step, synchronous_dispatcher, verified
from tests.kb_support import embedded_url_fixture as embedded_url_fixture

POOL_MAX = 2
CHANGE = """
mutation Change($input: ChangeCustomerContactInput!) {
  changeCustomerContact(input: $input) {
    __typename
    ... on ChangeCustomerContactSuccess { customer { id name phone } }
    ... on Error { message code field }
  }
}"""


@pytest.fixture(name="niaga")
def niaga_with_small_pools(settings: Settings, clock: FixedClock) -> Iterator[Niaga]:
    """On the two servers, sending webhooks to local receivers, with pools of `POOL_MAX`; the
    databases of its tenants on the second server are dropped afterwards."""
    app = Niaga.start(
        settings.model_copy(
            update={"niaga_server_pool_max": POOL_MAX, "niaga_webhooks_allow_private": True}
        ),
        clock=clock,
    )
    yield app
    own = [ref for ref in app.stores.refs() if ref.database is not None]
    for ref in own:
        app.stores.close_database(ref)
    app.close()
    with psycopg.connect(settings.niaga_servers["second"], autocommit=True) as admin:
        for ref in own:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(ref.database or "")
                )
            )


@pytest.fixture
def tenant(niaga: Niaga) -> uuid.UUID:
    return niaga.tenants.create("ISP Besar Jakarta", Placement.OWN_DATABASE, server="second")


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**_env(settings), "NIAGA_SERVER_POOL_MAX": str(POOL_MAX)}
    return run_niaga(settings, *args, columns=400, env=env)


def _on_second_server(niaga: Niaga, tenant_id: uuid.UUID) -> StoreRef:
    ref = niaga.stores.ref_for(tenant_id)
    assert (ref.server, ref.database) == ("second", f"niaga_t_{tenant_id.hex[:16]}")
    return ref


def _one(conninfo: str, query: str, schema: str, *params: object) -> tuple[Any, ...] | None:
    """A row read on a connection of the test's own, not one of Niaga's pools."""
    with psycopg.connect(conninfo) as conn:
        return conn.execute(sql.SQL(query).format(sql.Identifier(schema)), params).fetchone()


def test_migrate_reaches_its_store_on_the_second_server(niaga: Niaga, settings: Settings) -> None:
    tier = ["--tier", "database", "--server", "second"]
    created = _cli(settings, "tenants", "create", "ISP Besar", *tier)
    assert created.returncode == 0, created.stderr + created.stdout
    ref = _on_second_server(niaga, uuid.UUID(created.stdout.strip()))
    with niaga.stores.database_of(ref).connection() as conn:
        _undo_pending(conn, ref.schema)

    first = _cli(settings, "migrate")
    again = _cli(settings, "migrate")

    assert first.returncode == 0, first.stderr + first.stdout
    _, server, *result = _row(first.stdout, ref.schema)
    assert server.startswith(str(conninfo_to_dict(settings.niaga_servers["second"])["host"]))
    assert server.endswith(f"/{ref.database}")
    assert result == ["applied", f"read_models/{PENDING[0]}, read_models/{PENDING[1]}"]
    assert again.returncode == 0, again.stderr + again.stdout
    assert _row(again.stdout, ref.schema)[1:] == [server, "already current", ""]


def _field(gql: GraphQL, query: str, name: str, **variables: object) -> dict[str, Any]:
    value: dict[str, Any] = gql(query, **variables)[name]  # type: ignore[assignment]
    return value


def test_commands_and_read_models_through_graphql_stay_in_its_database(
    niaga: Niaga, server: str, tenant: uuid.UUID
) -> None:
    gql = GraphQL(server, niaga.tenants.issue_api_key(tenant, Role.OWNER, "e2e").token)
    budi = {"name": "Budi Santoso", "phone": "0812-3456-7890"}
    customer_id = _field(gql, REGISTER, "registerCustomer", input=budi)["customer"]["id"]
    siti = {"name": "Siti Rahmawati", "phone": "081311112222"}
    _field(gql, REGISTER, "registerCustomer", input=siti)

    change = {"id": customer_id, "name": "Budi S.", "phone": "081298765432"}
    changed = _field(gql, CHANGE, "changeCustomerContact", input=change)
    listed = _field(gql, CUSTOMERS, "customers", first=10)

    assert changed == {
        "__typename": "ChangeCustomerContactSuccess",
        "customer": {"id": customer_id, "name": "Budi S.", "phone": "+6281298765432"},
    }
    assert listed["totalCount"] == 2
    assert {(e["node"]["name"], e["node"]["phone"]) for e in listed["edges"]} == {
        ("Budi S.", "+6281298765432"),
        ("Siti Rahmawati", "+6281311112222"),
    }
    ref = _on_second_server(niaga, tenant)
    url = niaga.stores.url_of(ref)
    events = "SELECT count(*) FROM {}.niaga_events WHERE originator_id = %s"
    row = "SELECT name, phone FROM {}.customer_list WHERE id = %s"
    assert _one(url, events, ref.schema, customer_id) == (2,)
    assert _one(url, row, ref.schema, customer_id) == ("Budi S.", "+6281298765432")
    platform = niaga.stores.platform_ref.schema
    assert _one(niaga.database.url, events, platform, customer_id) == (0,)


def test_the_webhook_dispatcher_delivers_its_public_events_signed(
    niaga: Niaga, tenant: uuid.UUID, receiver: WebhookReceiver
) -> None:
    owner = principal_for(tenant)
    endpoint = CreateWebhookEndpoint(receiver.url, ["customer.registered"])
    secret = niaga.webhooks.create(owner, endpoint).secret
    customer = register(niaga, owner, "Budi Santoso", "081234567890")

    step(niaga, synchronous_dispatcher(niaga))

    (request,) = receiver.received
    payload = verified(secret, request)
    assert payload["type"] == "customer.registered"
    assert payload["data"] == {"customer_id": str(customer)}
    assert payload["tenant_id"] == str(tenant)
    (delivery,) = deliveries(niaga, owner)
    assert (delivery.status, delivery.last_status_code) == ("delivered", 200)
    ref = _on_second_server(niaga, tenant)
    delivered = "SELECT count(*) FROM {}.webhook_deliveries WHERE status = 'delivered'"
    assert _one(niaga.stores.url_of(ref), delivered, ref.schema) == (1,)


def test_audit_exports_and_the_hash_chain_work_on_its_store(
    niaga: Niaga, settings: Settings, tenant: uuid.UUID, tmp_path: Path
) -> None:
    owner = principal_for(tenant)
    customer = niaga.customers.register(owner, RegisterCustomer("Siti Rahmawati", "0812987654"))
    niaga.customers.change_contact(owner, ChangeCustomerContact(customer, name="Siti R."))
    ref = _on_second_server(niaga, tenant)
    period = ["--from", "2000-01-01T00:00:00Z", "--to", "2100-01-01T00:00:00Z"]
    only = ["--tenant", str(tenant)]
    target = tmp_path / "events.csv"
    as_csv = ["--format", "csv", "--what", "events", "--output", str(target)]

    exported = _cli(settings, "audit", "export", *period, *as_csv, *only)
    audit = _cli(settings, "audit", "export", *period, *only)
    intact = _cli(settings, "audit", "verify-chain")

    assert exported.returncode == 0, exported.stderr
    rows = [r for r in csv.DictReader(target.open()) if r["aggregate_id"] == str(customer)]
    assert [(r["event"], json.loads(r["data"]).get("name")) for r in rows] == [
        ("Customer.Registered", "Siti Rahmawati"),
        ("Customer.ContactChanged", "Siti R."),
    ]
    assert audit.returncode == 0, audit.stderr
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    assert [e["action"] for e in entries if e["aggregate_id"] == str(customer)] == [
        "Customer.Registered",
        "Customer.ContactChanged",
    ]
    assert intact.returncode == 0, intact.stderr
    assert f"{ref.name}: intact, " in intact.stdout

    forged = (
        "UPDATE {}.niaga_events SET state = replace(convert_from(state, 'UTF8'), "
        "'ChangeCustomerContact', 'ForgedCommand')::bytea "
        "WHERE originator_id = %s AND originator_version = 2"
    )
    with psycopg.connect(niaga.stores.url_of(ref), autocommit=True) as conn:
        conn.execute(sql.SQL(forged).format(sql.Identifier(ref.schema)), (customer,))
    broken = _cli(settings, "audit", "verify-chain", "--store", ref.name)

    assert broken.returncode == 1, broken.stdout
    assert f"{ref.name}: chain broken at" in broken.stderr
    assert f"Customer {customer} version 2: altered" in broken.stderr


@contextmanager
def _connections_counted(server_url: str, database: str) -> Iterator[list[int]]:
    """Samples, until the block ends, how many clients are connected to `database`."""
    counts: list[int] = []
    done = threading.Event()
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = %s AND backend_type = 'client backend'"
    )

    def watch() -> None:
        with psycopg.connect(server_url, autocommit=True) as conn:
            while not done.wait(0.002):
                row = conn.execute(query, (database,)).fetchone()
                counts.append(int(row[0]) if row else 0)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield counts
    finally:
        done.set()
        watcher.join(timeout=10)


def test_its_pool_never_holds_more_connections_than_the_server_pool_max(
    niaga: Niaga, tenant: uuid.UUID, settings: Settings
) -> None:
    owner = principal_for(tenant)
    ref = _on_second_server(niaga, tenant)
    pool = niaga.stores.database_of(ref).pool
    pool.pop_stats()

    def register_one(i: int) -> uuid.UUID:
        return niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {i}", f"0812555{i:05d}")
        )

    with (
        _connections_counted(settings.niaga_servers["second"], ref.database or "") as counts,
        ThreadPoolExecutor(8) as workers,
    ):
        ids = list(workers.map(register_one, range(24)))

    assert len(set(ids)) == 24
    assert niaga.queries.customers(owner, None, 100, None).total_count == 24
    assert pool.max_size == POOL_MAX
    stats = pool.get_stats()
    # Commands waited for a connection in use, not only for one being opened: the limit held.
    assert stats.get("requests_queued", 0) > stats.get("connections_num", 0), stats
    assert max(counts) == POOL_MAX, counts

"""Where tenants' events live, how many connections that costs, and API keys for tenants."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from application.shared.context import ActorKind, Principal
from application.shared.errors import AuthenticationFailed, NotFound, PermissionDenied
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.integration.read_models import event_count

TENANTS = 50
THREADS = 8
OWN_CONNECTIONS = 2  # the sampler's own connection, and one spare for the test's checks


def _events_of(niaga: Niaga, schema: str, aggregate_id: uuid.UUID) -> int:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.niaga_events WHERE originator_id = %s").format(
                sql.Identifier(schema)
            ),
            (aggregate_id,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_tenant_in_its_own_schema_keeps_its_events_there(niaga: Niaga) -> None:
    tenant_id = niaga.tenants.create("Bengkel HP Jaya", Placement.OWN_SCHEMA)
    owner = principal_for(tenant_id)
    platform = niaga.stores.platform_ref.schema
    own = niaga.stores.ref_for(tenant_id).schema
    platform_events = event_count(niaga, platform)

    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))

    assert own != platform
    assert _events_of(niaga, own, budi) == 1
    assert _events_of(niaga, platform, budi) == 0
    assert event_count(niaga, platform) == platform_events
    assert _events_of(niaga, platform, tenant_id) == 2  # registered and placed: the platform's
    assert niaga.queries.customer(owner, budi).name == "Budi"
    [listed] = [t for t in niaga.read_models.tenants() if t.id == tenant_id]
    assert listed.store == own


def test_a_shared_tenant_keeps_its_events_in_the_platform_store(
    niaga: Niaga, owner: Principal
) -> None:
    budi = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567890"))

    assert niaga.stores.ref_for(owner.tenant_id) == niaga.stores.platform_ref
    assert _events_of(niaga, niaga.stores.platform_ref.schema, budi) == 1


class ConnectionSampler:
    """Counts this database's connections in pg_stat_activity until stopped; keeps the peak."""

    def __init__(self, url: str) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._conn = psycopg.connect(url, autocommit=True)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            row = self._conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            ).fetchone()
            self.peak = max(self.peak, int(row[0]) if row else 0)
            self._stop.wait(0.005)


def test_fifty_tenants_in_their_own_schemas_share_one_pool(
    niaga: Niaga, settings: Settings, database_url: str
) -> None:
    def open_and_serve(i: int) -> tuple[Principal, uuid.UUID]:
        owner = principal_for(niaga.tenants.create(f"Hotspot {i}", Placement.OWN_SCHEMA))
        customer = niaga.customers.register(
            owner, RegisterCustomer(f"Pelanggan {i}", f"0812{i:08d}")
        )
        return owner, customer

    with ConnectionSampler(database_url) as sampler, ThreadPoolExecutor(THREADS) as pool:
        served = list(pool.map(open_and_serve, range(TENANTS)))

    assert len({niaga.stores.ref_for(owner.tenant_id) for owner, _ in served}) == TENANTS
    for i, (owner, customer) in enumerate(served):
        page = niaga.queries.customers(owner, None, 10, None)
        assert [(c.id, c.name) for c in page.items] == [(customer, f"Pelanggan {i}")]
    assert 0 < sampler.peak <= settings.niaga_db_pool_max + OWN_CONNECTIONS


def test_an_api_key_authenticates_until_it_is_revoked(niaga: Niaga, tenant_id: uuid.UUID) -> None:
    issued = niaga.tenants.issue_api_key(tenant_id, Role.STAFF, "front desk")

    principal = niaga.tenants.authenticate(issued.token)

    assert (principal.tenant_id, principal.role) == (tenant_id, Role.STAFF)
    assert (principal.actor.kind, principal.actor.id) == (ActorKind.API_KEY, issued.key_id)
    niaga.customers.register(principal, RegisterCustomer("Budi", "081234567890"))
    with pytest.raises(PermissionDenied):
        niaga.queries.audit_log(principal, None, 10, None)

    niaga.tenants.revoke_api_key(issued.key_id)

    with pytest.raises(AuthenticationFailed):
        niaga.tenants.authenticate(issued.token)


def test_revoking_one_key_leaves_the_tenants_other_keys_working(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    kept = niaga.tenants.issue_api_key(tenant_id, Role.AUDITOR)
    revoked = niaga.tenants.issue_api_key(tenant_id, Role.ADMIN)

    niaga.tenants.revoke_api_key(revoked.key_id)

    assert niaga.tenants.authenticate(kept.token).role is Role.AUDITOR
    assert {(k.key_id, k.revoked) for k in niaga.read_models.api_keys(tenant_id)} == {
        (kept.key_id, False),
        (revoked.key_id, True),
    }


@pytest.mark.parametrize(
    "token", ["", "   ", "garbage", "nk_", "nk__secret", "nk_abc_", "xx_abc_def", "Bearer nk"]
)
def test_refuses_a_malformed_token(niaga: Niaga, token: str) -> None:
    with pytest.raises(AuthenticationFailed):
        niaga.tenants.authenticate(token)


def test_refuses_an_unknown_key_and_a_known_key_with_the_wrong_secret(
    niaga: Niaga, tenant_id: uuid.UUID
) -> None:
    issued = niaga.tenants.issue_api_key(tenant_id, Role.OWNER)

    with pytest.raises(AuthenticationFailed):
        niaga.tenants.authenticate("nk_000000000000_" + "s" * 43)
    with pytest.raises(AuthenticationFailed):
        niaga.tenants.authenticate(f"nk_{issued.key_id}_not-the-secret")
    with pytest.raises(NotFound):
        niaga.tenants.revoke_api_key("000000000000")


def test_neither_the_secret_nor_its_hash_is_in_the_audit_log(
    niaga: Niaga, owner: Principal
) -> None:
    issued = niaga.tenants.issue_api_key(owner.tenant_id, Role.STAFF, "kasir")
    [record] = niaga.read_models.api_keys(owner.tenant_id)

    audit = repr(niaga.queries.audit_log(owner, owner.tenant_id, 100, None).items)

    assert issued.token.split("_", 2)[2] not in audit
    assert record.secret_hash not in audit
    assert "[redacted]" in audit

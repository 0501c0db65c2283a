"""In one process (the embedded default) the daemons' threads are supervised; a daemon whose
database stays away gives up, for its supervisor to start it afresh."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Niaga
from adapters.shared.projection_service import ProjectionService
from adapters.shared.settings import Settings
from adapters.shared.supervision import PartFailed, Supervisor
from api.main import create_app
from tests.conftest import TEST_SECRET_KEY
from tests.faults.services import OwnPostgres, wait_until


@pytest.fixture
def niaga(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[Niaga]:
    settings = Settings(
        database_url=own_postgres.url,
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        niaga_data_dir=tmp_path,
    )
    app = Niaga.start(settings)
    yield app
    app.close()


def test_a_supervised_part_that_dies_is_started_again(niaga: Niaga) -> None:
    runs: list[float] = []
    stop = threading.Event()

    def flaky(stop: threading.Event) -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            raise psycopg.OperationalError("server closed the connection unexpectedly")
        stop.wait()

    supervisor = Supervisor(niaga.heartbeats, stop, beat_as="api", check_every=0.2)
    supervisor.start("projections", flaky)
    supervisor.watch()
    try:
        wait_until(lambda: len(runs) == 2, 10, "the part runs again")
        wait_until(lambda: (niaga.heartbeats.age("api") or 99) < 1, 5, "the process beats")
    finally:
        stop.set()
        supervisor.join(5)


class _DatabaseAway:
    """Stores whose database does not answer."""

    def open_stores(self) -> Any:
        raise psycopg.OperationalError("connection refused")


def test_the_projection_daemon_gives_up_when_its_database_stays_away() -> None:
    service = ProjectionService(_DatabaseAway(), inline=False)  # type: ignore[arg-type]
    beats: list[float] = []
    started = time.monotonic()
    with pytest.raises(PartFailed, match="projections gave up"):
        service.run_forever(threading.Event(), beat=lambda: beats.append(1), give_up_after=1.0)
    assert time.monotonic() - started < 10
    assert beats == []  # a failing daemon never looks alive


def test_readyz_names_the_database_while_it_is_down_and_recovers_by_itself(
    niaga: Niaga, own_postgres: OwnPostgres
) -> None:
    with TestClient(create_app(niaga, run_projections=True, run_scheduler=True)) as client:
        wait_until(lambda: client.get("/readyz").status_code == 200, 30, "ready")
        parts = client.get("/readyz").json()["parts"]
        assert parts["projections"]["ok"]
        assert parts["scheduler"]["in_this_process"]
        own_postgres.stop()
        try:
            down = client.get("/readyz")
            assert down.status_code == 503
            assert down.json()["failing"] == ["database"]
        finally:
            own_postgres.start()
        healed = wait_until(lambda: client.get("/readyz").status_code == 200, 60, "ready again")
        assert client.get("/healthz").status_code == 200
    assert healed < 60

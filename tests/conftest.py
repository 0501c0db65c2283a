"""Fixtures on real services: a PostgreSQL database per test session, a platform schema per test,
and Redis. A test that needs a service fails (never skips) when the service is unreachable."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.clock import FixedClock
from application.shared.context import Actor, ActorKind, Principal
from application.shared.ports import Placement
from application.shared.secrets import new_key
from domain.shared.roles import Role

SERVER_URL = os.environ.get(
    "NIAGA_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_SECRET_KEY = new_key()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def _with_db(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo(**params)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database on the test server for this session, dropped afterwards."""
    name = f"niaga_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is unreachable at {SERVER_URL}: {error}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A commit need not wait for its WAL to reach the disk here: the suite commits tens of
        # thousands of times, and a test database is thrown away. What a test sees is the same.
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
        )
    yield _with_db(SERVER_URL, name)
    _drop_in_the_background(name)


_DROP = """
import sys, psycopg
from psycopg import sql
drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(sys.argv[2]))
with psycopg.connect(sys.argv[1], autocommit=True) as admin:
    admin.execute(drop)
"""


def _drop_in_the_background(name: str) -> None:
    """Drop the session's database from a process of its own that the session does not wait
    for: removing the files of thousands of tables takes the server a minute at the end of a
    full run, and nothing after the session needs it gone."""
    subprocess.Popen(
        [sys.executable, "-c", _DROP, SERVER_URL, name],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        niaga_platform_schema=f"p_{uuid.uuid4().hex[:10]}",
        niaga_env="test",
        niaga_secret_key=TEST_SECRET_KEY,
        redis_url=REDIS_URL,
    )


@pytest.fixture
def clock() -> FixedClock:
    """Billing and dunning ask this clock for today; tests move it."""
    return FixedClock(date(2026, 1, 5))


@pytest.fixture
def niaga(settings: Settings, clock: FixedClock) -> Iterator[Niaga]:
    app = Niaga.start(settings, clock=clock)
    yield app
    app.close()


@pytest.fixture
def tenant_id(niaga: Niaga) -> uuid.UUID:
    return niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)


def principal_for(tenant_id: uuid.UUID, role: Role = Role.OWNER) -> Principal:
    return Principal(tenant_id, role, Actor(ActorKind.USER, f"test-{role.value}"))


@pytest.fixture
def owner(tenant_id: uuid.UUID) -> Principal:
    return principal_for(tenant_id)

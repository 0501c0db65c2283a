"""The fault tier: a PostgreSQL cluster and a Redis the tests own (and restart, and kill)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.services import OwnPostgres, OwnRedis


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    cluster = OwnPostgres()
    cluster.start()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis()
    redis.start()
    yield redis
    redis.kill()

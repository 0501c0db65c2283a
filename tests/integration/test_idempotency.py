"""Idempotency keys on real PostgreSQL: a key runs its mutation once, replays the first outcome,
and refuses a concurrent or different request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.idempotency import PostgresIdempotencyRecords
from application.shared.idempotency import IdempotencyConflict, IdempotentMutations
from domain.shared.errors import InvalidValue

REQUEST = {"query": "mutation { x }", "variables": {"a": 1}}


@pytest.fixture
def mutations(niaga: Niaga) -> IdempotentMutations:
    records = PostgresIdempotencyRecords(niaga.database, niaga.settings.niaga_platform_schema)
    return IdempotentMutations(records)


class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"data": {"n": self.calls}}


def test_a_retry_gets_the_first_outcome_and_runs_nothing(mutations: IdempotentMutations) -> None:
    run = Counter()
    first = mutations.run("tenant-a/key-1", "k1", REQUEST, run)
    again = mutations.run(
        "tenant-a/key-1", "k1", {"variables": {"a": 1}, "query": "mutation { x }"}, run
    )
    assert (first.replayed, again.replayed) == (False, True)
    assert again.response == first.response == {"data": {"n": 1}}
    assert run.calls == 1


def test_the_same_key_of_another_caller_is_another_request(mutations: IdempotentMutations) -> None:
    run = Counter()
    mutations.run("tenant-a/key-1", "k1", REQUEST, run)
    other = mutations.run("tenant-b/key-9", "k1", REQUEST, run)
    assert other.replayed is False
    assert run.calls == 2


def test_a_key_reused_for_a_different_request_is_refused(mutations: IdempotentMutations) -> None:
    mutations.run("s", "k1", REQUEST, Counter())
    with pytest.raises(IdempotencyConflict, match="different request"):
        mutations.run("s", "k1", {**REQUEST, "variables": {"a": 2}}, Counter())


def test_a_retry_while_the_first_attempt_runs_is_told_to_wait(
    mutations: IdempotentMutations,
) -> None:
    def retry_inside() -> dict[str, Any]:
        with pytest.raises(IdempotencyConflict, match="still running"):
            mutations.run("s", "k1", REQUEST, Counter())
        return {"data": {}}

    mutations.run("s", "k1", REQUEST, retry_inside)


def test_an_attempt_that_failed_without_an_outcome_lets_the_retry_run(
    mutations: IdempotentMutations,
) -> None:
    def fail() -> dict[str, Any]:
        raise ConnectionError("database went away")

    with pytest.raises(ConnectionError):
        mutations.run("s", "k1", REQUEST, fail)
    retry = mutations.run("s", "k1", REQUEST, Counter())
    assert retry.replayed is False


@pytest.mark.parametrize("key", ["", "x" * 256, "kunci\u0000", "kunci\n", "kúnci"])
def test_malformed_keys_are_refused(mutations: IdempotentMutations, key: str) -> None:
    with pytest.raises(InvalidValue):
        mutations.run("s", key, REQUEST, Counter())


def test_keys_are_kept_a_day_then_purged(mutations: IdempotentMutations) -> None:
    mutations.run("s", "k1", REQUEST, Counter())
    now = datetime.now(UTC)  # keys are stamped by the database's clock
    assert mutations.purge(now + timedelta(hours=23)) == 0
    assert mutations.purge(now + timedelta(hours=25)) == 1
    assert mutations.run("s", "k1", REQUEST, Counter()).replayed is False

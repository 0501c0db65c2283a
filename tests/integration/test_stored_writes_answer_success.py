"""A client is never told a stored write failed: a mutation whose events were saved answers
StoredPendingRead (stale) when its read models cannot answer yet, never an error."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from api.graphql.schema import build_schema
from api.graphql.shared.support import Context
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from tests.conftest import principal_for
from tests.integration.read_models import event_count, store_of

REGISTER = """
mutation { registerCustomer(input: {name: "Budi Santoso", phone: "081234567890"}) {
  __typename
  ... on RegisterCustomerSuccess { customer { id } }
  ... on StoredPendingRead { stored stale message }
  ... on Error { code message }
} }"""


@pytest.fixture
def without_daemon(settings: Settings, clock: FixedClock) -> Iterator[Niaga]:
    """Commands wait for a projection daemon that is not running, and only briefly."""
    lagging = settings.model_copy(update={"niaga_read_model_wait_seconds": 0.05})
    app = Niaga.start(lagging, clock=clock, inline_projections=False)
    yield app
    app.close()


def _execute(niaga: Niaga, tenant_id: uuid.UUID) -> dict[str, Any]:
    context = Context(niaga.services, principal_for(tenant_id))
    result = asyncio.run(build_schema().execute(REGISTER, context_value=context))
    assert result.errors is None, result.errors
    assert result.data is not None
    answer: dict[str, Any] = result.data["registerCustomer"]
    return answer


def test_a_stored_write_whose_read_models_lag_answers_stored_not_an_error(
    without_daemon: Niaga,
) -> None:
    tenant_id = without_daemon.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    schema = store_of(without_daemon, tenant_id).ref.schema
    before = event_count(without_daemon, schema)

    answer = _execute(without_daemon, tenant_id)

    assert answer["__typename"] == "StoredPendingRead"
    assert (answer["stored"], answer["stale"]) == (True, True)
    assert event_count(without_daemon, schema) > before  # the write is there


def test_with_read_models_caught_up_the_answer_is_the_success(niaga: Niaga) -> None:
    tenant_id = niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)
    assert _execute(niaga, tenant_id)["__typename"] == "RegisterCustomerSuccess"

"""`totalCount` through the GraphQL schema on real PostgreSQL: right with and without filters,
and never counted when the client does not select it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest
import strawberry

from adapters.billing.read_models import PostgresBillingReadModels
from adapters.bootstrap import Niaga, Services
from api.graphql.schema import build_schema
from api.graphql.shared.support import Context
from application.billing.ports import InvoiceFilter, InvoiceView
from application.billing.queries import BillingQueries
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import Page
from tests.integration.test_list_counts import Shop


class CountsRefused(PostgresBillingReadModels):
    """The real invoice read model, but its pages' counts fail, and say how often they ran."""

    def __init__(self, niaga: Niaga) -> None:
        super().__init__(niaga.stores)
        self.counts_run = 0

    def invoices(
        self,
        store: EventStore,
        tenant_id: UUID,
        where: InvoiceFilter,
        first: int,
        after: str | None,
    ) -> Page[InvoiceView]:
        return replace(super().invoices(store, tenant_id, where, first, after), count=self._refuse)

    def _refuse(self) -> int:
        self.counts_run += 1
        raise RuntimeError("the count ran")


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema()


def run(schema: strawberry.Schema, services: Services, who: Principal, document: str) -> Any:
    return asyncio.run(schema.execute(document, context_value=Context(services, who)))


@pytest.fixture
def shop(niaga: Niaga) -> Shop:
    shop = Shop(niaga, "Warung Net")
    shop.register()
    for customer, amount in ((0, 10_000), (0, 20_000), (1, 30_000), (1, 40_000)):
        shop.draft(customer, amount)
    for which in (0, 1, 2):
        shop.issue(which)
    shop.pay(0, 10_000)
    return shop


def test_total_count_is_right_with_and_without_filters(
    niaga: Niaga, shop: Shop, schema: strawberry.Schema
) -> None:
    second = shop.customers[1]
    document = f"""{{
        all: invoices(first: 1) {{ totalCount edges {{ node {{ id }} }} }}
        issued: invoices(status: "issued") {{ totalCount }}
        drafted: invoices(status: "drafted") {{ totalCount }}
        void: invoices(status: "void") {{ totalCount }}
        thisMonth: invoices(period: "2026-01") {{ totalCount }}
        theirs: invoices(customerId: "{second}") {{ totalCount }}
        theirsIssued: invoices(customerId: "{second}", status: "issued") {{ totalCount }}
        customers(first: 1) {{ totalCount }}
        found: customers(search: "pelanggan", first: 1) {{ totalCount }}
    }}"""

    result = run(schema, niaga.services, shop.owner, document)

    assert result.errors is None
    totals = {name: answer["totalCount"] for name, answer in result.data.items()}
    assert totals == {
        "all": 4,
        "issued": 2,
        "drafted": 1,
        "void": 0,
        "thisMonth": 3,
        "theirs": 2,
        "theirsIssued": 1,
        "customers": 2,
        "found": 2,
    }
    assert len(result.data["all"]["edges"]) == 1


def test_the_count_runs_only_when_total_count_is_selected(
    niaga: Niaga, shop: Shop, schema: strawberry.Schema
) -> None:
    read_models = CountsRefused(niaga)
    queries = BillingQueries(niaga.stores, read_models, niaga.read_models)
    services = replace(niaga.services, billing_queries=queries)

    listed = run(
        schema,
        services,
        shop.owner,
        "{ invoices(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
    )

    assert listed.errors is None
    assert len(listed.data["invoices"]["edges"]) == 2
    assert listed.data["invoices"]["pageInfo"]["hasNextPage"] is True
    assert read_models.counts_run == 0

    counted = run(schema, services, shop.owner, "{ invoices(first: 2) { totalCount } }")

    assert counted.errors is not None
    assert read_models.counts_run == 1

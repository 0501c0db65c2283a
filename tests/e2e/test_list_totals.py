"""Lists' totals over real HTTP: GraphQL's `totalCount` when selected, and REST's `total_count`
unless the client says `count=false`."""

from __future__ import annotations

import httpx

from adapters.bootstrap import Niaga
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL
from tests.integration.test_list_counts import Shop


def test_lists_answer_their_totals_when_asked(niaga: Niaga, server: str) -> None:
    shop = Shop(niaga, "Warung Net")
    for amount in (10_000, 20_000, 30_000):
        shop.draft(0, amount)
    shop.issue(0)
    token = niaga.tenants.issue_api_key(shop.owner.tenant_id, Role.ADMIN, "erp").token
    gql = GraphQL(server, token)

    data = gql(
        '{ invoices(first: 1) { totalCount } drafted: invoices(status: "drafted") '
        "{ totalCount } customers { totalCount } }"
    )

    assert data == {
        "invoices": {"totalCount": 3},
        "drafted": {"totalCount": 2},
        "customers": {"totalCount": 1},
    }

    def rest(**params: str | int) -> dict[str, object]:
        response = httpx.get(
            f"{server}/api/v1/invoices",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    assert rest(limit=1)["total_count"] == 3
    assert rest(limit=1, status="issued")["total_count"] == 1
    uncounted = rest(limit=1, count="false")
    assert (uncounted["total_count"], uncounted["has_more"]) == (None, True)

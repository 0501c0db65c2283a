"""The public REST API over real HTTP with API keys: lists with filters and cursors, reads by
id, clear 4xx for bad input, and a rate limit per key."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.integration.billing import Books

BURST = 30


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A refill so slow that nothing comes back during a test: the burst is all a key gets.
    return settings.model_copy(
        update={"niaga_api_rate_burst": BURST, "niaga_api_rate_per_second": 0.001}
    )


class Client:
    def __init__(self, base_url: str, token: str | None) -> None:
        self.base_url = f"{base_url}/api/v1"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> httpx.Response:
        return httpx.get(f"{self.base_url}{path}", params=params, headers=self.headers, timeout=10)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


def _client(niaga: Niaga, server: str, owner: Principal, role: Role = Role.ADMIN) -> Client:
    return Client(server, niaga.tenants.issue_api_key(owner.tenant_id, role, "erp").token)


@pytest.fixture
def books(niaga: Niaga, owner: Principal) -> Books:
    return Books(niaga, owner)


def test_lists_page_with_cursors_and_filter(
    niaga: Niaga, owner: Principal, server: str, books: Books
) -> None:
    customers = [books.customer(name) for name in ("Budi", "Siti", "Agus")]
    plan = books.plan("Paket 10 Mbps", 150_000)
    subscription = books.subscribe(customers[0], plan, date(2026, 1, 1), "budi")
    paid = books.invoice(customers[0], 100_000, date(2026, 1, 2))
    books.invoice(customers[1], 200_000, date(2026, 1, 3))
    payment = books.pay(customers[0], 100_000, date(2026, 1, 4), "KWT-1")
    books.caught_up()
    api = _client(niaga, server, owner)

    first = api.ok("/customers", limit=2)
    assert (len(first["data"]), first["has_more"], first["total_count"]) == (2, True, 3)
    rest = api.ok("/customers", limit=2, after=first["next_cursor"])
    assert (len(rest["data"]), rest["has_more"], rest["next_cursor"]) == (1, False, None)
    assert [c["id"] for c in first["data"] + rest["data"]] == [str(c) for c in customers]
    assert "nik" not in first["data"][0]

    paid_only = api.ok("/invoices", status="paid")
    assert [i["id"] for i in paid_only["data"]] == [str(paid)]
    of_siti = api.ok("/invoices", customer_id=str(customers[1]))
    assert [i["total"] for i in of_siti["data"]] == [200_000]
    assert api.ok(f"/invoices/{paid}")["balance_due"] == 0

    (listed,) = api.ok("/payments", customer_id=str(customers[0]))["data"]
    assert listed["allocations"] == [{"invoice_id": str(paid), "amount": 100_000}]
    assert api.ok("/payments", received_from="2026-01-05")["data"] == []
    assert api.ok(f"/payments/{payment}")["reference"] == "KWT-1"

    (active,) = api.ok("/subscriptions", state="active")["data"]
    assert (active["id"], active["plan_name"]) == (str(subscription), "Paket 10 Mbps")
    assert api.ok(f"/subscriptions/{subscription}")["customer_id"] == str(customers[0])
    assert api.ok(f"/customers/{customers[2]}")["name"] == "Agus"


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/invoices", {"status": "exploded"}, 400, "status"),
        ("/invoices", {"period": "2026-13"}, 400, "period"),
        ("/customers", {"after": "not-a-cursor"}, 400, "after"),
        ("/subscriptions", {"state": "sleeping"}, 400, "state"),
        ("/payments", {"method": "barter"}, 400, "method"),
        ("/payments", {"received_from": "2026-02-01", "received_to": "2026-01-01"}, 400, None),
        ("/customers", {"limit": 0}, 422, None),
        ("/invoices", {"customer_id": "nope"}, 422, None),
        ("/payments", {"received_from": "yesterday"}, 422, None),
        ("/invoices/not-a-uuid", {}, 422, None),
        ("/invoices/00000000-0000-0000-0000-000000000001", {}, 404, "id"),
        ("/customers/00000000-0000-0000-0000-000000000001", {}, 404, "id"),
        ("/payments/00000000-0000-0000-0000-000000000001", {}, 404, "id"),
    ],
)
def test_bad_filters_cursors_and_ids_get_a_clear_4xx(
    niaga: Niaga,
    owner: Principal,
    server: str,
    path: str,
    params: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    response = _client(niaga, server, owner).get(path, **params)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    if status in {400, 404}:
        assert detail["message"]
        if field:
            assert detail["field"] == field


def test_a_key_sees_only_its_own_tenant(
    niaga: Niaga, owner: Principal, server: str, books: Books
) -> None:
    invoice = books.invoice(books.customer("Budi"), 100_000, date(2026, 1, 2))
    books.caught_up()
    other = niaga.tenants.create("Toko Lain", Placement.SHARED)
    stranger = Client(server, niaga.tenants.issue_api_key(other, Role.OWNER).token)
    assert stranger.get(f"/invoices/{invoice}").status_code == 404
    assert stranger.ok("/invoices")["total_count"] == 0


def test_without_a_key_or_with_a_role_that_may_not_read_the_answer_is_refused(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    assert Client(server, None).get("/invoices").status_code == 401
    assert Client(server, "nk_nope_nope").get("/invoices").status_code == 401
    technician = _client(niaga, server, owner, Role.TECHNICIAN)
    assert technician.get("/invoices").status_code == 403


def test_a_key_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected(
    niaga: Niaga, owner: Principal, server: str
) -> None:
    busy, calm = _client(niaga, server, owner), _client(niaga, server, owner)
    statuses = [busy.get("/customers").status_code for _ in range(BURST)]
    assert set(statuses) == {200}
    limited = busy.get("/customers")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["detail"]["code"] == "RATE_LIMITED"
    assert calm.get("/customers").status_code == 200

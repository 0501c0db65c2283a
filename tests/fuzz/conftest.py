"""The app under fuzzing: the real ASGI app on real PostgreSQL, with a seeded tenant whose owner's
API key authenticates every generated request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from fastapi import FastAPI

from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from api.main import create_app
from application.shared.context import Principal
from domain.shared.roles import Role
from tests.integration.billing import Books


@dataclass(frozen=True)
class Target:
    app: FastAPI
    headers: dict[str, str]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The fuzzer sends requests as fast as it can; the rate limit is not what is under test.
    return settings.model_copy(
        update={"niaga_api_rate_burst": 1_000_000, "niaga_api_rate_per_second": 1_000_000.0}
    )


@pytest.fixture
def target(niaga: Niaga, owner: Principal) -> Target:
    """A tenant with customers, a plan, a subscription, invoices and a payment, and its key."""
    books = Books(niaga, owner)
    budi, siti = books.customer("Budi"), books.customer("Siti")
    plan = books.plan("Paket 10 Mbps", 150_000)
    books.subscribe(budi, plan, date(2026, 1, 1), "budi")
    books.invoice(budi, 100_000, date(2026, 1, 2))
    books.invoice(siti, 200_000, date(2026, 1, 3))
    books.pay(budi, 100_000, date(2026, 1, 4), "KWT-1")
    books.caught_up()
    token = niaga.tenants.issue_api_key(owner.tenant_id, Role.OWNER, "fuzz").token
    app = create_app(niaga, run_projections=False)
    return Target(app, {"Authorization": f"Bearer {token}"})

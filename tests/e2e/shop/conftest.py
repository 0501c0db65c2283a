"""A tenant selling vouchers online: a profile, a level-2 agent with a shop code under a
level-1 agent, and a fake Tripay the tenant's account points at, behind a real Niaga server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
import pytest
from eventsourcing.application import AggregateNotFoundError

from adapters.bootstrap import Niaga
from adapters.payments.gateways.fakes import FakeTripay
from application.payments.gateway_accounts import ConfigureGateway
from application.shared.ports import Placement
from application.vouchers.voucher_sales import delivery_id
from domain.messaging.whatsapp import OutboundMessage
from domain.shared.roles import Role
from domain.vouchers.agent import Agent
from domain.vouchers.voucher import Voucher
from domain.vouchers.voucher_order import VoucherOrder
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL
from tests.integration.vouchers import Desk

SELLING_PRICE = 3000
LEVEL_PRICES = (2000, 2300)
TOP_UP_LINK = """
mutation($agent: ID!, $amount: Int!) {
  createAgentTopUpLink(agentId: $agent, amount: $amount) {
    __typename
    ... on TopUpLinkSuccess { linkId url amount expiresAt }
    ... on Error { code message field }
  }
}"""


@dataclass
class Shop:
    niaga: Niaga
    server: str
    desk: Desk
    tripay: FakeTripay
    code: str
    seller_id: UUID  # level 2, sells on the page
    upline_id: UUID  # level 1, earns the commission
    gql: GraphQL

    @property
    def tenant_id(self) -> UUID:
        return self.desk.tenant_id

    @property
    def page(self) -> str:
        return f"{self.server}/buy?agent={self.code}"

    def order(self, profile: str = "3JAM", phone: str = "081355550001") -> httpx.Response:
        return httpx.post(
            f"{self.server}/buy",
            data={"agent": self.code, "profile": profile, "phone": phone},
            timeout=10,
        )

    def pay(self, order_id: str) -> httpx.Response:
        """The customer pays at Tripay; Tripay calls back, signed by its formula."""
        self.tripay.pay(order_id)
        return self.tripay.notification(order_id).send(self.callback_url)

    @property
    def callback_url(self) -> str:
        return f"{self.server}/callbacks/tripay/{self.tenant_id}"

    def store(self) -> Any:
        return self.niaga.stores.for_tenant(self.tenant_id)

    def agent(self, agent_id: UUID) -> Agent:
        found = self.store().repository.get(agent_id)
        assert isinstance(found, Agent)
        return found

    def voucher_order(self, order_id: UUID) -> VoucherOrder:
        found = self.store().repository.get(order_id)
        assert isinstance(found, VoucherOrder)
        return found

    def vouchers_sold(self) -> list[Voucher]:
        """Every voucher of the tenant (read from the events, not a read model)."""
        found = []
        for notification in self.store().recorder.select_notifications(1, 10_000):
            if notification.topic.endswith("Voucher.Sold"):
                voucher = self.store().repository.get(notification.originator_id)
                if voucher.tenant_id == self.tenant_id:
                    found.append(voucher)
        return found

    def delivery(self, order_id: UUID) -> OutboundMessage | None:
        """The WhatsApp message queued to bring the buyer the voucher."""
        try:
            found = self.store().repository.get(delivery_id(order_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(found, OutboundMessage)
        return found


def order_id_of(response: httpx.Response) -> UUID:
    """The order a POST /buy redirected to."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/buy/orders/"), location
    return UUID(location.split("/")[3].split("?")[0])


@pytest.fixture
def tripay() -> Iterator[FakeTripay]:
    fake = FakeTripay("DEV-api-asli", "private-asli", "T1234").start()
    assert isinstance(fake, FakeTripay)
    yield fake
    fake.stop()


@pytest.fixture
def shop(niaga: Niaga, server: str, tripay: FakeTripay) -> Shop:
    tenant_id = niaga.tenants.create("Warung WiFi Sejahtera", Placement.SHARED)
    owner = principal_for(tenant_id)
    desk = Desk(niaga, owner)
    desk.profile("3JAM", selling_price=SELLING_PRICE, agent_prices=LEVEL_PRICES)
    desk.profile("1HARI", selling_price=5000, agent_prices=(4000, 4500))
    upline = desk.agent("Budi", f"0812{uuid.uuid4().int % 10**8:08d}")
    seller = desk.agent("Sari", f"0813{uuid.uuid4().int % 10**8:08d}", parent=upline)
    code = f"AG{uuid.uuid4().int % 10**6:06d}"
    niaga.vouchers.sales.assign_shop_code(owner, seller, code)
    niaga.gateway_accounts.configure(
        owner,
        ConfigureGateway(
            "tripay",
            {
                "api_key": tripay.api_key,
                "private_key": tripay.private_key,
                "merchant_code": tripay.merchant_code,
            },
            {"api": tripay.url},
        ),
    )
    token = niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token
    return Shop(niaga, server, desk, tripay, code, seller, upline, GraphQL(server, token))

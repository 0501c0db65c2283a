"""Public voucher sales: a customer buys one voucher on an agent's page and pays through the
tenant's gateway; the order is fulfilled once, when the verified payment arrives.

An agent's page is found by its shop code (`AG001`), which is unique across all tenants: the
code alone tells which tenant and which agent sell.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import positive_amount
from domain.shared.personal_data import CarriesPersonalData

_SHOP_CODE = re.compile(r"^[A-Z0-9]{3,16}$")


class OrderRefused(DomainError):
    code = "ORDER_REFUSED"


def shop_code(raw: str) -> str:
    """A shop code as stored: 3-16 letters or digits, upper case."""
    code = (raw or "").strip().upper()
    if not _SHOP_CODE.match(code):
        raise InvalidValue("a shop code is 3-16 letters or digits, e.g. AG001", field="code")
    return code


class ShopCode(Aggregate):
    """Claims a shop code for one agent of one tenant. Kept in the platform store, so a code is
    unique across tenants and two claims racing for one code collide in the event store."""

    class Claimed(Aggregate.Created):
        tenant_id: UUID
        agent_id: UUID
        code: str

    @staticmethod
    def id_for(code: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"niaga:shop-code:{code}")

    @classmethod
    def claim(cls, tenant_id: UUID, agent_id: UUID, code: str) -> ShopCode:
        clean = shop_code(code)
        return cls._create(
            cls.Claimed, id=cls.id_for(clean), tenant_id=tenant_id, agent_id=agent_id, code=clean
        )

    @event(Claimed)
    def __init__(self, tenant_id: UUID, agent_id: UUID, code: str) -> None:
        self.tenant_id = tenant_id
        self.agent_id = agent_id
        self.code = code


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    FULFILLED = "fulfilled"
    EXPIRED = "expired"  # not paid in time: nothing was sold
    PAID_LATE = "paid_late"  # the gateway confirmed a payment after expiry: held for a refund


class VoucherOrder(Aggregate):
    """One voucher bought by a customer on an agent's page, at the profile's selling price."""

    class Placed(Aggregate.Created, CarriesPersonalData):
        """The customer's WhatsApp number is personal data, encrypted with the order's key."""

        personal_fields = frozenset({"phone"})
        tenant_id: UUID
        agent_id: UUID | None  # None: sold by the tenant directly (e.g. BELI on WhatsApp)
        shop_code: str
        profile_id: UUID
        profile_name: str
        price: int
        phone: str
        gateway: str
        link_id: UUID
        payment_url: str
        expires_at: datetime

    class Fulfilled(Aggregate.Event):
        voucher_id: UUID
        username: str
        password: str
        payment_reference: str
        at: datetime

    class PaidLate(Aggregate.Event):
        payment_reference: str
        at: datetime

    @classmethod
    def place(
        cls,
        order_id: UUID,
        tenant_id: UUID,
        agent_id: UUID | None,
        code: str,
        profile_id: UUID,
        profile_name: str,
        price: int,
        phone: str,
        gateway: str,
        link_id: UUID,
        payment_url: str,
        expires_at: datetime,
    ) -> VoucherOrder:
        return cls._create(
            cls.Placed,
            id=order_id,
            tenant_id=tenant_id,
            agent_id=agent_id,
            shop_code=code,
            profile_id=profile_id,
            profile_name=profile_name,
            price=positive_amount(price, "price"),
            phone=phone,
            gateway=gateway,
            link_id=link_id,
            payment_url=payment_url,
            expires_at=expires_at,
        )

    @event(Placed)
    def __init__(
        self,
        tenant_id: UUID,
        agent_id: UUID | None,
        shop_code: str,
        profile_id: UUID,
        profile_name: str,
        price: int,
        phone: str,
        gateway: str,
        link_id: UUID,
        payment_url: str,
        expires_at: datetime,
    ) -> None:
        self.tenant_id = tenant_id
        self.agent_id = agent_id
        self.shop_code = shop_code
        self.profile_id = profile_id
        self.profile_name = profile_name
        self.price = price
        self.phone = phone
        self.gateway = gateway
        self.link_id = link_id
        self.payment_url = payment_url
        self.expires_at = expires_at
        self.fulfilled = False
        self.paid_late = False
        self.voucher_id: UUID | None = None
        self.username: str | None = None
        self.password: str | None = None

    def status_at(self, now: datetime) -> OrderStatus:
        if self.fulfilled:
            return OrderStatus.FULFILLED
        if self.paid_late:
            return OrderStatus.PAID_LATE
        return OrderStatus.AWAITING_PAYMENT if now < self.expires_at else OrderStatus.EXPIRED

    def fulfil(
        self, voucher_id: UUID, username: str, password: str, reference: str, at: datetime
    ) -> None:
        """Hand the paid voucher over; an order is fulfilled once, and only before it expired."""
        if self.status_at(at) is not OrderStatus.AWAITING_PAYMENT:
            raise OrderRefused(f"the order is {self.status_at(at).value}", field="id")
        self._fulfilled(
            voucher_id=voucher_id,
            username=username,
            password=password,
            payment_reference=reference,
            at=at,
        )

    @event(Fulfilled)
    def _fulfilled(
        self, voucher_id: UUID, username: str, password: str, payment_reference: str, at: datetime
    ) -> None:
        self.fulfilled = True
        self.voucher_id = voucher_id
        self.username = username
        self.password = password

    def pay_late(self, reference: str, at: datetime) -> None:
        """Money arrived for an order that had expired: nothing is sold, finance refunds it."""
        if self.fulfilled or self.paid_late:
            raise OrderRefused("the order was settled before", field="id")
        self._paid_late(payment_reference=reference, at=at)

    @event(PaidLate)
    def _paid_late(self, payment_reference: str, at: datetime) -> None:
        self.paid_late = True

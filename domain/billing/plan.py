"""Internet plans a tenant sells, and the promotions that go with them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.money import positive_amount
from domain.shared.payloads import typed_fields
from domain.shared.values import require_text

MAX_VALIDITY_DAYS = 366


class ServiceType(StrEnum):
    PPPOE = "pppoe"
    HOTSPOT = "hotspot"


class BillingMode(StrEnum):
    POSTPAID = "postpaid"  # billed monthly on a billing day, for the month just served
    PREPAID = "prepaid"  # billed up front for a validity period


class PromotionKind(StrEnum):
    PERCENTAGE = "percentage"
    FIXED = "fixed"
    FIRST_MONTH_FREE = "first_month_free"


@dataclass(frozen=True)
class Promotion:
    code: str
    kind: PromotionKind
    value: int  # percent for PERCENTAGE, rupiah for FIXED, unused for FIRST_MONTH_FREE
    cycles: int

    def discount(self, price: int) -> int:
        """The discount on one cycle's price; never more than the price."""
        if self.kind is PromotionKind.PERCENTAGE:
            return price * self.value // 100
        if self.kind is PromotionKind.FIXED:
            return min(self.value, price)
        return price


def new_promotion(code: str, kind: PromotionKind, value: int, cycles: int) -> Promotion:
    code = require_text(code, "code", 32).upper()
    if kind is PromotionKind.PERCENTAGE and not 1 <= value <= 100:
        raise InvalidValue("a percentage discount must be 1-100", field="value")
    if kind is PromotionKind.FIXED:
        positive_amount(value, "value")
    if kind is PromotionKind.FIRST_MONTH_FREE:
        value, cycles = 0, 1
    if not 1 <= cycles <= 36:
        raise InvalidValue("a promotion lasts 1-36 cycles", field="cycles")
    return Promotion(code, kind, value, cycles)


class Plan(Aggregate):
    """A plan: its price, the router profile that enforces its speed, and how it is billed."""

    class Created(Aggregate.Created):
        tenant_id: UUID
        name: str
        price: int
        router_profile: str
        service_type: str
        billing_mode: str
        validity_days: int
        taxable: bool

    class PriceChanged(Aggregate.Event):
        price: int

    class PromotionAdded(Aggregate.Event):
        class_version = 2  # version 1 held `promotion` as a plain JSON object
        promotion: Promotion

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, promotion=Promotion)

    class Retired(Aggregate.Event):
        pass

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        price: int,
        router_profile: str,
        service_type: str,
        billing_mode: str,
        validity_days: int,
        taxable: bool,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.price = price
        self.router_profile = router_profile
        self.service_type = ServiceType(service_type)
        self.billing_mode = BillingMode(billing_mode)
        self.validity_days = validity_days
        self.taxable = taxable
        self.promotions: dict[str, Promotion] = {}
        self.retired = False

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        name: str,
        price: int,
        router_profile: str,
        service_type: ServiceType,
        billing_mode: BillingMode,
        validity_days: int = 30,
        taxable: bool = True,
    ) -> Plan:
        if billing_mode is BillingMode.PREPAID and not 1 <= validity_days <= MAX_VALIDITY_DAYS:
            raise InvalidValue(
                f"validity must be 1-{MAX_VALIDITY_DAYS} days", field="validity_days"
            )
        return cls(
            tenant_id=tenant_id,
            name=require_text(name, "name", 80),
            price=positive_amount(price, "price"),
            router_profile=require_text(router_profile, "router_profile", 64),
            service_type=service_type.value,
            billing_mode=billing_mode.value,
            validity_days=validity_days if billing_mode is BillingMode.PREPAID else 0,
            taxable=taxable,
        )

    def change_price(self, price: int) -> None:
        self._refuse_if_retired()
        self._price_changed(price=positive_amount(price, "price"))

    @event(PriceChanged)
    def _price_changed(self, price: int) -> None:
        self.price = price

    def add_promotion(self, promotion: Promotion) -> None:
        self._refuse_if_retired()
        if promotion.code in self.promotions:
            raise InvalidValue(f"promotion {promotion.code} already exists", field="code")
        self._promotion_added(promotion=promotion)

    @event(PromotionAdded)
    def _promotion_added(self, promotion: Promotion) -> None:
        self.promotions[promotion.code] = promotion

    def promotion(self, code: str) -> Promotion:
        found = self.promotions.get(code.strip().upper())
        if found is None:
            raise InvalidValue(f"plan {self.name} has no promotion {code!r}", field="promotion")
        return found

    def retire(self) -> None:
        if not self.retired:
            self._retired()

    @event(Retired)
    def _retired(self) -> None:
        self.retired = True

    def _refuse_if_retired(self) -> None:
        if self.retired:
            raise InvalidValue(f"plan {self.name} is retired", field="plan_id")

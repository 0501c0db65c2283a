"""GraphQL types and inputs of the counter's promotions and daily sales report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.repairs.counter_ports import DailySales, PromotionView
from application.shared.ports import Page


@strawberry.type(
    name="CounterPromotion",
    description="A promotion the counter applies by itself on the shop's local dates.",
)
class CounterPromotion:
    id: strawberry.ID
    name: str
    kind: str = strawberry.field(description="percentage or fixed")
    value: int = strawberry.field(description="Percent (1-100), or rupiah off per unit or basket")
    scope: str = strawberry.field(description="item, category or basket")
    item_id: strawberry.ID | None
    category: str | None
    starts_on: date = strawberry.field(description="First day, inclusive")
    ends_on: date = strawberry.field(description="Last day, inclusive")
    minimum_spend: int = strawberry.field(
        description="Basket subtotal before discounts and PPN it needs (0: none)"
    )
    status: str = strawberry.field(
        description="active, or ended (by endPromotion or past its last day)"
    )
    ended_on: date | None
    created_at: datetime

    @classmethod
    def from_view(cls, view: PromotionView) -> CounterPromotion:
        return cls(
            **{
                **vars(view),
                "id": strawberry.ID(str(view.id)),
                "item_id": strawberry.ID(str(view.item_id)) if view.item_id else None,
            }
        )


@strawberry.type
class CounterPromotionEdge:
    cursor: str
    node: CounterPromotion


@strawberry.type
class CounterPromotionConnection(Connection[CounterPromotionEdge]):
    @classmethod
    def from_page(cls, page: Page[PromotionView]) -> CounterPromotionConnection:
        return cls(**connection_parts(page, CounterPromotion.from_view, CounterPromotionEdge))


@strawberry.type(
    description="One day's counter sales paid by one method and rung up by one cashier; "
    "a sale paid by several methods counts under each, its amounts split by what each paid."
)
class DailySalesRow:
    day: date = strawberry.field(description="The shop's local date")
    payment_method: str = strawberry.field(description="cash, qris, ...; none for a free sale")
    cashier: str = strawberry.field(description="Who recorded the sales (user:…, api_key:…)")
    sales: int
    gross: int = strawberry.field(description="Before discounts and PPN")
    discounts: int = strawberry.field(description="Taken off by promotions")
    ppn: int
    net: int = strawberry.field(description="Gross - discounts + PPN - returns: what was paid")
    returns: int = strawberry.field(
        description="Always 0: a counter sale is paid in full at once, and a paid invoice can "
        "be neither voided (voidInvoice) nor credited (creditInvoice), so nothing is returned"
    )

    @classmethod
    def from_view(cls, view: DailySales) -> DailySalesRow:
        return cls(**vars(view))


@strawberry.input
class CreatePromotionInput:
    name: str
    kind: str = strawberry.field(description="percentage or fixed")
    value: int = strawberry.field(
        description="Percent (1-100), or rupiah: per unit for an item or category, per basket"
    )
    scope: str = strawberry.field(description="item, category or basket")
    starts_on: date = strawberry.field(description="First day, the shop's local date")
    ends_on: date = strawberry.field(description="Last day, inclusive")
    item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The item, for scope item"
    )
    category: str | None = strawberry.field(
        default=None, description="The items' category, for scope category"
    )
    minimum_spend: int = strawberry.field(
        default=0, description="Basket subtotal before discounts and PPN it needs"
    )


@strawberry.type
class CounterPromotionSuccess:
    promotion: CounterPromotion


CounterPromotionResult = Annotated[
    CounterPromotionSuccess | Errors, strawberry.union("CounterPromotionResult")
]

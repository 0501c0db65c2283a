"""The counter's promotions and daily sales report in GraphQL (the sale itself is
`counterSale`, beside the inventory)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.repairs import counter_types as t
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.repairs.promotions import CreatePromotion


def _promotion(info: NiagaInfo, promotion_id: UUID) -> t.CounterPromotionSuccess:
    """The promotion as the list now shows it, for a mutation's result."""
    services, who = info.context.services, info.context.principal
    view = found(services.counter_queries.promotion(who, promotion_id), "promotion")
    return t.CounterPromotionSuccess(promotion=t.CounterPromotion.from_view(view))


def _command(input: t.CreatePromotionInput) -> CreatePromotion:
    return CreatePromotion(
        input.name,
        input.kind,
        input.value,
        input.scope,
        input.starts_on,
        input.ends_on,
        parse_id(input.item_id, "itemId") if input.item_id else None,
        input.category,
        input.minimum_spend,
    )


@strawberry.type
class CounterQuery:
    @strawberry.field(description="The counter's promotions, newest first.")
    async def promotions(
        self,
        info: NiagaInfo,
        active: Annotated[
            bool | None,
            strawberry.argument(
                description="true: those still running (not ended, last day not past); "
                "false: the others; left out: all"
            ),
        ] = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.CounterPromotionConnection:
        services, who = info.context.services, info.context.principal
        page = await query(
            lambda: services.counter_queries.promotions(
                who, active=active, first=first, after=after
            )
        )
        return t.CounterPromotionConnection.from_page(page)

    @strawberry.field(
        description="Counter sales per day, payment method and cashier, from one local date "
        "to another inclusive (at most 93 days). Also as CSV: GET "
        "/api/v1/reports/daily-sales.csv?from=&to=."
    )
    async def daily_sales(
        self,
        info: NiagaInfo,
        start: Annotated[date, strawberry.argument(name="from")],
        end: Annotated[date, strawberry.argument(name="to")],
    ) -> list[t.DailySalesRow]:
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.counter_queries.daily_sales(who, start, end))
        return [t.DailySalesRow.from_view(r) for r in rows]


@strawberry.type
class CounterMutation:
    @strawberry.mutation(
        description="Create a promotion; counterSale applies it by itself on its dates."
    )
    async def create_promotion(
        self, info: NiagaInfo, input: t.CreatePromotionInput
    ) -> t.CounterPromotionResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: _promotion(info, services.promotions.create(who, _command(input)))
        )

    @strawberry.mutation(description="End a promotion today, before its last day.")
    async def end_promotion(self, info: NiagaInfo, id: strawberry.ID) -> t.CounterPromotionResult:
        services, who = info.context.services, info.context.principal

        def run() -> t.CounterPromotionSuccess:
            promotion_id = parse_id(id, "id")
            services.promotions.end(who, promotion_id)
            return _promotion(info, promotion_id)

        return await run_command(run)

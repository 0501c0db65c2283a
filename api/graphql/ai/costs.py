"""What AI cost your tenant in a month, and the budget the platform set for it."""

from __future__ import annotations

from datetime import date

import strawberry

from api.graphql.shared.support import NiagaInfo, query
from application.ai.cost_ports import AiCostRow
from application.ai.costs import AiCostMonth as AiCostMonthView
from domain.ai.budget import MICRO


def rupiah(micro_idr: int) -> str:
    """Millionths of a rupiah as an exact decimal: 1234567 -> "1.234567"."""
    sign = "-" if micro_idr < 0 else ""
    whole, fraction = divmod(abs(micro_idr), MICRO)
    return f"{sign}{whole}.{fraction:06d}"


@strawberry.type(description="Calls that did not end ok, by why (quota, timeout, off, budget...).")
class AiFailureCount:
    outcome: str
    calls: int


@strawberry.type(description="AI calls of one feature on one model on one day (WIB).")
class AiCostLine:
    day: date
    feature: str
    model: str | None = strawberry.field(description="null: no model was asked (AI off, ...)")
    calls: int
    input_tokens: int
    output_tokens: int
    cost: str = strawberry.field(description='Rupiah, exact to a millionth, e.g. "12.345678"')
    failures: list[AiFailureCount]

    @classmethod
    def from_row(cls, row: AiCostRow) -> AiCostLine:
        return cls(
            day=row.day,
            feature=row.feature,
            model=row.model,
            calls=row.calls,
            input_tokens=row.input_tokens,
            output_tokens=row.output_tokens,
            cost=rupiah(row.cost_micro_idr),
            failures=[AiFailureCount(outcome=o, calls=n) for o, n in sorted(row.failures.items())],
        )


@strawberry.type(description="Your AI month: what it cost, per day, feature and model.")
class AiCostMonth:
    month: str = strawberry.field(description="YYYY-MM (WIB)")
    calls: int
    input_tokens: int
    output_tokens: int
    cost: str = strawberry.field(description="Rupiah, exact to a millionth")
    budget: int | None = strawberry.field(
        description="Rupiah a month the platform allows; null: no limit"
    )
    budget_reached: bool = strawberry.field(
        description="AI answers are refused (features use their rules) until the month ends"
    )
    lines: list[AiCostLine]

    @classmethod
    def from_view(cls, view: AiCostMonthView) -> AiCostMonth:
        return cls(
            month=f"{view.month:%Y-%m}",
            calls=view.calls,
            input_tokens=view.input_tokens,
            output_tokens=view.output_tokens,
            cost=rupiah(view.cost_micro_idr),
            budget=view.budget_idr,
            budget_reached=view.budget_reached,
            lines=[AiCostLine.from_row(row) for row in view.rows],
        )


@strawberry.type
class AiCostQuery:
    @strawberry.field(description="What AI cost your tenant in a month (YYYY-MM; default: now).")
    async def ai_costs(self, info: NiagaInfo, month: str | None = None) -> AiCostMonth:
        services, who = info.context.services, info.context.principal
        return AiCostMonth.from_view(await query(lambda: services.ai_costs.month(who, month)))

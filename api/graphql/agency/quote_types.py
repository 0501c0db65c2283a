"""The quote calculator's GraphQL types: the rate card, an estimate, a quotation. Amounts are
whole rupiah; multipliers are shown as numbers (1.5) and kept in hundredths."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.agency.estimates import EstimateResult
from application.agency.quote_ports import QuotationView, RateCardView
from application.shared.ports import Page
from domain.agency.estimate import QuoteLine as QuoteLineValue
from domain.agency.rate_card import Complexity


def _times(hundredths: int) -> float:
    return hundredths / 100


@strawberry.type(description="A feature of your rate card.")
class RateCardFeature:
    code: str
    name: str
    base_price: int = strawberry.field(description="Rupiah, before any multiplier")


@strawberry.type(description="What each complexity multiplies a feature's base price by.")
class ComplexityMultipliers:
    simple: float
    standard: float
    complex: float


@strawberry.type(description="Your rate card: what every estimate is computed from.")
class RateCard:
    features: list[RateCardFeature]
    multipliers: ComplexityMultipliers
    project_management_percent: int | None = strawberry.field(
        description="Added as a line: this percentage of the features; null: no such line"
    )

    @classmethod
    def from_view(cls, view: RateCardView) -> RateCard:
        m = view.multipliers
        return cls(
            features=[
                RateCardFeature(code=f.code, name=f.name, base_price=f.base_price)
                for f in view.features
            ],
            multipliers=ComplexityMultipliers(
                simple=_times(m[Complexity.SIMPLE]),
                standard=_times(m[Complexity.STANDARD]),
                complex=_times(m[Complexity.COMPLEX]),
            ),
            project_management_percent=view.management_percent,
        )


@strawberry.type(description="A feature as priced: its base price times the multiplier.")
class QuoteLine:
    code: str
    name: str
    base_price: int
    multiplier: float
    amount: int = strawberry.field(description="Rupiah, rounded down as billing rounds")

    @classmethod
    def of(cls, line: QuoteLineValue) -> QuoteLine:
        return cls(
            code=line.code,
            name=line.name,
            base_price=line.base_price,
            multiplier=_times(line.multiplier),
            amount=line.amount,
        )


@strawberry.type(description="A quote's price from your rate card; PPN as your billing has it.")
class QuoteEstimate:
    complexity: str
    lines: list[QuoteLine]
    project_management_percent: int | None
    project_management: int
    subtotal: int = strawberry.field(description="Harga Jual: the features and project management")
    dpp: int = strawberry.field(description="DPP Nilai Lain (PKP only)")
    ppn: int
    total: int
    summary: str | None = strawberry.field(
        description="The scope summary in Indonesian, when asked for and AI could write it"
    )
    summary_unavailable: str | None = strawberry.field(
        description="Why a summary asked for did not come: off, no_key, quota, timeout, "
        "invalid_answer, budget, breaker_open, provider_error"
    )

    @classmethod
    def of(cls, result: EstimateResult) -> QuoteEstimate:
        priced = result.estimate
        unavailable = result.summary_unavailable
        return cls(
            complexity=priced.complexity.value,
            lines=[QuoteLine.of(line) for line in priced.lines],
            project_management_percent=priced.management_percent,
            project_management=priced.management,
            subtotal=priced.subtotal,
            dpp=priced.dpp,
            ppn=priced.ppn,
            total=priced.total,
            summary=result.summary,
            summary_unavailable=unavailable.value if unavailable else None,
        )


@strawberry.type(description="A quotation: an estimate frozen for a customer under a number.")
class Quotation:
    id: strawberry.ID
    number: str
    customer_id: strawberry.ID
    customer_name: str
    status: str = strawberry.field(description="draft, sent, accepted, declined or invoiced")
    complexity: str
    lines: list[QuoteLine]
    project_management_percent: int | None
    project_management: int
    subtotal: int
    dpp: int
    ppn: int
    total: int
    valid_until: date
    notes: str
    summary: str | None
    invoice_id: strawberry.ID | None = strawberry.field(description="Once invoiced")
    invoice_number: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: QuotationView) -> Quotation:
        return cls(
            id=strawberry.ID(str(view.id)),
            number=view.number,
            customer_id=strawberry.ID(str(view.customer_id)),
            customer_name=view.customer_name,
            status=view.status.value,
            complexity=view.complexity.value,
            lines=[QuoteLine.of(line) for line in view.lines],
            project_management_percent=view.management_percent,
            project_management=view.management,
            subtotal=view.subtotal,
            dpp=view.dpp,
            ppn=view.ppn,
            total=view.total,
            valid_until=view.valid_until,
            notes=view.notes,
            summary=view.summary,
            invoice_id=strawberry.ID(str(view.invoice_id)) if view.invoice_id else None,
            invoice_number=view.invoice_number,
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


@strawberry.type
class QuotationEdge:
    cursor: str
    node: Quotation


@strawberry.type
class QuotationConnection(Connection[QuotationEdge]):
    @classmethod
    def from_page(cls, page: Page[QuotationView]) -> QuotationConnection:
        return cls(**connection_parts(page, Quotation.from_view, QuotationEdge))


@strawberry.input(description="What an estimate, and a quotation, is computed from.")
class QuoteInput:
    features: list[str] = strawberry.field(description="Codes of your rate card's features")
    complexity: str = strawberry.field(
        default="standard", description="simple, standard or complex"
    )
    client_name: str = strawberry.field(
        default="", description="For the summary only; a quotation names its customer"
    )
    notes: str = strawberry.field(default="", description="The client's wishes, for the summary")


@strawberry.type
class RateCardSuccess:
    rate_card: RateCard


@strawberry.type
class EstimateQuoteSuccess:
    estimate: QuoteEstimate


@strawberry.type
class QuotationSuccess:
    quotation: Quotation


@strawberry.type(description="The invoice an accepted quotation became, and the quotation.")
class InvoiceQuotationSuccess:
    invoice_id: strawberry.ID
    invoice_number: str
    quotation: Quotation


RateCardResult = Annotated[RateCardSuccess | Errors, strawberry.union("RateCardResult")]
EstimateQuoteResult = Annotated[
    EstimateQuoteSuccess | Errors, strawberry.union("EstimateQuoteResult")
]
QuotationResult = Annotated[QuotationSuccess | Errors, strawberry.union("QuotationResult")]
InvoiceQuotationResult = Annotated[
    InvoiceQuotationSuccess | Errors, strawberry.union("InvoiceQuotationResult")
]

"""The quote calculator in GraphQL: the rate card, estimates (with an AI-written summary on
request), quotations and their invoice."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import strawberry

from api.graphql.agency.quote_types import (
    EstimateQuoteResult,
    EstimateQuoteSuccess,
    InvoiceQuotationResult,
    InvoiceQuotationSuccess,
    Quotation,
    QuotationConnection,
    QuotationResult,
    QuotationSuccess,
    QuoteEstimate,
    QuoteInput,
    RateCard,
    RateCardResult,
    RateCardSuccess,
)
from api.graphql.shared.parsing import found, parse_enum, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.agency.estimates import QuoteRequest
from application.agency.quotations import CreateQuotation
from application.agency.quote_ports import QuotationFilter, QuotationView, RateCardView
from application.shared.context import Principal
from application.shared.ports import Page
from domain.agency.quotation import DEFAULT_VALID_DAYS, QuotationStatus
from domain.agency.rate_card import Complexity


@strawberry.type
class QuoteQuery:
    @strawberry.field(description="Your rate card: features, multipliers, project management.")
    async def rate_card(self, info: NiagaInfo) -> RateCard:
        services, who = info.context.services, info.context.principal
        return RateCard.from_view(await query(lambda: services.rate_cards.view(who)))

    @strawberry.field(
        description="Quotations, newest first: of one status (draft, sent, accepted, declined, "
        "invoiced), whose number or customer's name contains `search` (any case)."
    )
    async def quotations(
        self,
        info: NiagaInfo,
        status: str | None = None,
        search: str | None = None,
        first: int = 20,
        after: str | None = None,
    ) -> QuotationConnection:
        services, who = info.context.services, info.context.principal

        def quotations() -> Page[QuotationView]:
            chosen = parse_enum(QuotationStatus, status, "status") if status is not None else None
            which = QuotationFilter(chosen, search)
            return services.quotation_queries.quotations(who, which, first, after)

        return QuotationConnection.from_page(await query(quotations))

    @strawberry.field(description="One quotation, with its lines.")
    async def quotation(self, info: NiagaInfo, id: strawberry.ID) -> Quotation:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(
                services.quotation_queries.quotation(who, parse_id(id, "id")), "quotation"
            )
        )
        return Quotation.from_view(view)


@strawberry.type
class QuoteMutation:
    @strawberry.mutation(
        description="Add a feature to your rate card, or change the one with that code."
    )
    async def set_rate_card_feature(
        self, info: NiagaInfo, code: str, name: str, base_price: int
    ) -> RateCardResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: _card(services.rate_cards.set_feature(who, code, name, base_price))
        )

    @strawberry.mutation(description="Remove a feature from your rate card.")
    async def remove_rate_card_feature(self, info: NiagaInfo, code: str) -> RateCardResult:
        services, who = info.context.services, info.context.principal
        return await run_command(lambda: _card(services.rate_cards.remove_feature(who, code)))

    @strawberry.mutation(
        description="What each complexity multiplies a base price by: above 0, at most 10, "
        "two decimals (defaults 1.0, 1.5, 2.2)."
    )
    async def set_complexity_multipliers(
        self, info: NiagaInfo, simple: float, standard: float, complex: float
    ) -> RateCardResult:
        services, who = info.context.services, info.context.principal
        chosen = (_decimal(simple), _decimal(standard), _decimal(complex))
        return await run_command(lambda: _card(services.rate_cards.set_multipliers(who, *chosen)))

    @strawberry.mutation(
        description="The project-management line: this whole percentage (0-100) of the "
        "features; null or 0: no such line."
    )
    async def set_project_management_percent(
        self, info: NiagaInfo, percent: int | None = None
    ) -> RateCardResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: _card(services.rate_cards.set_management_percent(who, percent))
        )

    @strawberry.mutation(
        description="Price features on your rate card; with `withSummary`, also a scope "
        "summary in Indonesian written by AI (null, with `summaryUnavailable`, when AI cannot)."
    )
    async def estimate_quote(
        self, info: NiagaInfo, input: QuoteInput, with_summary: bool = False
    ) -> EstimateQuoteResult:
        services, who = info.context.services, info.context.principal

        def estimate() -> EstimateQuoteSuccess:
            result = services.quote_estimates.estimate(who, _request(input), with_summary)
            return EstimateQuoteSuccess(estimate=QuoteEstimate.of(result))

        return await run_command(estimate)

    @strawberry.mutation(
        description="Record a quotation for a customer, priced on today's rate card, under "
        "your next number (PNW/YYYY/00001), valid for `validDays` days."
    )
    async def create_quotation(
        self,
        info: NiagaInfo,
        input: QuoteInput,
        customer_id: strawberry.ID,
        summary: str | None = None,
        valid_days: int = DEFAULT_VALID_DAYS,
    ) -> QuotationResult:
        services, who = info.context.services, info.context.principal

        def create() -> QuotationSuccess:
            command = CreateQuotation(
                parse_id(customer_id, "customerId"), _request(input), summary, valid_days
            )
            return _quotation(info, who, services.quotations.create(who, command))

        return await run_command(create)

    @strawberry.mutation(description="Mark a quotation as sent to the client.")
    async def send_quotation(self, info: NiagaInfo, id: strawberry.ID) -> QuotationResult:
        services, who = info.context.services, info.context.principal

        def send() -> QuotationSuccess:
            quotation_id = parse_id(id, "id")
            services.quotations.send(who, quotation_id)
            return _quotation(info, who, quotation_id)

        return await run_command(send)

    @strawberry.mutation(description="The client accepted the quotation (while it is valid).")
    async def accept_quotation(self, info: NiagaInfo, id: strawberry.ID) -> QuotationResult:
        services, who = info.context.services, info.context.principal

        def accept() -> QuotationSuccess:
            quotation_id = parse_id(id, "id")
            services.quotations.accept(who, quotation_id)
            return _quotation(info, who, quotation_id)

        return await run_command(accept)

    @strawberry.mutation(description="The client declined the quotation.")
    async def decline_quotation(
        self, info: NiagaInfo, id: strawberry.ID, reason: str | None = None
    ) -> QuotationResult:
        services, who = info.context.services, info.context.principal

        def decline() -> QuotationSuccess:
            quotation_id = parse_id(id, "id")
            services.quotations.decline(who, quotation_id, reason)
            return _quotation(info, who, quotation_id)

        return await run_command(decline)

    @strawberry.mutation(
        description="Turn an accepted quotation into an issued invoice (your invoice numbering "
        "and PPN), once; a second call is refused with QUOTATION_ALREADY_INVOICED."
    )
    async def invoice_quotation(self, info: NiagaInfo, id: strawberry.ID) -> InvoiceQuotationResult:
        services, who = info.context.services, info.context.principal

        def invoice() -> InvoiceQuotationSuccess:
            quotation_id = parse_id(id, "id")
            invoiced = services.quotations.invoice(who, quotation_id)
            return InvoiceQuotationSuccess(
                invoice_id=strawberry.ID(str(invoiced.invoice_id)),
                invoice_number=invoiced.invoice_number,
                quotation=_quotation(info, who, quotation_id).quotation,
            )

        return await run_command(invoice)


def _request(input: QuoteInput) -> QuoteRequest:
    complexity = parse_enum(Complexity, input.complexity, "complexity")
    return QuoteRequest(list(input.features), complexity, input.client_name, input.notes)


def _decimal(value: float) -> Decimal:
    """A multiplier as the client wrote it: 1.1 is 1.1, not the float nearest to it."""
    return Decimal(str(value))


def _card(view: RateCardView) -> RateCardSuccess:
    return RateCardSuccess(rate_card=RateCard.from_view(view))


def _quotation(info: NiagaInfo, who: Principal, quotation_id: UUID) -> QuotationSuccess:
    """The quotation as the read model now shows it."""
    view = info.context.services.quotation_queries.quotation(who, quotation_id)
    return QuotationSuccess(quotation=Quotation.from_view(found(view, "quotation")))

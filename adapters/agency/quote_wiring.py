"""The quote calculator of one container: the rate card, estimates (with the AI port for their
summaries), quotations and their read model."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.agency.quotation_read_models import PostgresQuotationReadModels
from adapters.shared.stores import PostgresStores
from application.agency.estimates import QuoteEstimates
from application.agency.quotation_queries import QuotationQueries
from application.agency.quotations import Quotations
from application.agency.rate_cards import RateCards
from application.ai import Ai
from application.shared.clock import Clock
from application.shared.ports import ReadModelSync


@dataclass(frozen=True)
class QuoteWiring:
    rate_cards: RateCards
    estimates: QuoteEstimates
    quotations: Quotations
    queries: QuotationQueries


def quote_services(
    stores: PostgresStores, sync: ReadModelSync, ai: Ai, clock: Clock
) -> QuoteWiring:
    return QuoteWiring(
        RateCards(stores, sync),
        QuoteEstimates(stores, sync, ai),
        Quotations(stores, sync, clock),
        QuotationQueries(stores, PostgresQuotationReadModels(stores)),
    )

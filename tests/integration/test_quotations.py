"""Quotations on real PostgreSQL: racing creators each get the next number, racing invoicers
make one invoice, and a quotation keeps the lines it was priced with."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from adapters.bootstrap import Niaga
from application.agency.estimates import QuoteRequest
from application.agency.quotations import CreateQuotation
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal
from domain.agency.quotation import QuotationAlreadyInvoiced
from domain.agency.rate_card import Complexity
from domain.billing.invoice import Invoice
from tests.integration.read_models import assert_live_equals_rebuild, store_of

REQUEST = QuoteRequest(["landing"], Complexity.SIMPLE)


def _quotations(niaga: Niaga, owner: Principal, count: int) -> list[UUID]:
    niaga.services.rate_cards.set_feature(owner, "landing", "Halaman arahan", 2_500_000)
    customer = niaga.services.customers.register(owner, RegisterCustomer("Sari", "081234567891"))
    command = CreateQuotation(customer, REQUEST)
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(
            pool.map(lambda _: niaga.services.quotations.create(owner, command), range(count))
        )


def test_racing_creators_each_take_the_next_number(niaga: Niaga, owner: Principal) -> None:
    created = _quotations(niaga, owner, 4)
    queries = niaga.services.quotation_queries
    numbers = sorted(view.number for q in created if (view := queries.quotation(owner, q)))
    assert numbers == [f"PNW/2026/{n:05d}" for n in range(1, 5)]


def test_racing_invoicers_make_one_invoice(niaga: Niaga, owner: Principal) -> None:
    [quotation_id] = _quotations(niaga, owner, 1)
    niaga.services.quotations.accept(owner, quotation_id)

    def invoice(_: int) -> str:
        try:
            return niaga.services.quotations.invoice(owner, quotation_id).invoice_number
        except QuotationAlreadyInvoiced as refused:
            return refused.code

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(invoice, range(3)))

    refused = [o for o in outcomes if o == "QUOTATION_ALREADY_INVOICED"]
    [number] = [o for o in outcomes if o not in refused]
    assert len(refused) == 2
    view = niaga.services.quotation_queries.quotation(owner, quotation_id)
    assert view is not None
    assert view.invoice_number == number
    store = store_of(niaga, owner.tenant_id)
    invoice = store.repository.get(view.invoice_id)
    assert isinstance(invoice, Invoice)
    assert (invoice.number, invoice.total) == (number, 2_500_000)
    assert_live_equals_rebuild(niaga, store, ("quotation_list", "invoices"))

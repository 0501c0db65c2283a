"""Property on real PostgreSQL: however money arrives (counter sales paid by one or several
methods, payments recorded by finance) and whatever else happens to the invoices (credit notes,
voids), a customer's statement balance equals the open invoices' balances less the credit, and
the revenue report collects exactly the payments received."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.ports import InvoiceFilter
from application.customers.customers import RegisterCustomer
from application.payments.payment_queries import PaymentFilter
from application.payments.payments import RecordPayment
from application.repairs.counter import COUNTER_METHODS, CounterSale, SaleLine, SalePayment
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.billing.invoice import Invoice
from domain.payments.payment import PaymentMethod
from domain.shared.errors import DomainError
from tests.conftest import principal_for

THOUSAND = 1_000
_REFERENCES = itertools.count(1)


@dataclass(frozen=True)
class Sale:
    quantity: int
    price: int
    methods: list[PaymentMethod]  # the total split evenly over them, the rest to the last


@dataclass(frozen=True)
class Issue:
    amount: int


@dataclass(frozen=True)
class Pay:
    amount: int
    method: PaymentMethod


@dataclass(frozen=True)
class Credit:
    which: int  # of the invoices issued so far, modulo their number
    amount: int


@dataclass(frozen=True)
class Void:
    which: int


thousands = st.integers(1, 60).map(lambda n: n * THOUSAND)
steps = st.one_of(
    st.builds(
        Sale,
        st.integers(1, 3),
        thousands,
        st.lists(st.sampled_from(COUNTER_METHODS), min_size=1, max_size=3),
    ),
    st.builds(Issue, thousands),
    st.builds(Pay, thousands, st.sampled_from([PaymentMethod.CASH, PaymentMethod.BANK_TRANSFER])),
    st.builds(Credit, st.integers(0, 5), thousands),
    st.builds(Void, st.integers(0, 5)),
)


class Shop:
    """One tenant and one customer; remembers what was paid and which invoices it issued."""

    def __init__(self, niaga: Niaga) -> None:
        self.niaga = niaga
        self.owner: Principal = principal_for(
            niaga.tenants.create("Toko Serba Ada", Placement.SHARED)
        )
        self.customer = niaga.customers.register(
            self.owner, RegisterCustomer("Wati", f"0815{next(_REFERENCES):08d}")
        )
        self.issued: list[UUID] = []
        self.received = 0

    def do(self, step: Sale | Issue | Pay | Credit | Void) -> None:
        # A refused step (a void of a paid invoice, a credit of nothing due) changes nothing.
        with contextlib.suppress(DomainError):
            self._do(step)

    def _do(self, step: Sale | Issue | Pay | Credit | Void) -> None:
        if isinstance(step, Sale):
            self._sell(step)
        elif isinstance(step, Issue):
            self._issue(step.amount)
        elif isinstance(step, Pay):
            reference = f"KW-{next(_REFERENCES)}"
            payment = RecordPayment(self.customer, step.amount, step.method, reference)
            self.niaga.payments.record(self.owner, payment)
            self.received += step.amount
        elif isinstance(step, Credit) and self.issued:
            invoice = self._invoice(step.which)
            amount = min(step.amount, invoice.balance_due)
            self.niaga.invoicing.credit(self.owner, invoice.id, amount, "potongan")
        elif isinstance(step, Void) and self.issued:
            self.niaga.invoicing.void(self.owner, self._invoice(step.which).id, "batal")

    def _sell(self, sale: Sale) -> None:
        total = sale.quantity * sale.price
        share = total // len(sale.methods)
        amounts = [share] * (len(sale.methods) - 1) + [total - share * (len(sale.methods) - 1)]
        line = SaleLine(sale.quantity, description="Jasa servis", unit_price=sale.price)
        payments = [SalePayment(m.value, a) for m, a in zip(sale.methods, amounts, strict=True)]
        self.niaga.counter.sell(self.owner, CounterSale(self.customer, [line], payments))
        self.received += total

    def _issue(self, amount: int) -> None:
        lines = [LineInput("service", "Pasang antena", 1, amount)]
        invoice_id = self.niaga.invoicing.draft(self.owner, DraftInvoice(self.customer, lines))
        self.niaga.invoicing.issue(self.owner, invoice_id)
        self.issued.append(invoice_id)

    def _invoice(self, which: int) -> Invoice:
        store = self.niaga.stores.for_tenant(self.owner.tenant_id)
        invoice = store.repository.get(self.issued[which % len(self.issued)])
        assert isinstance(invoice, Invoice)
        return invoice


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=8))
def test_every_way_money_arrives_reaches_the_statement_and_the_revenue_report(
    niaga: Niaga, script: list[Sale | Issue | Pay | Credit | Void]
) -> None:
    shop = Shop(niaga)
    for step in script:
        shop.do(step)

    statement = niaga.billing_queries.statement(shop.owner, shop.customer)
    invoices = niaga.billing_queries.invoices(
        shop.owner, InvoiceFilter(customer_id=shop.customer), 100, None
    ).items
    open_balances = sum(i.balance_due for i in invoices)
    assert statement.balance == open_balances - statement.credit_available
    assert sum(e.credit for e in statement.entries if e.kind == "payment") == shop.received
    revenue = niaga.billing_queries.revenue_by_month(shop.owner, 2026)
    assert sum(month.collected for month in revenue) == shop.received
    payments = niaga.payment_queries.payments(
        shop.owner, PaymentFilter(customer_id=shop.customer), 100, None
    ).items
    assert sum(p.amount for p in payments) == shop.received

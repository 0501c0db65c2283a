"""The counters behind the invoice and customer lists' totals, on real PostgreSQL: whatever
happens to the invoices, each counter equals a count of the rows it stands for, live and after
a rebuild; the lists read them when the filters are ones a counter covers; and the migration
that adds them counts the rows a store already has."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.ports import InvoiceFilter
from application.customers.customers import RegisterCustomer
from application.payments.payments import RecordPayment
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.billing.invoice import InvoiceStatus
from domain.payments.payment import PaymentMethod
from domain.shared.errors import DomainError
from migrations import runner as migrations
from projections.catalog import by_name
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, store_of

THOUSAND = 1_000
_PHONES = itertools.count(1)
_REFERENCES = itertools.count(1)


@dataclass(frozen=True)
class Register:
    tenant: int


@dataclass(frozen=True)
class Draft:
    tenant: int
    customer: int  # of the tenant's customers, modulo their number
    amount: int


@dataclass(frozen=True)
class Issue:
    tenant: int
    which: int  # of the tenant's invoices, modulo their number


@dataclass(frozen=True)
class Pay:
    tenant: int
    customer: int
    amount: int


@dataclass(frozen=True)
class Credit:
    tenant: int
    which: int
    amount: int


@dataclass(frozen=True)
class Void:
    tenant: int
    which: int


Step = Register | Draft | Issue | Pay | Credit | Void
tenants = st.integers(0, 1)
thousands = st.integers(1, 50).map(lambda n: n * THOUSAND)
steps = st.one_of(
    st.builds(Register, tenants),
    st.builds(Draft, tenants, st.integers(0, 3), thousands),
    st.builds(Issue, tenants, st.integers(0, 7)),
    st.builds(Pay, tenants, st.integers(0, 3), thousands),
    st.builds(Credit, tenants, st.integers(0, 7), thousands),
    st.builds(Void, tenants, st.integers(0, 7)),
)


class Shop:
    """A tenant with its customers and the invoices drafted for them, driven through the
    application services as a client would."""

    def __init__(self, niaga: Niaga, name: str) -> None:
        self.niaga = niaga
        self.owner: Principal = principal_for(niaga.tenants.create(name, Placement.SHARED))
        self.customers: list[UUID] = []
        self.invoices: list[UUID] = []
        self.register()

    def register(self) -> None:
        command = RegisterCustomer("Pelanggan", f"0816{next(_PHONES):08d}")
        self.customers.append(self.niaga.customers.register(self.owner, command))

    def draft(self, customer: int, amount: int) -> UUID:
        lines = [LineInput("service", "Internet 10 Mbps", 1, amount)]
        command = DraftInvoice(self.customers[customer % len(self.customers)], lines)
        invoice_id = self.niaga.invoicing.draft(self.owner, command)
        self.invoices.append(invoice_id)
        return invoice_id

    def issue(self, which: int) -> None:
        self.niaga.invoicing.issue(self.owner, self._invoice(which))

    def pay(self, customer: int, amount: int) -> None:
        payer = self.customers[customer % len(self.customers)]
        reference = f"KW-{next(_REFERENCES)}"
        self.niaga.payments.record(
            self.owner, RecordPayment(payer, amount, PaymentMethod.CASH, reference)
        )

    def credit(self, which: int, amount: int) -> None:
        self.niaga.invoicing.credit(self.owner, self._invoice(which), amount, "gangguan")

    def void(self, which: int) -> None:
        self.niaga.invoicing.void(self.owner, self._invoice(which), "salah tagih")

    def do(self, step: Step) -> None:
        # A refused step (issuing twice, voiding a paid invoice, crediting more than is due)
        # changes nothing; the counters must follow either way.
        with contextlib.suppress(DomainError):
            self._do(step)

    def _do(self, step: Step) -> None:
        if isinstance(step, Register):
            self.register()
        elif isinstance(step, Draft):
            self.draft(step.customer, step.amount)
        elif isinstance(step, Pay):
            self.pay(step.customer, step.amount)
        elif not self.invoices:
            return
        elif isinstance(step, Issue):
            self.issue(step.which)
        elif isinstance(step, Credit):
            self.credit(step.which, step.amount)
        elif isinstance(step, Void):
            self.void(step.which)

    def _invoice(self, which: int) -> UUID:
        return self.invoices[which % len(self.invoices)]


def _grouped(niaga: Niaga, query: str, schema: str, tenant_id: UUID) -> dict[Any, int]:
    with niaga.database.connection() as conn:
        rows = conn.execute(sql.SQL(query).format(sql.Identifier(schema)), [tenant_id]).fetchall()
    return {row[0]: int(row[1]) for row in rows}


def invoice_counters(niaga: Niaga, shop: Shop) -> dict[str, int]:
    schema = store_of(niaga, shop.owner.tenant_id).ref.schema
    query = "SELECT status, counted FROM {}.invoice_counts WHERE tenant_id = %s"
    return _grouped(niaga, query, schema, shop.owner.tenant_id)


def invoices_by_status(niaga: Niaga, shop: Shop) -> dict[str, int]:
    schema = store_of(niaga, shop.owner.tenant_id).ref.schema
    query = "SELECT status, count(*) FROM {}.invoice_list WHERE tenant_id = %s GROUP BY status"
    return _grouped(niaga, query, schema, shop.owner.tenant_id)


def customer_counter(niaga: Niaga, shop: Shop) -> dict[UUID, int]:
    schema = store_of(niaga, shop.owner.tenant_id).ref.schema
    query = "SELECT tenant_id, counted FROM {}.customer_counts WHERE tenant_id = %s"
    return _grouped(niaga, query, schema, shop.owner.tenant_id)


def customers_counted(niaga: Niaga, shop: Shop) -> dict[UUID, int]:
    schema = store_of(niaga, shop.owner.tenant_id).ref.schema
    query = (
        "SELECT tenant_id, count(*) FROM {}.customer_list WHERE tenant_id = %s GROUP BY tenant_id"
    )
    return _grouped(niaga, query, schema, shop.owner.tenant_id)


def assert_counters_equal_the_rows(niaga: Niaga, shop: Shop) -> None:
    assert invoice_counters(niaga, shop) == invoices_by_status(niaga, shop)
    assert customer_counter(niaga, shop) == customers_counted(niaga, shop)


def assert_totals_equal_the_lists(niaga: Niaga, shop: Shop) -> None:
    """Every total the lists answer, from a counter or counted, is the number of items listed
    (each list here fits on one page)."""
    filters = [InvoiceFilter(), InvoiceFilter(period="2026-01")]
    filters += [InvoiceFilter(status=s.value) for s in InvoiceStatus]
    filters += [InvoiceFilter(status=s.value, period="2026-01") for s in InvoiceStatus]
    for where in filters:
        page = niaga.billing_queries.invoices(shop.owner, where, 100, None)
        assert page.total_count == len(page.items), where
    customers = niaga.queries.customers(shop.owner, None, 100, None)
    assert customers.total_count == len(customers.items) == len(shop.customers)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(steps, min_size=1, max_size=10))
def test_counters_equal_the_rows_they_count_after_any_invoice_history(
    niaga: Niaga, script: list[Step]
) -> None:
    shops = [Shop(niaga, "Warung Net"), Shop(niaga, "Kios Pulsa")]
    for step in script:
        shops[step.tenant].do(step)

    for shop in shops:
        assert_counters_equal_the_rows(niaga, shop)
        assert_totals_equal_the_lists(niaga, shop)
    store = store_of(niaga, shops[0].owner.tenant_id)
    assert_live_equals_rebuild(niaga, store, ("invoices", "customer_list"))


def _history(shop: Shop) -> None:
    """Invoices in every status: drafted, issued, partly paid, paid, void."""
    shop.register()
    for amount in (10_000, 20_000, 30_000, 40_000, 50_000):
        shop.draft(0, amount)
    for which in (1, 2, 3, 4):
        shop.issue(which)
    shop.pay(0, 20_000 + 5_000)  # the oldest issued (20,000) paid, the next partly
    shop.void(4)


def test_a_rebuild_swaps_in_counters_that_keep_counting(niaga: Niaga) -> None:
    shop = Shop(niaga, "Warung Net")
    _history(shop)
    assert invoice_counters(niaga, shop) == {
        "drafted": 1,
        "paid": 1,
        "partially_paid": 1,
        "issued": 1,
        "void": 1,
    }
    store = store_of(niaga, shop.owner.tenant_id)

    niaga.projections.rebuild(store, by_name("invoices"))
    niaga.projections.rebuild(store, by_name("customer_list"))
    assert_counters_equal_the_rows(niaga, shop)
    shop.register()
    shop.draft(1, 60_000)
    shop.issue(0)
    shop.issue(5)  # the last draft: its counter leaves, as a rebuild would never write it

    assert invoice_counters(niaga, shop) == {
        "paid": 1,
        "partially_paid": 1,
        "issued": 3,
        "void": 1,
    }
    assert_counters_equal_the_rows(niaga, shop)
    assert_totals_equal_the_lists(niaga, shop)
    assert_live_equals_rebuild(niaga, store, ("invoices", "customer_list"))


def _set_counter(niaga: Niaga, shop: Shop, table: str, counted: int, status: str | None) -> None:
    schema = store_of(niaga, shop.owner.tenant_id).ref.schema
    where = sql.SQL(" AND status = %s") if status else sql.SQL("")
    with niaga.database.connection() as conn:
        conn.execute(
            sql.SQL("UPDATE {} SET counted = %s WHERE tenant_id = %s{}").format(
                sql.Identifier(schema, table), where
            ),
            [counted, shop.owner.tenant_id, *([status] if status else [])],
        )


def test_totals_without_filters_or_by_status_are_read_from_the_counters(niaga: Niaga) -> None:
    shop = Shop(niaga, "Warung Net")
    _history(shop)
    # Counters set apart from the rows show which totals read them.
    _set_counter(niaga, shop, "invoice_counts", 1000, "issued")
    _set_counter(niaga, shop, "customer_counts", 500, None)

    def total(**where: Any) -> int:
        return niaga.billing_queries.invoices(
            shop.owner, InvoiceFilter(**where), 10, None
        ).total_count

    assert total() == 1000 + 4
    assert total(status="issued") == 1000
    assert total(status="paid") == 1
    assert total(period="2026-01") == 4  # issued within the month: counted, not a counter
    assert total(status="issued", customer_id=shop.customers[0]) == 1
    assert niaga.queries.customers(shop.owner, None, 10, None).total_count == 500
    assert niaga.queries.customers(shop.owner, "pelanggan", 10, None).total_count == 2


def test_the_migration_counts_the_rows_a_store_already_has(niaga: Niaga) -> None:
    shops = [Shop(niaga, "Warung Net"), Shop(niaga, "Kios Pulsa")]
    for shop in shops:
        _history(shop)
    schema = store_of(niaga, shops[0].owner.tenant_id).ref.schema
    with niaga.database.connection() as conn:
        # The store as it was before the counters: rows, and no counters.
        conn.execute(
            sql.SQL("DROP TABLE {}, {}").format(
                sql.Identifier(schema, "invoice_counts"), sql.Identifier(schema, "customer_counts")
            )
        )
        conn.execute(
            sql.SQL("DELETE FROM {} WHERE set_name = 'read_models' AND version = %s").format(
                sql.Identifier(schema, "schema_migrations")
            ),
            ["0017a_list_counts"],
        )
    with niaga.database.connection() as conn:
        applied = migrations.apply(conn, schema, ("read_models",))

    assert applied == ["read_models/0017a_list_counts"]
    for shop in shops:
        assert invoice_counters(niaga, shop) == invoices_by_status(niaga, shop) != {}
        assert customer_counter(niaga, shop) == customers_counted(niaga, shop) != {}
        assert_totals_equal_the_lists(niaga, shop)

"""The billing read side on real PostgreSQL: invoices, subscriptions and plans as listed, each
customer's ledger, and the reports; every read model equal, row for row, to a rebuild from zero."""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta
from uuid import UUID

import pytest

from adapters.bootstrap import Niaga
from adapters.shared.projection_service import ProjectionService
from application.billing.ports import (
    AgingRow,
    Churn,
    InvoiceFilter,
    InvoiceLineView,
    RevenueMonth,
    SubscriptionFilter,
)
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.ports import Placement
from domain.billing.invoice import InvoiceRefused
from domain.billing.plan import BillingMode, Plan, PromotionKind, new_promotion
from domain.payments.payment import OpenInvoice
from domain.shared.personal_data import FORGOTTEN
from projections.catalog import by_name
from tests.conftest import principal_for
from tests.integration.billing import Books
from tests.integration.read_models import (
    assert_live_equals_rebuild,
    rebuilt,
    snapshot,
    store_of,
)

BILLING_READ_MODELS = ("plan_list", "subscription_list", "invoices", "payments")


@pytest.fixture
def books(niaga: Niaga, owner: Principal) -> Books:
    return Books(niaga, owner)


def _invoice_ids(books: Books, **where: object) -> set[UUID]:
    page = books.read.invoices(books.store, books.tenant_id, InvoiceFilter(**where), 100, None)  # type: ignore[arg-type]
    assert page.total_count == len(page.items)
    return {i.id for i in page.items}


def _subscription_ids(books: Books, **where: object) -> list[UUID]:
    page = books.read.subscriptions(
        books.store,
        books.tenant_id,
        SubscriptionFilter(**where),  # type: ignore[arg-type]
        100,
        None,
    )
    assert page.total_count == len(page.items)
    return [s.id for s in page.items]


# -- invoices --------------------------------------------------------------------------------


def test_invoices_page_in_the_order_they_were_drafted_with_a_cursor_for_each(
    books: Books,
) -> None:
    budi = books.customer("Budi Santoso")
    ids = [books.invoice(budi, 100_000 + i, date(2025, 1, 1 + i)) for i in range(5)]
    books.caught_up()

    pages, after = [], None
    while True:
        page = books.read.invoices(books.store, books.tenant_id, InvoiceFilter(), 2, after)
        pages.append(page)
        if not page.has_next_page:
            break
        after = page.end_cursor

    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [i.id for p in pages for i in p.items] == ids
    assert {p.total_count for p in pages} == {5}
    resumed = books.read.invoices(
        books.store, books.tenant_id, InvoiceFilter(), 10, pages[1].cursors[0]
    )
    assert [i.id for i in resumed.items] == ids[3:]
    first = pages[0].items[0]
    assert (first.customer_name, first.number, first.status, first.total) == (
        "Budi Santoso",
        "INV/2025/00001",
        "issued",
        100_000,
    )
    assert first.lines == [InvoiceLineView("service", "Jasa pemasangan", 1, 100_000, 100_000, True)]


def test_invoices_filter_by_status_issue_month_and_customer(books: Books) -> None:
    budi, siti = books.customer("Budi"), books.customer("Siti")
    jan_paid = books.invoice(budi, 100_000, date(2025, 1, 5))
    books.pay(budi, 100_000, date(2025, 1, 6), "KW-1")
    jan_open = books.invoice(siti, 50_000, date(2025, 1, 20))
    feb_partial = books.invoice(budi, 80_000, date(2025, 2, 3))
    books.pay(budi, 30_000, date(2025, 2, 4), "KW-2")
    feb_void = books.invoice(siti, 70_000, date(2025, 2, 10))
    books.void(feb_void)
    draft = books.invoice(budi, 20_000, None)
    books.caught_up()

    assert _invoice_ids(books, status="paid") == {jan_paid}
    assert _invoice_ids(books, status="issued") == {jan_open}
    assert _invoice_ids(books, status="partially_paid") == {feb_partial}
    assert _invoice_ids(books, status="void") == {feb_void}
    assert _invoice_ids(books, status="drafted") == {draft}
    assert _invoice_ids(books, period="2025-01") == {jan_paid, jan_open}
    assert _invoice_ids(books, period="2025-02", customer_id=budi) == {feb_partial}
    assert _invoice_ids(books, customer_id=siti) == {jan_open, feb_void}
    assert _invoice_ids(books, period="2025-03") == set()


def test_an_invoice_shows_what_is_paid_credited_and_still_due(books: Books) -> None:
    budi = books.customer("Budi")
    invoice = books.invoice(budi, 100_000, date(2025, 3, 1), date(2025, 3, 8))
    books.pay(budi, 30_000, date(2025, 3, 2), "KW-1")
    books.credit_note(invoice, 20_000)
    voided = books.invoice(budi, 45_000, date(2025, 3, 3))
    books.void(voided)
    draft = books.invoice(budi, 60_000, None)
    books.caught_up()

    def amounts(invoice_id: UUID) -> tuple[object, ...]:
        v = books.read.invoice(books.store, books.tenant_id, invoice_id)
        assert v is not None
        return v.status, v.total, v.paid, v.credited, v.balance_due

    assert amounts(invoice) == ("partially_paid", 100_000, 30_000, 20_000, 50_000)
    assert amounts(voided) == ("void", 45_000, 0, 0, 0)
    assert amounts(draft) == ("drafted", 60_000, 0, 0, 0)  # nothing is owed before issue

    books.pay(budi, 50_000, date(2025, 3, 5), "KW-2")
    books.caught_up()

    assert amounts(invoice) == ("paid", 100_000, 80_000, 20_000, 0)


@pytest.mark.parametrize(
    ("where", "after", "field"),
    [
        (InvoiceFilter(status="overdue"), None, "status"),
        (InvoiceFilter(period="2025-13"), None, "period"),
        (InvoiceFilter(period="2025-1"), None, "period"),
        (InvoiceFilter(period="Januari 2025"), None, "period"),
        (InvoiceFilter(), "not a cursor", "after"),
        (InvoiceFilter(), base64.urlsafe_b64encode(b'["2025-01-01"]').decode(), "after"),
        (InvoiceFilter(), base64.urlsafe_b64encode(json.dumps([1, 2]).encode()).decode(), "after"),
    ],
)
def test_a_bad_invoice_filter_or_cursor_is_refused_naming_the_field(
    books: Books, where: InvoiceFilter, after: str | None, field: str
) -> None:
    with pytest.raises(ApplicationError) as refused:
        books.read.invoices(books.store, books.tenant_id, where, 10, after)

    assert refused.value.field == field


# -- ledger and statements -------------------------------------------------------------------


def test_the_statement_runs_a_balance_that_ends_at_invoice_balances_less_credit(
    books: Books,
) -> None:
    budi = books.customer("Budi")
    books.invoice(budi, 100_000, date(2025, 1, 1), date(2025, 1, 8))
    feb = books.invoice(budi, 50_000, date(2025, 2, 1), date(2025, 2, 8))
    books.pay(budi, 120_000, date(2025, 2, 3), "KW-1")  # January paid, 30,000 left on February
    books.credit_note(feb, 10_000)
    march = books.invoice(budi, 40_000, date(2025, 3, 1))
    books.void(march)
    books.void(books.invoice(budi, 15_000, None))  # never issued: moves no money
    books.pay(budi, 70_000, date(2025, 3, 5), "KW-2")  # 20,000 to February, 50,000 credit
    books.invoice(budi, 30_000, date(2025, 4, 1), use_credit=True)  # paid from credit
    books.invoice(budi, 25_000, date(2025, 4, 2))
    books.caught_up()

    statement = books.read.statement(books.store, books.tenant_id, budi)
    invoices = books.read.invoices(
        books.store, books.tenant_id, InvoiceFilter(customer_id=budi), 100, None
    ).items

    assert statement.credit_available == 20_000
    assert statement.balance == sum(i.balance_due for i in invoices) - statement.credit_available
    assert statement.balance == 5_000
    assert [(e.kind, e.reference, e.debit, e.credit, e.balance) for e in statement.entries] == [
        ("invoice", "INV/2025/00001", 100_000, 0, 100_000),
        ("invoice", "INV/2025/00002", 50_000, 0, 150_000),
        ("payment", "KW-1", 0, 120_000, 30_000),
        ("credit_note", "INV/2025/00002-CN1", 0, 10_000, 20_000),
        ("invoice", "INV/2025/00003", 40_000, 0, 60_000),
        ("void", "INV/2025/00003", 0, 40_000, 20_000),
        ("payment", "KW-2", 0, 70_000, -50_000),
        ("invoice", "INV/2025/00004", 30_000, 0, -20_000),
        ("invoice", "INV/2025/00005", 25_000, 0, 5_000),
    ]
    assert [e.on for e in statement.entries if e.kind in {"invoice", "payment"}] == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 2, 3),
        date(2025, 3, 1),
        date(2025, 3, 5),
        date(2025, 4, 1),
        date(2025, 4, 2),
    ]


def test_a_credited_invoice_cannot_be_voided_and_its_ledger_is_unchanged(books: Books) -> None:
    budi = books.customer("Budi")
    invoice = books.invoice(budi, 100_000, date(2025, 1, 1))
    books.credit_note(invoice, 30_000)
    with pytest.raises(InvoiceRefused, match="credit note"):
        books.void(invoice)
    books.caught_up()

    statement = books.read.statement(books.store, books.tenant_id, budi)

    assert [(e.kind, e.credit) for e in statement.entries[1:]] == [("credit_note", 30_000)]
    assert statement.balance == 70_000


def test_a_customer_without_billing_has_an_empty_statement(books: Books) -> None:
    budi = books.customer("Budi")

    statement = books.read.statement(books.store, books.tenant_id, budi)

    assert (statement.entries, statement.balance, statement.credit_available) == ([], 0, 0)


def test_open_and_overdue_invoices_and_who_has_credit(books: Books) -> None:
    budi, siti = books.customer("Budi"), books.customer("Siti")
    january = books.invoice(budi, 100_000, date(2025, 1, 1), date(2025, 1, 8))
    february = books.invoice(budi, 50_000, date(2025, 2, 1), date(2025, 2, 8))
    books.invoice(siti, 70_000, date(2025, 1, 5), date(2025, 1, 12))
    books.pay(siti, 100_000, date(2025, 1, 6), "KW-1")  # 30,000 becomes credit
    books.pay(budi, 40_000, date(2025, 1, 7), "KW-2")
    books.caught_up()

    assert books.read.open_invoices(books.store, books.tenant_id, budi) == [
        OpenInvoice(january, date(2025, 1, 1), "INV/2025/00001", 60_000),
        OpenInvoice(february, date(2025, 2, 1), "INV/2025/00002", 50_000),
    ]
    assert books.read.open_invoices(books.store, books.tenant_id, siti) == []
    assert books.read.customer_ids_with_credit(books.store, books.tenant_id) == {siti}
    overdue = books.read.overdue(books.store, books.tenant_id, date(2025, 2, 8))
    assert [(i.id, i.customer_name, i.balance_due) for i in overdue] == [(january, "Budi", 60_000)]
    later = books.read.overdue(books.store, books.tenant_id, date(2025, 2, 9))
    assert [i.id for i in later] == [january, february]


# -- reports ---------------------------------------------------------------------------------


def test_ar_aging_puts_each_boundary_day_in_its_bucket(books: Books) -> None:
    as_of = date(2025, 6, 30)
    budi, siti = books.customer("Budi"), books.customer("Siti")
    books.customer("Citra")  # owes nothing: not listed
    overdue_by = {-1: 1_000, 0: 2_000, 30: 4_000, 31: 8_000, 60: 16_000, 61: 32_000}
    overdue_by |= {90: 64_000, 91: 128_000}
    for days, amount in overdue_by.items():
        due_on = as_of - timedelta(days=days)
        books.invoice(budi, amount, due_on - timedelta(days=7), due_on)
    books.invoice(siti, 50_000, date(2025, 4, 1), date(2025, 4, 8))
    books.pay(siti, 50_000, date(2025, 4, 2), "KW-1")  # paid: not listed
    books.invoice(siti, 300_000, date(2025, 5, 1), as_of - timedelta(days=45))
    books.pay(siti, 100_000, date(2025, 5, 2), "KW-2")  # what is still due ages
    books.void(books.invoice(siti, 70_000, date(2025, 1, 1), date(2025, 1, 8)))
    books.invoice(siti, 80_000, None)
    books.caught_up()

    aging = books.read.ar_aging(books.store, books.tenant_id, as_of)

    assert aging == [
        AgingRow(budi, "Budi", 1_000, 2_000 + 4_000, 8_000 + 16_000, 32_000 + 64_000, 128_000),
        AgingRow(siti, "Siti", 0, 0, 200_000, 0, 0),
    ]
    assert aging[0].total == sum(overdue_by.values())


def test_revenue_by_month_sums_invoices_issued_and_payments_received(books: Books) -> None:
    budi = books.customer("Budi")
    books.invoice(budi, 999_000, date(2024, 12, 20))
    books.invoice(budi, 100_000, date(2025, 1, 5))
    books.invoice(budi, 50_000, date(2025, 1, 25))
    books.void(books.invoice(budi, 70_000, date(2025, 1, 26)))
    books.invoice(budi, 80_000, date(2025, 2, 1))
    books.invoice(budi, 10_000, None)
    books.pay(budi, 60_000, date(2025, 2, 10), "KW-1")
    books.pay(budi, 1_200_000, date(2025, 3, 1), "KW-2")  # part becomes credit: still collected
    books.pay(budi, 5_000, date(2026, 1, 2), "KW-3")
    books.caught_up()

    revenue = books.read.revenue_by_month(books.store, books.tenant_id, 2025)

    assert [r.month for r in revenue] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert revenue[:3] == [
        RevenueMonth("2025-01", 150_000, 0),
        RevenueMonth("2025-02", 80_000, 60_000),
        RevenueMonth("2025-03", 0, 1_200_000),
    ]
    assert all((r.issued, r.collected) == (0, 0) for r in revenue[3:])


def test_the_ppn_report_lists_the_months_issued_invoices_with_their_tax(books: Books) -> None:
    budi, siti = books.customer("Budi"), books.customer("Siti")
    books.invoice(budi, 111_000, date(2025, 3, 3), pkp=True)
    books.invoice(siti, 250_000, date(2025, 3, 15), pkp=True)
    books.invoice(budi, 40_000, date(2025, 3, 20), pkp=True, taxable=False)
    books.void(books.invoice(budi, 99_000, date(2025, 3, 21), pkp=True))
    books.invoice(budi, 77_000, date(2025, 4, 1), pkp=True)
    books.invoice(budi, 66_000, None, pkp=True)
    books.caught_up()

    report = books.read.ppn_report(books.store, books.tenant_id, "2025-03")

    # DPP = 11/12 of the price and PPN = 12% of DPP, each rounded down (PMK 131/2024)
    assert [(r.number, r.customer_name, r.dpp, r.ppn, r.total) for r in report.rows] == [
        ("INV/2025/00001", "Budi", 101_750, 12_210, 123_210),
        ("INV/2025/00002", "Siti", 229_166, 27_499, 277_499),
        ("INV/2025/00003", "Budi", 0, 0, 40_000),
    ]
    assert (report.month, report.dpp, report.ppn, report.total) == (
        "2025-03",
        330_916,
        39_709,
        440_709,
    )


@pytest.mark.parametrize("month", ["2025-3", "2025-00", "2025-13", "03-2025", ""])
def test_reports_by_month_refuse_a_month_that_is_not_yyyy_mm(books: Books, month: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        books.read.ppn_report(books.store, books.tenant_id, month)
    assert refused.value.field == "month"
    with pytest.raises(ApplicationError) as refused:
        books.read.churn(books.store, books.tenant_id, month)
    assert refused.value.field == "month"


def test_mrr_counts_serving_subscriptions_with_prepaid_plans_per_30_days(books: Books) -> None:
    customer = books.customer("Budi")
    home = books.plan("Rumah 20 Mbps", 150_000)
    ten_days = books.plan("Voucher 10 hari", 50_000, BillingMode.PREPAID, 10)
    week = books.plan("Voucher 7 hari", 20_000, BillingMode.PREPAID, 7)
    on = date(2025, 1, 10)
    books.subscribe(customer, home, on, "active")
    books.change(books.subscribe(customer, home, on, "soft"), "soft_limit", on=on, reason="telat")
    books.change(books.subscribe(customer, home, on, "susp"), "suspend", on=on, reason="telat")
    books.subscribe(customer, home, None, "pending")
    books.change(books.subscribe(customer, home, on, "gone"), "terminate", on=on, reason="pindah")
    books.subscribe(customer, ten_days, on, "voucher10")
    books.subscribe(customer, week, on, "voucher7")
    books.change_plan_price(home, 999_000)  # subscribers keep the price they signed up for
    books.caught_up()

    # 2 x 150,000 postpaid + 50,000 x 30/10 + 20,000 x 30/7 (85,714.28...), rounded down
    assert books.read.mrr(books.store, books.tenant_id) == 535_714


def test_churn_counts_subscriptions_live_at_the_start_and_those_ended_in_the_month(
    books: Books,
) -> None:
    customer = books.customer("Budi")
    plan = books.plan("Rumah 20 Mbps", 150_000)

    def ended(activated: date | None, terminated: date, username: str) -> None:
        subscription = books.subscribe(customer, plan, activated, username)
        books.change(subscription, "terminate", on=terminated, reason="berhenti")

    books.subscribe(customer, plan, date(2025, 1, 5), "since-january")
    books.subscribe(customer, plan, date(2025, 2, 1), "since-february")
    ended(date(2025, 2, 10), date(2025, 3, 5), "left-in-march")
    ended(date(2025, 1, 10), date(2025, 2, 20), "left-in-february")
    books.subscribe(customer, plan, date(2025, 3, 3), "joined-in-march")
    ended(date(2025, 3, 2), date(2025, 3, 31), "came-and-went-in-march")
    ended(None, date(2025, 3, 10), "never-activated")
    ended(date(2025, 1, 1), date(2025, 4, 1), "left-in-april")
    books.caught_up()

    churn = books.read.churn(books.store, books.tenant_id, "2025-03")

    assert churn == Churn("2025-03", active_at_start=4, terminated=2)
    assert churn.rate_percent == 50.0
    assert books.read.churn(books.store, books.tenant_id, "2024-12") == Churn("2024-12", 0, 0)


def test_reports_of_a_tenant_without_billing_are_empty(books: Books) -> None:
    assert books.read.mrr(books.store, books.tenant_id) == 0
    assert books.read.ar_aging(books.store, books.tenant_id, date(2025, 1, 1)) == []
    assert books.read.ppn_report(books.store, books.tenant_id, "2025-01").rows == []
    assert {
        (r.issued, r.collected)
        for r in books.read.revenue_by_month(books.store, books.tenant_id, 2025)
    } == {(0, 0)}


# -- subscriptions and plans -----------------------------------------------------------------


def test_subscriptions_list_with_customer_names_and_filter_by_state_plan_router_and_search(
    niaga: Niaga, owner: Principal, books: Books
) -> None:
    basic = books.plan("Basic 10 Mbps", 150_000)
    premium = books.plan("Premium 50 Mbps", 300_000)
    budi, siti = books.customer("Budi Santoso"), books.customer("Siti Rahma")
    andi = books.customer("Andi Wijaya")
    s_budi = books.subscribe(budi, basic, date(2025, 1, 10), "budi.santoso", router="core-1")
    s_siti = books.subscribe(siti, premium, date(2025, 1, 12), "siti_r", router="core-2")
    s_andi = books.subscribe(andi, basic, None, "andi.w", router="core-2")
    books.change(s_siti, "soft_limit", on=date(2025, 2, 10), reason="menunggak")
    books.caught_up()

    assert _subscription_ids(books) == [s_budi, s_siti, s_andi]
    assert _subscription_ids(books, state="soft_limited") == [s_siti]
    assert _subscription_ids(books, plan_id=basic) == [s_budi, s_andi]
    assert _subscription_ids(books, router="core-2") == [s_siti, s_andi]
    assert _subscription_ids(books, search="RAHMA") == [s_siti]  # the customer's name
    assert _subscription_ids(books, search="andi.w") == [s_andi]  # the username
    assert _subscription_ids(books, search="_") == [s_siti]  # taken literally
    first = books.read.subscriptions(books.store, books.tenant_id, SubscriptionFilter(), 2, None)
    rest = books.read.subscriptions(
        books.store, books.tenant_id, SubscriptionFilter(), 2, first.end_cursor
    )
    assert (first.has_next_page, first.total_count, [s.id for s in rest.items]) == (
        True,
        3,
        [s_andi],
    )
    view = books.read.subscription(books.store, books.tenant_id, s_budi)
    assert view is not None
    assert (
        view.customer_name,
        view.plan_name,
        view.price,
        view.state,
        view.next_bill_on,
        view.activated_on,
    ) == ("Budi Santoso", "Basic 10 Mbps", 150_000, "active", date(2025, 2, 1), date(2025, 1, 10))

    niaga.customers.forget(owner, andi)

    forgotten = books.read.subscription(books.store, books.tenant_id, s_andi)
    assert forgotten is not None
    assert forgotten.customer_name == FORGOTTEN


def test_a_bad_subscription_state_or_cursor_is_refused_naming_the_field(books: Books) -> None:
    with pytest.raises(ApplicationError) as refused:
        books.read.subscriptions(
            books.store, books.tenant_id, SubscriptionFilter(state="isolir"), 10, None
        )
    assert refused.value.field == "state"
    with pytest.raises(ApplicationError) as refused:
        books.read.subscriptions(books.store, books.tenant_id, SubscriptionFilter(), 10, "x")
    assert refused.value.field == "after"


def test_a_downgrade_shows_from_the_next_bill_and_an_upgrade_at_once(books: Books) -> None:
    budi = books.customer("Budi")
    basic = books.plan("Basic 10 Mbps", 150_000)
    premium = books.plan("Premium 50 Mbps", 300_000)
    subscription = books.subscribe(budi, premium, date(2025, 1, 1), "budi")

    def plan_now() -> tuple[object, ...]:
        books.caught_up()
        view = books.read.subscription(books.store, books.tenant_id, subscription)
        assert view is not None
        return view.plan_name, view.price, view.next_bill_on

    books.change_subscription_plan(subscription, basic, date(2025, 1, 15))
    assert plan_now() == ("Premium 50 Mbps", 300_000, date(2025, 2, 1))
    books.bill(subscription)
    assert plan_now() == ("Basic 10 Mbps", 150_000, date(2025, 3, 1))
    books.change_subscription_plan(subscription, premium, date(2025, 2, 10))
    assert plan_now() == ("Premium 50 Mbps", 300_000, date(2025, 3, 1))


def test_due_subscriptions_page_by_id_through_the_billable_ones(books: Books) -> None:
    customer = books.customer("Budi")
    plan = books.plan("Rumah 20 Mbps", 150_000)
    on = date(2025, 1, 10)  # billing day 1: next bill on 1 February
    active = books.subscribe(customer, plan, on, "a")
    soft = books.subscribe(customer, plan, on, "b")
    books.change(soft, "soft_limit", on=on, reason="telat")
    suspended = books.subscribe(customer, plan, on, "c")
    books.change(suspended, "suspend", on=on, reason="telat")
    books.subscribe(customer, plan, None, "pending")
    books.change(books.subscribe(customer, plan, on, "d"), "terminate", on=on, reason="pindah")
    books.subscribe(customer, plan, date(2025, 1, 20), "later", billing_day=15)  # 15 February
    books.caught_up()

    due = sorted([active, soft, suspended])
    first = books.read.due_subscriptions(books.store, books.tenant_id, date(2025, 2, 1), 2, None)
    rest = books.read.due_subscriptions(
        books.store, books.tenant_id, date(2025, 2, 1), 2, first[-1]
    )

    assert first + rest == due
    assert (
        books.read.due_subscriptions(books.store, books.tenant_id, date(2025, 1, 31), 9, None) == []
    )


def test_plans_list_the_live_ones_or_all_with_promotions_and_current_price(books: Books) -> None:
    basic = books.plan("Basic 10 Mbps", 150_000)
    plan = books.get(Plan, basic)
    plan.add_promotion(new_promotion("hemat", PromotionKind.PERCENTAGE, 50, 2))
    books.save("AddPromotion", plan)
    books.change_plan_price(basic, 175_000)
    old = books.plan("Advance 5 Mbps", 100_000)
    retired = books.get(Plan, old)
    retired.retire()
    books.save("RetirePlan", retired)
    books.caught_up()

    live = books.read.plans(books.store, books.tenant_id, include_retired=False)
    everything = books.read.plans(books.store, books.tenant_id, include_retired=True)

    assert [p.id for p in live] == [basic]
    assert [(p.name, p.retired) for p in everything] == [
        ("Advance 5 Mbps", True),
        ("Basic 10 Mbps", False),
    ]
    view = books.read.plan(books.store, books.tenant_id, basic)
    assert view is not None
    assert (view.price, view.billing_mode, view.validity_days, view.taxable) == (
        175_000,
        "postpaid",
        0,
        True,
    )
    assert view.promotions == [{"code": "HEMAT", "kind": "percentage", "value": 50, "cycles": 2}]


def test_another_tenants_billing_is_invisible(niaga: Niaga, books: Books) -> None:
    budi = books.customer("Budi")
    plan = books.plan("Rumah 20 Mbps", 150_000)
    subscription = books.subscribe(budi, plan, date(2025, 1, 10), "budi")
    invoice = books.invoice(budi, 100_000, date(2025, 1, 1), date(2025, 1, 8))
    books.pay(budi, 150_000, date(2025, 1, 2), "KW-1")
    books.caught_up()
    other = niaga.tenants.create("Hotspot Lain", Placement.SHARED)
    theirs = Books(niaga, principal_for(other))
    assert theirs.store is books.store  # the same shared store: only tenant_id separates them

    assert theirs.read.plan(theirs.store, other, plan) is None
    assert theirs.read.plans(theirs.store, other, include_retired=True) == []
    assert theirs.read.subscription(theirs.store, other, subscription) is None
    assert theirs.read.invoice(theirs.store, other, invoice) is None
    assert theirs.read.invoices(theirs.store, other, InvoiceFilter(), 10, None).total_count == 0
    assert theirs.read.statement(theirs.store, other, budi).entries == []
    assert theirs.read.customer_ids_with_credit(theirs.store, other) == set()
    assert theirs.read.mrr(theirs.store, other) == 0
    assert theirs.read.revenue_by_month(theirs.store, other, 2025)[0] == RevenueMonth(
        "2025-01", 0, 0
    )


# -- live equals rebuild ---------------------------------------------------------------------


def _a_year_of_billing(books: Books) -> None:
    """Every billing event type, caught up now and then so the live models move in steps."""
    budi, siti, andi = books.customer("Budi"), books.customer("Siti"), books.customer("Andi")
    basic = books.plan("Basic 10 Mbps", 150_000)
    plan = books.get(Plan, basic)
    plan.add_promotion(new_promotion("HEMAT", PromotionKind.PERCENTAGE, 50, 2))
    books.save("AddPromotion", plan)
    premium = books.plan("Premium 50 Mbps", 300_000)
    voucher = books.plan("Voucher 10 hari", 50_000, BillingMode.PREPAID, 10)
    s_budi = books.subscribe(budi, basic, date(2025, 1, 10), "budi", promotion="HEMAT")
    s_siti = books.subscribe(siti, premium, date(2025, 1, 1), "siti", router="core-2")
    s_andi = books.subscribe(andi, voucher, date(2025, 1, 5), "andi")
    never_started = books.subscribe(andi, basic, None, "andi-2")
    books.change(never_started, "terminate", on=date(2025, 1, 6), reason="batal")
    books.caught_up()
    budi_jan = books.bill(s_budi)
    books.bill(s_siti)
    books.bill(s_andi)
    books.change_subscription_plan(s_siti, basic, date(2025, 1, 20))
    books.change_plan_price(basic, 175_000)
    books.caught_up()
    books.change_subscription_plan(s_budi, premium, date(2025, 2, 15))
    books.bill(s_siti)
    books.pay(budi, 500_000, date(2025, 2, 3), "KW-1")
    books.change(s_siti, "soft_limit", on=date(2025, 2, 12), reason="menunggak")
    books.change(s_siti, "suspend", on=date(2025, 2, 20), reason="menunggak")
    books.pay(siti, 300_000, date(2025, 2, 21), "KW-2")
    books.change(s_siti, "reactivate", on=date(2025, 2, 21))
    books.change(s_andi, "terminate", on=date(2025, 2, 1), reason="pindah")
    one_off = books.invoice(budi, 80_000, date(2025, 3, 1), use_credit=True)
    books.credit_note(books.invoice(andi, 60_000, date(2025, 3, 2)), 15_000)
    books.void(books.invoice(siti, 40_000, date(2025, 3, 3)))
    books.void(books.invoice(siti, 10_000, None))
    transfer = books.submit_transfer(andi, 45_000, "bukti-001.jpg", date(2025, 3, 4))
    books.reject_transfer(books.submit_transfer(andi, 5_000, "buram.jpg", date(2025, 3, 4)))
    books.caught_up()
    books.approve_transfer(transfer, date(2025, 3, 5))
    books.bill(s_budi)
    assert budi_jan != one_off


@pytest.mark.parametrize("name", BILLING_READ_MODELS)
def test_each_billing_read_model_equals_a_rebuild_from_zero(
    niaga: Niaga, books: Books, name: str
) -> None:
    _a_year_of_billing(books)
    books.caught_up()
    store = store_of(niaga, books.tenant_id)
    live = snapshot(niaga, store.ref.schema, by_name(name))

    in_pages_of_two = rebuilt(niaga, store, name, ProjectionService(niaga.stores, page_size=2))

    assert all(live[table] for table in by_name(name).tables)  # the history touched every table
    assert in_pages_of_two == live
    assert_live_equals_rebuild(niaga, store, (name,))

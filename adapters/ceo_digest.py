"""The CEO digest's figures, read through the areas' read models (billing, payments, vouchers,
repairs), and its services wired. It composes several areas, so it sits beside the wiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from adapters.ai.digest_read_models import PostgresCeoDigestReadModels
from adapters.billing.read_models import PostgresBillingReadModels
from adapters.payments.payment_read_models import PostgresPaymentReadModels
from adapters.repairs.read_models import PostgresRepairReadModels
from adapters.shared.stores import PostgresStores
from adapters.vouchers.read_models import PostgresVoucherReadModels
from application.ai.digest import CeoDigests
from application.ai.digest_ports import SourcedFigures
from application.ai.digest_queries import CeoDigestQueries
from application.ai.ports import Ai
from application.shared.clock import Clock
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync
from application.shared.secrets import SecretBox
from domain.ai.digest import AgentSales, CustomerSpend, DigestFigures, LowStockItem

TOP_CUSTOMERS = 5
LOW_STOCK_SHOWN = 10


@dataclass(frozen=True)
class PostgresDigestSource:
    """Implements `DigestSource` with each area's own read-model queries."""

    billing: PostgresBillingReadModels
    payments: PostgresPaymentReadModels
    vouchers: PostgresVoucherReadModels
    repairs: PostgresRepairReadModels

    def figures(
        self, store: EventStore, tenant_id: UUID, day: date, zone: str, now: datetime
    ) -> SourcedFigures:
        issued, invoices = self.billing.issued_on(store, tenant_id, day)
        collected, payments = self.payments.received_on(store, tenant_id, day)
        payers = self.payments.top_payers(store, tenant_id, day, TOP_CUSTOMERS)
        # Overdue at the end of the day: due on it or before, and still owing.
        overdue, overdue_count = self.billing.overdue_totals(
            store, tenant_id, day + timedelta(days=1)
        )
        started, ended = self.billing.subscriptions_changed_on(store, tenant_id, day)
        sales = self._voucher_sales(store, tenant_id, day, zone)
        pending, late = self.repairs.open_jobs(store, tenant_id, now)
        low = self.repairs.stock_levels(
            store, tenant_id, search=None, low_only=True, first=LOW_STOCK_SHOWN, after=None
        ).items
        figures = DigestFigures(
            revenue_issued=issued,
            invoices_issued=invoices,
            revenue_collected=collected,
            payments_received=payments,
            top_customers=tuple(CustomerSpend(c, amount, n) for c, _, amount, n in payers),
            overdue_total=overdue,
            overdue_count=overdue_count,
            new_subscriptions=started,
            churned_subscriptions=ended,
            voucher_sales=sales,
            repairs_pending=pending,
            repairs_past_sla=late,
            low_stock=tuple(LowStockItem(i.sku, i.name, i.available, i.reorder_point) for i in low),
        )
        names = {customer: name for customer, name, _, _ in payers}
        agents = [s.agent_id for s in sales if s.agent_id is not None]
        if agents:
            names |= {a.id: a.name for a in self.vouchers.agents(store, tenant_id, agents)}
        return SourcedFigures(figures, names)

    def _voucher_sales(
        self, store: EventStore, tenant_id: UUID, day: date, zone: str
    ) -> tuple[AgentSales, ...]:
        """The day's sales (in the tenant's zone) per agent, the most revenue first."""
        totals: dict[UUID | None, tuple[int, int]] = {}
        for row in self.vouchers.sales(store, tenant_id, "day", day, day, None, zone):
            vouchers, revenue = totals.get(row.agent_id, (0, 0))
            totals[row.agent_id] = (vouchers + int(row.vouchers), revenue + int(row.revenue))
        sales = [AgentSales(agent, n, revenue) for agent, (n, revenue) in totals.items()]
        return tuple(sorted(sales, key=lambda s: (-s.revenue, str(s.agent_id or ""))))


@dataclass(frozen=True)
class CeoDigestWiring:
    service: CeoDigests
    queries: CeoDigestQueries


def ceo_digest_services(
    stores: PostgresStores, sync: ReadModelSync, ai: Ai, clock: Clock, secrets: SecretBox
) -> CeoDigestWiring:
    source = PostgresDigestSource(
        PostgresBillingReadModels(stores),
        PostgresPaymentReadModels(stores),
        PostgresVoucherReadModels(stores),
        PostgresRepairReadModels(stores),
    )
    return CeoDigestWiring(
        CeoDigests(stores, sync, ai, source, clock, secrets),
        CeoDigestQueries(stores, PostgresCeoDigestReadModels(stores)),
    )

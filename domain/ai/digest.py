"""The owner's morning digest: yesterday's figures, three insights, and which mode wrote them.

One digest per tenant and day (its id derives from both), so compiling it twice finds the first.
The figures name customers and agents by id only; their names are looked up when the digest is
read, so a customer forgotten later is not kept here by name. Where the digest goes on WhatsApp
is the tenant's `DigestRecipients`: numbers checked here, then sealed by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.ai.usage import AiUsage
from domain.shared.errors import InvalidValue
from domain.shared.text import check_line, check_text
from domain.shared.values import normalise_phone, validate_email

INSIGHTS = 3  # a digest carries exactly three insights, whichever mode wrote them
MAX_TITLE = 120
MAX_DETAIL = 600
MAX_RECIPIENTS = 3


def message_id(digest_id: UUID, number: int) -> UUID:
    """The id of the digest's WhatsApp message to its `number`th recipient (from 0)."""
    return uuid5(digest_id, f"whatsapp:{number}")


class DigestMode(StrEnum):
    AI = "ai"  # the model wrote the insights
    TEMPLATE = "template"  # AI was unavailable: rule-based observations of the same figures


@dataclass(frozen=True)
class CustomerSpend:
    """What one customer paid on the day."""

    customer_id: UUID
    amount: int
    payments: int


@dataclass(frozen=True)
class AgentSales:
    """Vouchers one agent sold (bought from the tenant) on the day; no agent: the tenant's own."""

    agent_id: UUID | None
    vouchers: int
    revenue: int


@dataclass(frozen=True)
class LowStockItem:
    sku: str
    name: str
    available: int
    reorder_point: int


@dataclass(frozen=True)
class DigestFigures:
    """The day's figures (invoices, payments, subscriptions, voucher sales on that day) and the
    state when the digest was compiled (overdue invoices, open repair jobs, low stock)."""

    revenue_issued: int
    invoices_issued: int
    revenue_collected: int
    payments_received: int
    top_customers: tuple[CustomerSpend, ...]
    overdue_total: int
    overdue_count: int
    new_subscriptions: int
    churned_subscriptions: int
    voucher_sales: tuple[AgentSales, ...]
    repairs_pending: int
    repairs_past_sla: int
    low_stock: tuple[LowStockItem, ...]

    @property
    def vouchers_sold(self) -> int:
        return sum(s.vouchers for s in self.voucher_sales)

    @property
    def voucher_revenue(self) -> int:
        return sum(s.revenue for s in self.voucher_sales)


@dataclass(frozen=True)
class DigestInsight:
    title: str
    detail: str


class CeoDigest(Aggregate):
    """One tenant's digest of one day, compiled the next morning."""

    class Compiled(Aggregate.Created):
        tenant_id: UUID
        day: date
        figures: DigestFigures
        insights: list[DigestInsight]
        mode: str
        ai_status: str  # "ok", or why AI could not answer (off, no_key, quota, ...)
        ai_usage: AiUsage
        messages: int  # WhatsApp messages queued to the tenant's digest recipients

    @staticmethod
    def id_for(tenant_id: UUID, day: date) -> UUID:
        return uuid5(tenant_id, f"ceo-digest:{day.isoformat()}")

    @classmethod
    def compile(
        cls,
        tenant_id: UUID,
        day: date,
        figures: DigestFigures,
        insights: Sequence[DigestInsight],
        mode: DigestMode,
        ai_usage: AiUsage,
        messages: int = 0,
    ) -> CeoDigest:
        if len(insights) != INSIGHTS:
            raise InvalidValue(f"a digest has exactly {INSIGHTS} insights", field="insights")
        checked = [
            DigestInsight(
                check_line(i.title, "insights.title", max_length=MAX_TITLE),
                check_text(i.detail, "insights.detail", max_length=MAX_DETAIL),
            )
            for i in insights
        ]
        if any(not i.title.strip() or not i.detail.strip() for i in checked):
            raise InvalidValue("an insight needs a title and a detail", field="insights")
        status = "ok" if mode is DigestMode.AI else ai_usage.outcome
        return cls._create(
            cls.Compiled,
            id=cls.id_for(tenant_id, day),
            tenant_id=tenant_id,
            day=day,
            figures=figures,
            insights=checked,
            mode=mode.value,
            ai_status=status,
            ai_usage=ai_usage,
            messages=messages,
        )

    @event(Compiled)
    def __init__(
        self,
        tenant_id: UUID,
        day: date,
        figures: DigestFigures,
        insights: list[DigestInsight],
        mode: str,
        ai_status: str,
        ai_usage: AiUsage,
        messages: int,
    ) -> None:
        self.tenant_id, self.day, self.figures = tenant_id, day, figures
        self.insights, self.mode, self.ai_status = insights, DigestMode(mode), ai_status
        self.ai_usage, self.messages = ai_usage, messages


class DigestRecipients(Aggregate):
    """The WhatsApp numbers and e-mail addresses a tenant's digest goes to (the owner's),
    sealed at rest. The platform's warnings about the tenant's own plan go to them too."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class Changed(Aggregate.Event):
        phones_sealed: list[str]

    class EmailsChanged(Aggregate.Event):
        emails_sealed: list[str]

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "ceo-digest-recipients")

    @classmethod
    def start(cls, tenant_id: UUID) -> DigestRecipients:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.phones_sealed: list[str] = []
        self.emails_sealed: list[str] = []

    def change(self, phones: Sequence[str], seal: Callable[[str], str]) -> list[str]:
        """Send the digest to these numbers (none: to nobody), each checked and normalised to
        +62..., once each; returns them as normalised."""
        if len(phones) > MAX_RECIPIENTS:
            raise InvalidValue(
                f"the digest goes to at most {MAX_RECIPIENTS} numbers", field="phones"
            )
        normalised = list(dict.fromkeys(normalise_phone(p) for p in phones))
        self._changed(phones_sealed=[seal(p) for p in normalised])
        return normalised

    @event(Changed)
    def _changed(self, phones_sealed: list[str]) -> None:
        self.phones_sealed = phones_sealed

    def change_emails(self, emails: Sequence[str], seal: Callable[[str], str]) -> list[str]:
        """Send the digest by e-mail to these addresses (none: to nobody), each checked and
        lower-cased, once each; returns them as checked."""
        if len(emails) > MAX_RECIPIENTS:
            raise InvalidValue(
                f"the digest goes to at most {MAX_RECIPIENTS} addresses", field="emails"
            )
        checked = list(dict.fromkeys(validate_email(e) for e in emails))
        self._emails_changed(emails_sealed=[seal(e) for e in checked])
        return checked

    @event(EmailsChanged)
    def _emails_changed(self, emails_sealed: list[str]) -> None:
        self.emails_sealed = emails_sealed

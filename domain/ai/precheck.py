"""The digital guard: a document about to go out (an invoice, a repair quote, an invoice not yet
saved) checked against the tenant's SOP rules, and the outcome as recorded.

The rules are plain arithmetic on the document and the tenant's thresholds: they never depend
on the language model. What the model flags besides is kept as reasons of source `ai`, advice
for a person to read; only rule reasons make a document invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from domain.ai.precheck_rules import Limits
from domain.ai.usage import AiUsage
from domain.billing import ppn
from domain.shared.money import format_rupiah


class Source(StrEnum):
    RULE = "rule"  # the tenant's SOP rules, deterministic
    AI = "ai"  # the language model's remark: advice, never a refusal


class Subject(StrEnum):
    INVOICE = "invoice"
    QUOTE = "quote"  # a repair job's quote
    INVOICE_DRAFT = "invoice_draft"  # an invoice not yet saved


@dataclass(frozen=True)
class Reason:
    """Why a document may not go out as it is; the message is Indonesian, for the tenant."""

    source: str  # a Source value
    code: str
    message: str


@dataclass(frozen=True)
class Item:
    """A line that charges something: its amount must be above zero."""

    description: str
    quantity: int
    unit_price: int
    unit_cost: int | None = None  # what the part cost the shop, where known
    taxable: bool = True

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Document:
    """What the rules read of a document, in whole rupiah. `discount` is what the document
    takes off its items (at least zero); `taxable` is its Harga Jual after the discount; `ppn`
    what it charges as PPN. Dates are absent where the document has none (a quote)."""

    subject: Subject
    items: tuple[Item, ...]
    discount: int
    adjustments: int  # prorations and the like: neither items nor discounts
    taxable: int
    ppn: int
    issued_on: date | None
    due_on: date | None
    customer_forgotten: bool
    subscription_terminated: bool = False
    charges_ppn: bool = True  # a repair quote states no tax

    @property
    def gross(self) -> int:
        """The items before the discount."""
        return sum(max(item.amount, 0) for item in self.items)

    @property
    def total(self) -> int:
        return sum(item.amount for item in self.items) - self.discount + self.adjustments + self.ppn


def check(document: Document, limits: Limits, *, pkp: bool) -> list[Reason]:
    """Every SOP rule the document breaks, in a fixed order."""
    return [
        *_customer(document),
        *_amounts(document),
        *_discount(document, limits),
        *_tax(document, limits, pkp),
        *_dates(document, limits),
    ]


def _rule(code: str, message: str) -> Reason:
    return Reason(Source.RULE.value, code, message)


def _customer(document: Document) -> list[Reason]:
    reasons = []
    if document.customer_forgotten:
        reasons.append(
            _rule(
                "CUSTOMER_FORGOTTEN",
                "Pelanggan sudah dihapus datanya (UU PDP); dokumen tidak boleh ditujukan kepadanya",
            )
        )
    if document.subscription_terminated:
        reasons.append(
            _rule("SUBSCRIPTION_TERMINATED", "Langganan pelanggan untuk tagihan ini sudah diputus")
        )
    return reasons


def _amounts(document: Document) -> list[Reason]:
    reasons = [
        _rule(
            "NON_POSITIVE_AMOUNT",
            f'Baris {number} ("{_short(item.description)}") bernilai '
            f"{format_rupiah(item.amount)}; jumlah harus di atas nol",
        )
        for number, item in enumerate(document.items, start=1)
        if item.amount <= 0
    ]
    reasons += [
        _rule(
            "BELOW_COST",
            f'Harga "{_short(item.description)}" {format_rupiah(item.unit_price)} di bawah '
            f"modal {format_rupiah(item.unit_cost)}",
        )
        for item in document.items
        if item.unit_cost is not None and 0 < item.unit_price < item.unit_cost
    ]
    if document.total <= 0:
        reasons.append(
            _rule(
                "NON_POSITIVE_TOTAL",
                f"Total {format_rupiah(document.total)}; dokumen harus bernilai di atas nol",
            )
        )
    return reasons


def _discount(document: Document, limits: Limits) -> list[Reason]:
    if document.discount <= 0:
        return []
    gross = document.gross
    share = Fraction(document.discount * 100, gross) if gross > 0 else Fraction(100)
    if share <= limits.max_discount_percent:
        return []
    return [
        _rule(
            "DISCOUNT_ABOVE_MAX",
            f"Diskon {_percent(share)}% melanggar SOP maksimal {limits.max_discount_percent}%",
        )
    ]


def _tax(document: Document, limits: Limits, pkp: bool) -> list[Reason]:
    if not document.charges_ppn:
        return []
    if not pkp:
        if document.ppn == 0:
            return []
        return [
            _rule(
                "PPN_WITHOUT_PKP",
                f"Usaha belum PKP, jadi tidak boleh memungut PPN ({format_rupiah(document.ppn)})",
            )
        ]
    expected = ppn(document.taxable, pkp=True).ppn
    if abs(document.ppn - expected) <= limits.ppn_tolerance_idr:
        return []
    return [
        _rule(
            "PPN_MISMATCH",
            f"PPN {format_rupiah(document.ppn)} tidak sesuai: PPN efektif 11% dari Harga Jual "
            f"{format_rupiah(document.taxable)} adalah {format_rupiah(expected)}",
        )
    ]


def _dates(document: Document, limits: Limits) -> list[Reason]:
    issued, due = document.issued_on, document.due_on
    if issued is None or due is None:
        return []
    days = (due - issued).days
    if days < 0 or (days == 0 and limits.payment_terms_days > 0):
        return [
            _rule(
                "DUE_NOT_AFTER_ISSUE",
                f"Jatuh tempo {due:%d/%m/%Y} tidak setelah tanggal terbit {issued:%d/%m/%Y}",
            )
        ]
    if days > limits.payment_terms_days:
        return [
            _rule(
                "DUE_BEYOND_TERMS",
                f"Jatuh tempo {days} hari setelah tanggal terbit melebihi termin pembayaran "
                f"{limits.payment_terms_days} hari",
            )
        ]
    return []


def _percent(share: Fraction) -> str:
    """50, or 12,5 as Indonesians write a decimal (one place, rounded down)."""
    tenths = share.numerator * 10 // share.denominator
    whole, tenth = divmod(tenths, 10)
    return f"{whole}" if tenth == 0 else f"{whole},{tenth}"


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


class Precheck(Aggregate):
    """One check of one document, kept with what the model's part of it cost."""

    class Done(Aggregate.Created):
        tenant_id: UUID
        subject: str
        subject_id: UUID | None  # None for a draft
        valid: bool
        reasons: list[Reason]
        ai_status: str  # "ok", or why the model did not answer (UnavailableReason values)
        ai_usage: AiUsage

    @classmethod
    def record(
        cls,
        tenant_id: UUID,
        subject: Subject,
        subject_id: UUID | None,
        reasons: list[Reason],
        ai_status: str,
        ai_usage: AiUsage,
    ) -> Precheck:
        return cls._create(
            cls.Done,
            id=uuid4(),
            tenant_id=tenant_id,
            subject=subject.value,
            subject_id=subject_id,
            valid=not any(r.source == Source.RULE.value for r in reasons),
            reasons=list(reasons),
            ai_status=ai_status,
            ai_usage=ai_usage,
        )

    @event(Done)
    def __init__(
        self,
        tenant_id: UUID,
        subject: str,
        subject_id: UUID | None,
        valid: bool,
        reasons: list[Reason],
        ai_status: str,
        ai_usage: AiUsage,
    ) -> None:
        self.tenant_id = tenant_id
        self.subject = Subject(subject)
        self.subject_id = subject_id
        self.valid = valid
        self.reasons = list(reasons)
        self.ai_status = ai_status

"""A counter sale as the shop counts it: the day it was rung up (the shop's local date), who rang
it up, what it came to before and after its promotions, its PPN, and how it was paid. Its
invoice and payments belong to the billing core; this is the counter's own record, saved with
them, that the daily sales report is built from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

# The method of a sale its promotions made free: nobody paid anything.
UNPAID = "none"


@dataclass(frozen=True)
class MethodShare:
    """The part of a sale one payment method paid for, with the matching part of its gross,
    discounts and PPN (in proportion to what the method paid), so that the shares of a sale
    add up to the sale exactly."""

    method: str
    gross: int
    discounts: int
    ppn: int
    net: int


class Sale(Aggregate):
    """One sale at the counter, recorded with its invoice."""

    class Recorded(Aggregate.Created):
        tenant_id: UUID
        invoice_id: UUID
        number: str
        sold_on: date
        cashier: str
        gross: int
        discounts: int
        ppn: int
        total: int
        payments: dict[str, int]  # method -> amount
        promotions: dict[str, int]  # promotion id -> what it took off

    @staticmethod
    def id_for(invoice_id: UUID) -> UUID:
        return uuid5(invoice_id, "counter-sale")

    @classmethod
    def record(
        cls,
        tenant_id: UUID,
        invoice_id: UUID,
        number: str,
        sold_on: date,
        cashier: str,
        *,
        gross: int,
        discounts: int,
        ppn: int,
        payments: dict[str, int],
        promotions: dict[str, int],
    ) -> Sale:
        return cls._create(
            cls.Recorded,
            id=cls.id_for(invoice_id),
            tenant_id=tenant_id,
            invoice_id=invoice_id,
            number=number,
            sold_on=sold_on,
            cashier=cashier,
            gross=gross,
            discounts=discounts,
            ppn=ppn,
            total=gross - discounts + ppn,
            payments=dict(payments),
            promotions=dict(promotions),
        )

    @event(Recorded)
    def __init__(
        self,
        tenant_id: UUID,
        invoice_id: UUID,
        number: str,
        sold_on: date,
        cashier: str,
        gross: int,
        discounts: int,
        ppn: int,
        total: int,
        payments: dict[str, int],
        promotions: dict[str, int],
    ) -> None:
        self.tenant_id = tenant_id
        self.invoice_id = invoice_id
        self.number = number
        self.sold_on = sold_on
        self.cashier = cashier
        self.gross, self.discounts, self.ppn, self.total = gross, discounts, ppn, total
        self.payments = dict(payments)
        self.promotions = dict(promotions)


def shares_by_method(
    gross: int, discounts: int, ppn: int, payments: dict[str, int]
) -> list[MethodShare]:
    """Split a sale over the methods that paid it, by method name. Each share is rounded down
    on the running total, so the shares add up to the sale to the rupiah."""
    total = sum(payments.values())
    if total == 0:
        return [MethodShare(UNPAID, gross, discounts, ppn, 0)]
    shares, paid_before = [], 0
    for method in sorted(payments):
        paid_after = paid_before + payments[method]
        shares.append(
            MethodShare(
                method,
                _part(gross, paid_before, paid_after, total),
                _part(discounts, paid_before, paid_after, total),
                _part(ppn, paid_before, paid_after, total),
                payments[method],
            )
        )
        paid_before = paid_after
    return shares


def _part(whole: int, before: int, after: int, total: int) -> int:
    return whole * after // total - whole * before // total

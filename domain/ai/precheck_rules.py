"""A tenant's SOP thresholds for the pre-check: the largest discount, the payment terms and how
far PPN may stray from the exact amount (rounding)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue

DEFAULT_MAX_DISCOUNT_PERCENT = 20
# PPN is rounded down twice (DPP, then PPN): it falls short of 11% by less than 2 rupiah.
DEFAULT_PPN_TOLERANCE_IDR = 2
MAX_PPN_TOLERANCE_IDR = 1_000_000


@dataclass(frozen=True)
class Thresholds:
    """As the tenant set them. `payment_terms_days` None follows the billing policy's terms."""

    max_discount_percent: int = DEFAULT_MAX_DISCOUNT_PERCENT
    payment_terms_days: int | None = None
    ppn_tolerance_idr: int = DEFAULT_PPN_TOLERANCE_IDR

    def validated(self) -> Thresholds:
        _whole(self.max_discount_percent, "max_discount_percent", 0, 100)
        if self.payment_terms_days is not None:
            _whole(self.payment_terms_days, "payment_terms_days", 0, 365)
        _whole(self.ppn_tolerance_idr, "ppn_tolerance_idr", 0, MAX_PPN_TOLERANCE_IDR)
        return self

    def limits(self, billing_terms_days: int) -> Limits:
        terms = self.payment_terms_days
        return Limits(
            self.max_discount_percent,
            billing_terms_days if terms is None else terms,
            self.ppn_tolerance_idr,
        )


@dataclass(frozen=True)
class Limits:
    """The thresholds a check applies, the payment terms resolved."""

    max_discount_percent: int
    payment_terms_days: int
    ppn_tolerance_idr: int


def _whole(value: int, field: str, least: int, most: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise InvalidValue(f"{field} must be a whole number from {least} to {most}", field=field)


class PrecheckRules(Aggregate):
    """One per tenant, in the tenant's store. A tenant without one has the defaults."""

    class Started(Aggregate.Created):
        tenant_id: UUID

    class Changed(Aggregate.Event):
        max_discount_percent: int
        payment_terms_days: int | None
        ppn_tolerance_idr: int

    @staticmethod
    def id_for(tenant_id: UUID) -> UUID:
        return uuid5(tenant_id, "precheck-rules")

    @classmethod
    def start(cls, tenant_id: UUID) -> PrecheckRules:
        return cls._create(cls.Started, id=cls.id_for(tenant_id), tenant_id=tenant_id)

    @event(Started)
    def __init__(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id
        self.thresholds = Thresholds()

    def change(self, thresholds: Thresholds) -> bool:
        """False (nothing recorded) when the thresholds are already these."""
        if thresholds.validated() == self.thresholds:
            return False
        self._changed(
            max_discount_percent=thresholds.max_discount_percent,
            payment_terms_days=thresholds.payment_terms_days,
            ppn_tolerance_idr=thresholds.ppn_tolerance_idr,
        )
        return True

    @event(Changed)
    def _changed(
        self, max_discount_percent: int, payment_terms_days: int | None, ppn_tolerance_idr: int
    ) -> None:
        self.thresholds = Thresholds(max_discount_percent, payment_terms_days, ppn_tolerance_idr)

"""Money: a whole number of the currency's minor unit (rupiah have none in practice)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.errors import InvalidValue

IDR = "IDR"


@dataclass(frozen=True, order=True)
class Money:
    amount: int
    currency: str = IDR

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidValue(f"money must be a whole number, got {self.amount!r}", field="amount")

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidValue(f"cannot mix {self.currency} and {other.currency}", field="currency")
        return other

    @classmethod
    def zero(cls, currency: str = IDR) -> Money:
        return cls(0, currency)


def positive_amount(amount: int, field: str = "amount") -> int:
    """Amounts customers pay or are charged are whole and above zero."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidValue(
            f"{field} must be a whole amount above zero, got {amount!r}", field=field
        )
    return amount


def format_rupiah(amount: int) -> str:
    """`Rp1.234.567` as Indonesians write it."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")

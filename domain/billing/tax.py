"""PPN on invoices per PMK 131/2024: DPP nilai lain = 11/12 x price, PPN = 12% x DPP, rounded down.

Only a PKP tenant charges PPN. The effective rate is 11% of the selling price, never more.
"""

from __future__ import annotations

from dataclasses import dataclass

PPN_RATE_PERCENT = 12
DPP_NUMERATOR, DPP_DENOMINATOR = 11, 12


@dataclass(frozen=True)
class TaxBreakdown:
    """Harga Jual (taxable selling price), DPP Nilai Lain and PPN, in whole rupiah."""

    selling_price: int
    dpp: int
    ppn: int


def ppn(selling_price: int, *, pkp: bool) -> TaxBreakdown:
    """The PPN due on a taxable selling price; zero when the seller is not a PKP."""
    if not pkp or selling_price <= 0:
        return TaxBreakdown(selling_price, 0, 0)
    dpp = selling_price * DPP_NUMERATOR // DPP_DENOMINATOR
    return TaxBreakdown(selling_price, dpp, dpp * PPN_RATE_PERCENT // 100)

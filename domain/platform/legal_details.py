"""Who a tenant is on the invoices it sends: legal name, address, NPWP and bank accounts.

A customer pays into the bank accounts printed on an invoice, and a tax office reads the
seller's NPWP from it, so each value is checked before it is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.shared.errors import InvalidValue
from domain.shared.text import check_line
from domain.shared.values import require_text

MAX_BANK_ACCOUNTS = 5
# NPWP: 15 digits (the old form, usually written 01.234.567.8-901.000) or 16 (since 2024: the
# NIK for a person, 0 and the old 15 digits for a company). Separators are dropped.
_NPWP = re.compile(r"[0-9]{15,16}")
_NPWP_SEPARATORS = re.compile(r"[\s.\-]")
_ACCOUNT_NUMBER = re.compile(r"[0-9][0-9 \-]{3,32}[0-9]")


@dataclass(frozen=True)
class BankAccount:
    """An account customers pay an invoice into by transfer."""

    bank: str  # e.g. "BCA"
    number: str
    holder: str  # the name the account is held in ("a.n.")

    def validated(self, field: str) -> BankAccount:
        """The account with its text trimmed and checked; refusals name `field.part`."""
        number = _line(self.number, f"{field}.number", 34)
        if not _ACCOUNT_NUMBER.fullmatch(number):
            raise InvalidValue(
                f"{field}.number must be 5-34 digits (spaces and '-' allowed between them)",
                field=f"{field}.number",
            )
        return BankAccount(
            _line(self.bank, f"{field}.bank", 60),
            number,
            _line(self.holder, f"{field}.holder", 120),
        )


@dataclass(frozen=True)
class LegalDetails:
    """The seller as its invoices name it. A field that is not set is None (or no accounts)."""

    legal_name: str | None = None
    address: str | None = None
    npwp: str | None = None
    bank_accounts: tuple[BankAccount, ...] = ()

    def changed(
        self,
        *,
        legal_name: str | None = None,
        address: str | None = None,
        npwp: str | None = None,
        bank_accounts: Sequence[BankAccount] | None = None,
    ) -> LegalDetails:
        """These details with what is given changed and checked: None keeps a value, a blank
        text removes it, and a list of accounts replaces the accounts."""
        return LegalDetails(
            self.legal_name if legal_name is None else _optional_line(legal_name, "legal_name"),
            self.address if address is None else _optional_address(address),
            self.npwp if npwp is None else _npwp(npwp),
            self.bank_accounts if bank_accounts is None else _accounts(bank_accounts),
        )


def _line(raw: str, field: str, max_length: int) -> str:
    return check_line(require_text(raw, field, max_length), field, max_length=max_length)


def _optional_line(raw: str, field: str) -> str | None:
    return _line(raw, field, 200) if raw.strip() else None


def _optional_address(raw: str) -> str | None:
    # An address is printed on several lines, so line breaks are kept.
    return require_text(raw, "address", 500) if raw.strip() else None


def _npwp(raw: str) -> str | None:
    if not raw.strip():
        return None
    digits = _NPWP_SEPARATORS.sub("", raw)
    if not _NPWP.fullmatch(digits):
        raise InvalidValue("npwp must be 15 or 16 digits", field="npwp")
    return digits


def _accounts(accounts: Sequence[BankAccount]) -> tuple[BankAccount, ...]:
    if len(accounts) > MAX_BANK_ACCOUNTS:
        raise InvalidValue(
            f"at most {MAX_BANK_ACCOUNTS} bank accounts are printed on an invoice",
            field="bank_accounts",
        )
    return tuple(a.validated(f"bank_accounts[{i}]") for i, a in enumerate(accounts))

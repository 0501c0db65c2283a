"""Where personal values sit in a text: spans of NIK, phone numbers, e-mail addresses, NPWP,
bank account numbers, and the tenant's own customers' names and addresses.

Each recognizer yields candidate spans, alternatives included (a phone number with or without
the digit group after it); `resolve_overlaps` decides between them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator

from application.ai.known_values import KnownValues
from application.ai.pii_phones import THOUSANDS, digits_of, phones_in
from application.ai.pii_spans import PiiKind, Span, resolve_overlaps

# The one spelling of a placeholder, `[REDACTED_PHONE_1]`, found again when values are put back.
PLACEHOLDER = re.compile(r"\[REDACTED_[A-Z_]+_\d+\]")


def find_personal_data(text: str, known: KnownValues | None = None) -> list[Span]:
    """The spans to mask, in text order, none overlapping."""
    return resolve_overlaps(text, _candidates(text, known))


def _candidates(text: str, known: KnownValues | None) -> Iterator[Span]:
    if "[REDACTED_" in text:
        yield from (
            Span(m.start(), m.end(), PiiKind.PLACEHOLDER) for m in PLACEHOLDER.finditer(text)
        )
    if "@" in text:
        yield from _emails(text)
    yield from _numbers(text)
    if known is not None:
        yield from known.find(text)


# Digit groups joined by up to three spaces, dots, dashes or parentheses, eight digits at least
# (the shortest phone number, 061 12345): every value recognised below lies in one (with the
# "(+" or ")" around it), so each recognizer scans only these. Starting with a digit lets the
# regex engine skip to the digits of a text.
_NUMBER = re.compile(r"\d(?:[ .\-()]{0,3}\d){7,}")
_DIGIT = re.compile(r"\d")


def _numbers(text: str) -> Iterator[Span]:
    for number in _NUMBER.finditer(text):
        if THOUSANDS.fullmatch(number.group()):
            continue  # an amount: 12.450.000
        start, end = number.span()
        while start > 0 and text[start - 1] in "(+":
            start -= 1
        if end < len(text) and text[end] == ")":
            end += 1
        yield from _niks(text, start, end)
        yield from _npwps(text, start, end)
        yield from _bank_accounts(text, start, end)
        yield from phones_in(text, start, end)


_KEYWORD_WINDOW = 30
_LONGEST_KEYWORD = 24  # "No. Rekening" with room to spare: a keyword may start before the window


def _keyword_before(text: str, keywords: re.Pattern[str], start: int, window: int) -> bool:
    """Whether a keyword ends at most `window` characters before `start` with no digit between:
    the number at `start` is the first one after the keyword."""
    looked_from = max(0, start - window - _LONGEST_KEYWORD)
    keywords_before = list(keywords.finditer(text, looked_from, start))
    if not keywords_before or start - keywords_before[-1].end() > window:
        return False
    return not _DIGIT.search(text, keywords_before[-1].end(), start)


# -- e-mail -------------------------------------------------------------------------------------

# Found from the "@" and the domain (at least two labels), then the local part is read leftwards:
# a pattern starting with the local part would rescan long words at every position.
_EMAIL_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_LOCAL_PART = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~."
)


def _emails(text: str) -> Iterator[Span]:
    previous_end = 0
    for domain in _EMAIL_DOMAIN.finditer(text):
        start = domain.start()
        while start > previous_end and (
            text[start - 1] in _LOCAL_PART or text[start - 1].isalnum()
        ):
            start -= 1
        if start < domain.start():
            yield Span(start, domain.end(), PiiKind.EMAIL)
        previous_end = domain.end()


# -- NIK ------------------------------------------------------------------------------------------

# 16 digits, written together or grouped 4-4-4-4 or 6-6-4 (region, birth date, serial).
_NIK = re.compile(r"(?<!\d)(?:\d{16}|\d{6}[ .\-]\d{6}[ .\-]\d{4}|\d{4}(?:[ .\-]\d{4}){3})(?!\d)")
# Kemendagri province codes, Aceh (11) to Papua Barat Daya (96).
_PROVINCES = frozenset(
    [*range(11, 20), 21, *range(31, 37), *range(51, 54), *range(61, 66), *range(71, 77)]
) | {81, 82, *range(91, 97)}


def is_nik(digits: str) -> bool:
    """A NIK: province, regency and district (two digits each, none zero), the birth date as
    DDMMYY with 40 added to the day for women, and a serial number that is not 0000."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    region = (int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    return (
        region[0] in _PROVINCES
        and region[1] > 0
        and region[2] > 0
        and _is_birth_date(day - 40 if day > 40 else day, month, year)
        and digits[12:] != "0000"
    )


def _is_birth_date(day: int, month: int, two_digit_year: int) -> bool:
    # 2000 + YY is a leap year exactly when 19YY or 20YY could be one, so a 29 February passes
    # whenever it is possible in either century.
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2000 + two_digit_year, month)[1]


def _niks(text: str, start: int, end: int) -> Iterator[Span]:
    for match in _NIK.finditer(text, start, end):
        if is_nik(digits_of(match.group())):
            yield Span(match.start(), match.end(), PiiKind.NIK)


# -- NPWP -----------------------------------------------------------------------------------------

_NPWP_DOTTED = re.compile(r"(?<!\d)\d{2}\.\d{3}\.\d{3}\.\d[.\-]\d{3}\.\d{3}(?!\d)")
_FIFTEEN_OR_SIXTEEN = re.compile(r"(?<!\d)\d{15,16}(?!\d)")
_NPWP_WORD = re.compile(r"(?<!\w)NPWP(?!\w)", re.IGNORECASE)


def _npwps(text: str, start: int, end: int) -> Iterator[Span]:
    """The dotted form 99.999.999.9-999.999; any 15 digits written together (the old form); 16
    digits starting with 0 (an old NPWP in the new form) or after the word NPWP (since 2024 a
    person's NPWP is their NIK)."""
    for match in _NPWP_DOTTED.finditer(text, start, end):
        yield Span(match.start(), match.end(), PiiKind.NPWP)
    for match in _FIFTEEN_OR_SIXTEEN.finditer(text, start, end):
        number = match.group()
        if (
            len(number) == 15
            or number.startswith("0")
            or _keyword_before(text, _NPWP_WORD, match.start(), _KEYWORD_WINDOW)
        ):
            yield Span(match.start(), match.end(), PiiKind.NPWP)


# -- bank accounts --------------------------------------------------------------------------------

_BANK_WORD = re.compile(
    r"(?<!\w)(?:no\.?\s*rek(?:ening)?|norek|rekening|rek|account|acct|a/c|bca|bri|bni|mandiri"
    r"|bsi|btn|cimb|permata|danamon)(?!\w)\.?",
    re.IGNORECASE,
)
# 10 to 16 digits, possibly grouped by single spaces, dots or dashes (BRI: 0123-01-012345-50-1).
_ACCOUNT_NUMBER = re.compile(r"(?<![\d.\-])\d(?:[ .\-]?\d){9,15}(?!\d)")


def _bank_accounts(text: str, start: int, end: int) -> Iterator[Span]:
    """A number of 10 to 16 digits is an account number when it is the first number after a
    banking word (rekening, rek, no. rek, norek, account, a/c, or a bank's name: BCA, BRI, BNI,
    Mandiri, BSI, BTN, CIMB, Permata, Danamon) that ends at most 30 characters before it."""
    for match in _ACCOUNT_NUMBER.finditer(text, start, end):
        if _keyword_before(text, _BANK_WORD, match.start(), _KEYWORD_WINDOW):
            yield Span(match.start(), match.end(), PiiKind.BANK_ACCOUNT)

"""Indonesian contact formats, normalised once at the edge of the domain."""

import re

import phonenumbers

from domain.shared.errors import InvalidEmail, InvalidNik, InvalidPhoneNumber, InvalidValue
from domain.shared.text import check_text

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
# Indonesian subscriber numbers are 8 to 12 digits after the country code (mobile 8xx, fixed lines
# start with an area code such as 21 for Jakarta).
_E164_ID = re.compile(r"^\+62[1-9][0-9]{7,11}$")
_NIK = re.compile(r"^\d{16}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def normalise_phone(raw: str) -> str:
    """Return an Indonesian phone number as E.164 (`+62...`), from `08...`, `628...` or `+62...`.

    Digits of any script (full-width, Arabic-Indic, ...) are read as the digits they
    are, so one number always has one spelling and registers once."""
    compact = _ascii_digits(_PHONE_SEPARATORS.sub("", raw or ""))
    if compact.startswith("+62"):
        candidate = compact
    elif compact.startswith("62"):
        candidate = "+" + compact
    elif compact.startswith("0"):
        candidate = "+62" + compact[1:]
    else:
        raise InvalidPhoneNumber(
            f"phone number {raw!r} must start with 08, 628 or +62", field="phone"
        )
    if not _E164_ID.match(candidate) or not _possible(candidate):
        raise InvalidPhoneNumber(
            f"phone number {raw!r} is not a valid Indonesian number", field="phone"
        )
    return candidate


def _ascii_digits(text: str) -> str:
    plus = "+" if text.startswith("+") else ""
    rest = text[len(plus) :]
    if rest and all(c.isdecimal() for c in rest):
        return plus + phonenumbers.normalize_digits_only(rest)
    return text  # letters or symbols: refused below with the number as written


def _possible(candidate: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(candidate, "ID"))
    except phonenumbers.NumberParseException:
        return False


def validate_nik(raw: str) -> str:
    """A NIK (Nomor Induk Kependudukan) is exactly 16 digits."""
    nik = (raw or "").strip()
    if not _NIK.match(nik):
        raise InvalidNik(f"NIK must be exactly 16 digits, got {len(nik)} characters", field="nik")
    return nik


def validate_email(raw: str) -> str:
    email = (raw or "").strip()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmail(f"{raw!r} is not a valid email address", field="email")
    return email.lower()


def require_text(raw: str, field: str, max_length: int = 200) -> str:
    """Trimmed, non-empty text of bounded length."""
    text = (raw or "").strip()
    if not text:
        raise InvalidValue(f"{field} must not be empty", field=field)
    if len(text) > max_length:
        raise InvalidValue(f"{field} must be at most {max_length} characters", field=field)
    return check_text(text, field, max_length=max_length)

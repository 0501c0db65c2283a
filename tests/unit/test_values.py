"""Indonesian contact formats: phone numbers, NIK and email, normalised at the domain's edge."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidEmail, InvalidNik, InvalidPhoneNumber, InvalidValue
from domain.shared.values import normalise_phone, require_text, validate_email, validate_nik


@pytest.mark.parametrize(
    "raw",
    [
        "0812-3456-7890",
        "081234567890",
        "6281234567890",
        "+6281234567890",
        "+62 812 3456 7890",
        "(0812) 3456.7890",
    ],
)
def test_normalises_any_indonesian_phone_format_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+6281234567890"


def test_keeps_a_jakarta_fixed_line_number() -> None:
    assert normalise_phone("021-5550123") == "+62215550123"


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "+6512345678",
        "",
        "08",
        "0812",
        "+62 0812 3456 7890",
        "08123456789012345",
        "0812-3456-789a",
    ],
)
def test_refuses_a_phone_number_that_is_not_indonesian(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalise_phone(raw)
    assert refused.value.field == "phone"
    assert refused.value.code == "INVALID_PHONE"


@given(st.from_regex(r"\A8[1-9][0-9]{7,9}\Z"))
def test_every_format_of_one_number_normalises_to_the_same_number(subscriber: str) -> None:
    formats = ["0" + subscriber, "62" + subscriber, "+62" + subscriber, "+62 " + subscriber]
    assert {normalise_phone(raw) for raw in formats} == {"+62" + subscriber}


def test_accepts_a_nik_of_exactly_sixteen_digits() -> None:
    assert validate_nik(" 3171234567890123 ") == "3171234567890123"


@pytest.mark.parametrize(
    "raw", ["", "317123456789012", "31712345678901234", "317123456789012a", "3171 2345 6789 0123"]
)
def test_refuses_a_nik_that_is_not_sixteen_digits(raw: str) -> None:
    with pytest.raises(InvalidNik):
        validate_nik(raw)


def test_accepts_an_email_and_lowercases_it() -> None:
    assert validate_email("  Budi.Santoso@Example.CO.ID ") == "budi.santoso@example.co.id"


@pytest.mark.parametrize(
    "raw", ["", "budi", "budi@", "@example.com", "budi@example", "budi @example.com", "a@b.c"]
)
def test_refuses_an_email_that_is_not_an_address(raw: str) -> None:
    with pytest.raises(InvalidEmail):
        validate_email(raw)


def test_refuses_an_email_longer_than_254_characters() -> None:
    with pytest.raises(InvalidEmail):
        validate_email("a" * 250 + "@example.com")


def test_trims_required_text_and_refuses_it_empty_or_too_long() -> None:
    assert require_text("  Warung  ", "name") == "Warung"
    with pytest.raises(InvalidValue):
        require_text("   ", "name")
    with pytest.raises(InvalidValue):
        require_text("x" * 121, "name", 120)

"""Every text value passes one check before it is recorded: storable, bounded, named if not."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.shared.text import check_all_text, check_line, check_text, printable, problem_in
from domain.shared.values import normalise_phone


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a\x00b", "must not contain NUL characters"),
        ("bel\x07", "must not contain control characters (U+0007)"),
        ("c1\x85", "must not contain control characters (U+0085)"),
        ("\ud800", "must be valid Unicode (it contains a lone surrogate)"),
        ("\uffff", "must not contain non-characters (U+FFFF)"),
        ("x" * 65_537, "is longer than 65.536 characters"),
    ],
)
def test_unstorable_text_is_refused_naming_the_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_text(text, "complaint")
    assert refused.value.field == "complaint"
    assert refused.value.message == f"complaint {reason}"


def test_multi_line_text_keeps_its_line_breaks_and_one_line_text_refuses_them() -> None:
    assert check_text("Jl. Merdeka 1\nRT 02\tRW 03", "address") == "Jl. Merdeka 1\nRT 02\tRW 03"
    with pytest.raises(InvalidValue, match="name must be a single line"):
        check_line("Budi\nSantoso", "name")


def test_text_in_any_language_and_emoji_is_fine() -> None:
    assert problem_in("Warung Bu Siti 🍜 — ประเทศไทย, 日本語, العربية") is None


def test_nested_payloads_are_checked_with_the_path_of_the_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class Line:
        description: str

    with pytest.raises(InvalidValue) as refused:
        check_all_text({"lines": [Line("ok"), Line("bad\x00")]})
    assert refused.value.field == "lines[1].description"


def test_the_keys_of_a_mapping_in_an_event_are_checked_like_its_values() -> None:
    with pytest.raises(InvalidValue) as refused:
        check_all_text({"variables": {"promo\x00": "diskon"}})
    assert refused.value.field == "variables"


@given(st.text())
def test_outside_text_is_always_made_storable(text: str) -> None:
    assert problem_in(printable(text)) is None


def test_phone_numbers_in_full_width_digits_are_the_same_number() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "081234567890")
    assert normalise_phone(full_width) == normalise_phone("081234567890") == "+6281234567890"


def test_the_quick_check_refuses_exactly_the_characters_the_rules_name() -> None:
    from domain.shared import text

    for code in range(0x110000):
        char = chr(code)
        named = char not in text._LINE_BREAKS and text._bad_character(char) is not None
        assert bool(text._SUSPECT.search(char)) == named, f"U+{code:04X}"

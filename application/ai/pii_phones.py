"""Phone numbers in a text: Indonesian ones however they are written, and any country's written
with "+", checked against phonenumbers' numbering plans."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

import phonenumbers

from application.ai.pii_spans import PiiKind, Span

# Money grouped in thousands by dots, never a personal number.
THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_NOT_DIGIT = re.compile(r"[^0-9]")


def digits_of(text: str) -> str:
    """The ASCII digits of `text`, read from any script's digits."""
    if text.isascii():
        return _NOT_DIGIT.sub("", text)
    return phonenumbers.normalize_digits_only(text)


# A run of digit groups joined by up to three spaces, dots, dashes or parentheses, starting as a
# phone number does (+, 0, 62, "(0", "(+"): +62 812-3456-7890, (021) 555 1234, 0812.3456.7890,
# (+62) 812 3456 7890. A run may hold several numbers ("0812 3456 7890 0813 1111 2222").
_PHONE_RUN = re.compile(r"(?<![\d+(])(?:\(?\+|\((?=0)|(?=0|62))\d(?:[ .\-()]{0,3}\d)*\)?")
_DIGIT_GROUP = re.compile(r"\d+")
_AMOUNT_BEFORE = re.compile(r"(?:rp|idr)\.?\s?\Z", re.IGNORECASE)
_FEWEST_DIGITS = 8  # 0 and a seven-digit fixed line
_MOST_DIGITS = 17  # E.164's longest (15) after the international dialling prefix 00
# Country code, international dialling prefix and country code, trunk prefix; "0062" before "0".
_NATIONAL_PREFIXES = ("62", "0062", "0")


def phones_in(text: str, start: int, end: int) -> Iterator[Span]:
    """The phone numbers written between `start` and `end` of `text`."""
    for run in _PHONE_RUN.finditer(text, start, end):
        if not _is_amount(text, run):
            yield from _phones_in_run(text, run.start(), run.end())


def _is_amount(text: str, run: re.Match[str]) -> bool:
    """Money, not a phone: written after Rp or IDR, or grouped in thousands (1.500.000)."""
    return bool(
        THOUSANDS.fullmatch(run.group())
        or _AMOUNT_BEFORE.search(text, max(0, run.start() - 5), run.start())
    )


def _phones_in_run(text: str, start: int, end: int) -> Iterator[Span]:
    """Every valid number made of consecutive digit groups of the run."""
    groups = [(g.start(), g.end()) for g in _DIGIT_GROUP.finditer(text, start, end)]
    if sum(group_end - group_start for group_start, group_end in groups) < _FEWEST_DIGITS:
        return
    for i, (group_start, _) in enumerate(groups):
        lead = _lead_start(text, group_start, groups[i - 1][1] if i else start)
        international = "+" in text[lead:group_start]
        for last in _phone_ends(text, groups, i, international=international):
            stop = groups[last][1]
            if stop < end and text[stop] == ")" and "(" in text[lead:stop]:
                stop += 1
            yield Span(lead, stop, PiiKind.PHONE)


def _lead_start(text: str, group_start: int, floor: int) -> int:
    """Where a number starting at `group_start` begins, taking in a "+", "(" or "(+" before it."""
    lead = group_start
    while lead > floor and text[lead - 1] in "(+":
        lead -= 1
    return lead


def _phone_ends(
    text: str, groups: list[tuple[int, int]], first: int, *, international: bool
) -> Iterator[int]:
    """The last groups of the valid numbers that start with group `first`."""
    digits = ""
    for j in range(first, len(groups)):
        digits += digits_of(text[groups[j][0] : groups[j][1]])
        if not international and digits[0] not in "06":
            return  # a national number starts with 0 or 62
        if len(digits) > _MOST_DIGITS:
            return
        if len(digits) >= _FEWEST_DIGITS and is_phone(digits, international=international):
            yield j


def is_phone(digits: str, *, international: bool) -> bool:
    """Whether `digits` (as written, without separators) is a valid phone number: Indonesian
    when written with 0, 62, +62 or 0062; any country's when written with "+"."""
    if international:
        if digits.startswith("62"):
            return is_indonesian_number(digits[2:])
        return _valid_abroad(digits)
    for prefix in _NATIONAL_PREFIXES:
        if digits.startswith(prefix):
            return is_indonesian_number(digits[len(prefix) :])
    return False


def _valid_abroad(digits: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return False


class _NumberPlan(NamedTuple):
    """One number type of a region's plan in phonenumbers' metadata."""

    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def matches(self, national: str) -> bool:
        return (not self.lengths or len(national) in self.lengths) and bool(
            self.pattern.fullmatch(national)
        )


def _indonesian_plan() -> tuple[_NumberPlan, tuple[_NumberPlan, ...]]:
    """Indonesia's numbering plan from phonenumbers' metadata, compiled once: checking a number
    against it is what `phonenumbers.is_valid_number` does, without parsing the number first."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("ID")
    if metadata is None:  # pragma: no cover - phonenumbers always ships Indonesia's plan
        raise RuntimeError("phonenumbers has no numbering plan for Indonesia")

    def plan(desc: phonenumbers.PhoneNumberDesc | None) -> _NumberPlan | None:
        if desc is None or desc.national_number_pattern is None:
            return None
        lengths = frozenset(n for n in desc.possible_length if n > 0)
        return _NumberPlan(re.compile(desc.national_number_pattern), lengths)

    descs = (
        metadata.fixed_line,
        metadata.mobile,
        metadata.toll_free,
        metadata.premium_rate,
        metadata.shared_cost,
        metadata.personal_number,
        metadata.voip,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    general = plan(metadata.general_desc)
    if general is None:  # pragma: no cover - as above
        raise RuntimeError("phonenumbers has no general pattern for Indonesia")
    return general, tuple(p for p in map(plan, descs) if p is not None)


_ID_GENERAL, _ID_TYPES = _indonesian_plan()


def is_indonesian_number(national: str) -> bool:
    """Whether a national significant number (no 0, no +62) is a valid Indonesian number."""
    return _ID_GENERAL.matches(national) and any(t.matches(national) for t in _ID_TYPES)

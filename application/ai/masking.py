"""Nothing personal leaves the server: personal values are replaced by typed placeholders before
a text goes to the language model, and put back in the answer only where a feature needs them.

`mask` finds NIK, Indonesian phone numbers, e-mail addresses, NPWP, bank account numbers and the
tenant's own customers' names and addresses (`KnownValues`), and replaces each with a placeholder
such as `[REDACTED_PHONE_1]`: one value, one placeholder, within a call. `unmask` puts the values
back. The mapping exists only in the returned object, in memory, for that one call. Text that
already looks like a placeholder is itself masked (`[REDACTED_PLACEHOLDER_1]`), so putting values
back never mistakes it for one of ours, and unmask(mask(x)) == x for every text.

The recognizers are written here rather than taken from Presidio: Presidio's analyzer needs a
spaCy pipeline (its default downloads a model at start-up and its e-mail recognizer fetches the
public suffix list, neither possible offline), has no recognizer for NIK or NPWP, and with a blank
pipeline analysed about 500 short texts per second in a trial here, 0.004x a regex scan of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeAlias

from application.ai.known_values import KnownValues
from application.ai.pii_recognizers import PLACEHOLDER, find_personal_data
from application.ai.pii_spans import PiiKind

JsonValue: TypeAlias = (
    str | int | float | bool | list["JsonValue"] | tuple["JsonValue", ...] | dict[str, "JsonValue"]
) | None


@dataclass(frozen=True)
class Masked:
    """A masked text; `mapping` takes each placeholder back to the value it hides."""

    text: str
    mapping: Mapping[str, str]


@dataclass(frozen=True)
class MaskedJson:
    """A masked JSON-like structure (every string in it, keys too), with one mapping for all."""

    value: JsonValue
    mapping: Mapping[str, str]


def mask(text: str, known: KnownValues | None = None) -> Masked:
    redactor = _Redactor(known)
    return Masked(redactor.redact(text), redactor.mapping)


def unmask(text: str, mapping: Mapping[str, str]) -> str:
    """`text` with the placeholders of `mapping` replaced by their values; any other text,
    including placeholders the mapping does not know, stays as it is."""
    if not mapping:
        return text
    return PLACEHOLDER.sub(lambda found: mapping.get(found.group(), found.group()), text)


def mask_json(value: JsonValue, known: KnownValues | None = None) -> MaskedJson:
    """Masks the strings of dicts and lists (figures a feature sends): numbers, booleans and
    None pass as they are, tuples become lists."""
    redactor = _Redactor(known)
    return MaskedJson(redactor.redact_json(value), redactor.mapping)


def unmask_json(value: JsonValue, mapping: Mapping[str, str]) -> JsonValue:
    if isinstance(value, str):
        return unmask(value, mapping)
    if isinstance(value, dict):
        return {unmask(k, mapping): unmask_json(v, mapping) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unmask_json(item, mapping) for item in value]
    return value


class _Redactor:
    """Placeholders for one call: the same value always gets the same one, numbered per kind in
    the order the values first appear."""

    def __init__(self, known: KnownValues | None) -> None:
        self._known = known or None
        self._placeholders: dict[str, str] = {}
        self._counts: dict[PiiKind, int] = {}
        self._values: dict[str, str] = {}
        self.mapping: Mapping[str, str] = MappingProxyType(self._values)

    def redact(self, text: str) -> str:
        pieces: list[str] = []
        copied_up_to = 0
        for span in find_personal_data(text, self._known):
            pieces.append(text[copied_up_to : span.start])
            pieces.append(self._placeholder(text[span.start : span.end], span.kind))
            copied_up_to = span.end
        if not pieces:
            return text
        pieces.append(text[copied_up_to:])
        return "".join(pieces)

    def redact_json(self, value: JsonValue) -> JsonValue:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {self.redact(k): self.redact_json(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.redact_json(item) for item in value]
        return value

    def _placeholder(self, value: str, kind: PiiKind) -> str:
        placeholder = self._placeholders.get(value)
        if placeholder is None:
            number = self._counts[kind] = self._counts.get(kind, 0) + 1
            placeholder = f"[REDACTED_{kind.value}_{number}]"
            self._placeholders[value] = placeholder
            self._values[placeholder] = value
        return placeholder


@dataclass(frozen=True)
class MaskedTexts:
    """Several texts of one call masked with one mapping (the `Redaction` of the AI port)."""

    texts: tuple[str, ...]
    mapping: Mapping[str, str]

    def restore(self, text: str) -> str:
        return unmask(text, self.mapping)


class PiiMasking:
    """The `Masking` of the AI port: `known` holds the names and addresses of the customers the
    call is about, told apart by `KnownValues.classify`."""

    def mask(self, texts: Sequence[str], known: Sequence[str]) -> MaskedTexts:
        redactor = _Redactor(KnownValues.classify(known))
        masked = tuple(redactor.redact(text) for text in texts)
        return MaskedTexts(masked, redactor.mapping)

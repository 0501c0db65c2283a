"""Voucher codes: how a batch's usernames and passwords are drawn, and hotspot durations.

Codes come from a cryptographic random source, so nobody can guess the next one from a printed
sheet. Uniqueness within a tenant is not decided here but in the event store, where each code
is the id of its voucher (see `Voucher.id_for`); a code found taken there is drawn again on its
own (`redraw_taken`), the rest of its batch stays as drawn.

A code space is every code of one shape: the prefix, then `length` characters of the set. At
most 1/SPACE_FACTOR of it may ever be used, whichever batches drew the codes, so a guessed code
rarely hits a real one and a fresh draw rarely hits a taken one.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from domain.shared.errors import DomainError, InvalidValue

MAX_BATCH = 100_000
MIN_LENGTH, MAX_LENGTH = 3, 16
MAX_PREFIX = 8
# At most 1/SPACE_FACTOR of a code space may be used, by one batch or by all of them together,
# so drawing stays quick and a guessed code rarely hits a real one.
SPACE_FACTOR = 20

_DIGITS = "23456789"  # 0 and 1 read like O and l on a printed sheet
_LOWER = "abcdefghjkmnpqrstuvwxyz"  # no i, l, o
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
CHARSETS: dict[str, str] = {
    "numeric": "0123456789",
    "lower": _LOWER,
    "upper": _UPPER,
    "lower_numeric": _LOWER + _DIGITS,
    "upper_numeric": _UPPER + _DIGITS,
    "mixed": _LOWER + _UPPER + _DIGITS,
}
_PREFIX = re.compile(r"^[A-Za-z0-9]*$")
_DURATION = re.compile(r"(\d+)([wdhms])")
_SIZE = re.compile(r"(\d+)([kmg]?)b?")
_UNIT_BYTES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_UNIT_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}


class CodeMode(StrEnum):
    VOUCHER = "vc"  # username = password: one code to type
    USER_AND_PASSWORD = "up"  # a username and a separate password  # noqa: S105


@dataclass(frozen=True)
class CodeSpec:
    """How a batch's codes look: mode, length of the random part, character set, prefix."""

    mode: CodeMode
    length: int
    charset: str
    prefix: str = ""

    @classmethod
    def of(cls, mode: str, length: int, charset: str, prefix: str = "") -> CodeSpec:
        try:
            code_mode = CodeMode(mode)
        except ValueError:
            raise InvalidValue(f"mode must be vc or up, got {mode!r}", field="mode") from None
        if isinstance(length, bool) or not MIN_LENGTH <= length <= MAX_LENGTH:
            raise InvalidValue(
                f"length must be {MIN_LENGTH}-{MAX_LENGTH}, got {length!r}", field="length"
            )
        if charset not in CHARSETS:
            known = ", ".join(CHARSETS)
            raise InvalidValue(f"charset must be one of {known}, got {charset!r}", field="charset")
        prefix = (prefix or "").strip()
        if len(prefix) > MAX_PREFIX or not _PREFIX.match(prefix):
            raise InvalidValue(
                f"prefix must be up to {MAX_PREFIX} letters or digits, got {prefix!r}",
                field="prefix",
            )
        return cls(code_mode, length, charset, prefix)

    @property
    def alphabet(self) -> str:
        return CHARSETS[self.charset]

    @property
    def space(self) -> int:
        """How many codes have this shape (the prefix, the same in all of them, adds none)."""
        return int(len(self.alphabet) ** self.length)

    @property
    def capacity(self) -> int:
        """How many codes of this shape may be used at most, by all batches together."""
        return self.space // SPACE_FACTOR

    def holds(self, username: str) -> bool:
        """Whether `username` has this shape, whichever batch drew it."""
        body = username[len(self.prefix) :]
        return (
            username.startswith(self.prefix)
            and len(body) == self.length
            and all(c in self.alphabet for c in body)
        )


def _grouped(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class CodeSpaceExhausted(DomainError):
    """A batch would take its code space past the share that may be used."""

    code = "CODE_SPACE_EXHAUSTED"

    def __init__(self, spec: CodeSpec, used: int, requested: int) -> None:
        self.space, self.used, self.requested = spec.space, used, requested
        after = f" after {spec.prefix!r}" if spec.prefix else ""
        super().__init__(
            f"no room for {_grouped(requested)} more codes of {spec.length} {spec.charset} "
            f"characters{after}: that space holds {_grouped(spec.space)} codes, "
            f"{_grouped(used)} are used and at most {_grouped(spec.capacity)} "
            f"(1/{SPACE_FACTOR}) may be; use a longer length, a larger character set or "
            "another prefix",
            field="length",
        )


def check_room(spec: CodeSpec, used: int, requested: int) -> None:
    """Refuse a batch of `requested` codes when `used` codes of its shape leave no room."""
    if used + requested > spec.capacity:
        raise CodeSpaceExhausted(spec, used, requested)


def check_quantity(quantity: int, spec: CodeSpec | None = None) -> int:
    """A batch holds 1 to 100,000 vouchers and must fit its code space with room to spare."""
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or not 1 <= quantity <= MAX_BATCH
    ):
        raise InvalidValue(
            f"quantity must be 1-{MAX_BATCH:,}, got {quantity!r}".replace(",", "."),
            field="quantity",
        )
    if spec is not None and quantity > spec.capacity:
        raise InvalidValue(
            f"{quantity} codes of {spec.length} {spec.charset} characters would be too easy to "
            "guess and to collide; use a longer length or a larger character set",
            field="length",
        )
    return quantity


Draw = Callable[[str, int], str]


def _secure_draw(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def draw_codes(
    spec: CodeSpec,
    count: int,
    taken: set[str] | frozenset[str] = frozenset(),
    draw: Draw | None = None,
) -> list[tuple[str, str]]:
    """`count` (username, password) pairs whose usernames differ from each other and `taken`."""
    used = sum(1 for username in taken if spec.holds(username))
    if used + count > spec.space:  # drawing would never end
        raise CodeSpaceExhausted(spec, used, count)
    pick = draw or _secure_draw
    usernames: set[str] = set()
    pairs: list[tuple[str, str]] = []
    while len(pairs) < count:
        username = spec.prefix + pick(spec.alphabet, spec.length)
        if username in usernames or username in taken:
            continue
        usernames.add(username)
        password = (
            username if spec.mode is CodeMode.VOUCHER else pick(spec.alphabet, max(spec.length, 4))
        )
        pairs.append((username, password))
    return pairs


def redraw_taken(
    spec: CodeSpec,
    pairs: list[tuple[str, str]],
    taken: set[str] | frozenset[str],
    draw: Draw | None = None,
) -> list[tuple[str, str]]:
    """`pairs` with a new pair in place of each whose username is `taken`; the others stay as
    they are, so a collision costs only the colliding codes."""
    kept = {username for username, _ in pairs if username not in taken}
    fresh = iter(draw_codes(spec, len(pairs) - len(kept), set(taken) | kept, draw))
    return [pair if pair[0] in kept else next(fresh) for pair in pairs]


def parse_duration(raw: str | None, field: str) -> int | None:
    """`"30d"`, `"3h"`, `"1d12h"`, `"90m"` as seconds; empty means no limit."""
    text = (raw or "").strip().lower().replace(" ", "")
    if not text:
        return None
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidValue(
            f"{field} must be a duration such as 30d, 3h, 1d12h or 90m, got {raw!r}", field=field
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)
    if seconds <= 0:
        raise InvalidValue(f"{field} must be longer than zero", field=field)
    return seconds


def routeros_duration(seconds: int | None) -> str | None:
    """Seconds as RouterOS writes a duration (`1d2h30m`); None stays None."""
    if seconds is None:
        return None
    parts = []
    for unit in ("w", "d", "h", "m", "s"):
        amount, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def parse_size(raw: str | None, field: str) -> int | None:
    """`"500M"`, `"2G"`, `"750MB"` as bytes (binary units, as RouterOS counts); empty is none."""
    text = (raw or "").strip().lower().replace(" ", "")
    if not text:
        return None
    match = _SIZE.fullmatch(text)
    if match is None or int(match[1]) <= 0:
        raise InvalidValue(f"{field} must be a size such as 500M or 2G, got {raw!r}", field=field)
    return int(match[1]) * _UNIT_BYTES[match[2]]

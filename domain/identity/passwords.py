"""What a password must be: long enough, not too long, not the person's own e-mail or name,
and not one of the passwords people choose most often.

The common passwords are the 1,000 most frequent of at least ten characters (shorter ones are
refused by length already) in zxcvbn's frequency list (MIT licence), shipped as package data."""

from __future__ import annotations

from functools import cache
from importlib import resources

from domain.shared.errors import InvalidValue
from domain.shared.text import problem_in

MIN_LENGTH = 10
MAX_LENGTH = 128


def check_password(password: str, *, email: str, name: str, field: str = "password") -> str:
    """The password, or `InvalidValue` naming `field` and saying why it is refused."""
    reason = _weakness(password, email=email, name=name)
    if reason:
        raise InvalidValue(f"{field} {reason}", field=field)
    return password


def _weakness(password: str, *, email: str, name: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    unstorable = problem_in(password, multiline=False, max_length=MAX_LENGTH)
    if unstorable:
        return unstorable
    folded = " ".join(password.casefold().split())
    if folded in _own_words(email, name):
        return "must not be your e-mail address or your name"
    if folded in common_passwords():
        return "is one of the most common passwords; choose another"
    return None


def _own_words(email: str, name: str) -> set[str]:
    address = email.casefold()
    return {address, address.split("@")[0], " ".join(name.casefold().split())}


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())

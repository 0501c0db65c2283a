"""Password hashes with argon2id (argon2-cffi, RFC 9106's low-memory parameters: 64 MiB, three
passes, four lanes): slow to guess offline, each hash with its own salt and parameters."""

from __future__ import annotations

from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def _bytes(password: str) -> bytes:
    # Whatever a client sends is hashed, even text no event could store (it never is stored).
    return password.encode("utf-8", "surrogatepass")


class Argon2Passwords:
    """Implements the identity area's PasswordHasher."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()

    def hash(self, password: str) -> str:
        return self._hasher.hash(_bytes(password))

    def verify(self, secret_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(secret_hash, _bytes(password))
        except (VerificationError, InvalidHashError):
            return False

    def waste_time(self) -> None:
        self.verify(self._nobodys, "not a password anyone has")

    @cached_property
    def _nobodys(self) -> str:
        return self.hash("the hash of an account that does not exist")

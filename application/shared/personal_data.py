"""Per-subject encryption of personal data, so forgetting a person is destroying one key."""

from __future__ import annotations

import base64
import json
import os
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, Protocol
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.shared.errors import PersonalDataErased
from domain.shared.personal_data import FORGOTTEN

_PREFIX = "pd1:"


class PersonalDataKeys(Protocol):
    """Port: where each data subject's key lives (next to that subject's events)."""

    def fetch(self, subjects: Iterable[UUID]) -> dict[UUID, bytes | None]:
        """Keys of the given subjects; None for a subject whose key was destroyed.

        Subjects that never had a key are absent from the result.
        """

    def create(self, subject: UUID, key: bytes) -> bytes:
        """Store a key for the subject unless one exists; return the stored key."""

    def destroy(self, subject: UUID) -> None:
        """Destroy the subject's key for good, leaving a tombstone."""


class PersonalDataCipher:
    """Encrypts and decrypts personal fields with the subject's key, caching keys it has seen."""

    def __init__(self, keys: PersonalDataKeys, cache_size: int = 50_000) -> None:
        self._keys = keys
        self._cache: OrderedDict[UUID, bytes | None] = OrderedDict()
        self._cache_size = cache_size
        # The cipher of the subject used last: an event's fields share one subject, and building
        # a cipher per field was a third of decoding. Only one: each holds ~2.5 KB of state.
        self._last: tuple[UUID, AESGCM] | None = None

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        missing = {s for s in subjects if s not in self._cache}
        if missing:
            for subject, key in self._keys.fetch(missing).items():
                self._remember(subject, key)

    def encrypt(self, subject: UUID, value: Any) -> str:
        cipher = self._cipher(subject, create=True)
        if cipher is None:
            raise PersonalDataErased(f"personal data of {subject} has been erased")
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, json.dumps(value).encode(), subject.bytes)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, subject: UUID, token: Any) -> Any:
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            return token
        cipher = self._cipher(subject, create=False)
        if cipher is None:
            return FORGOTTEN
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
        return json.loads(cipher.decrypt(raw[:12], raw[12:], subject.bytes).decode())

    def forget(self, subject: UUID) -> None:
        self._keys.destroy(subject)
        self._remember(subject, None)

    def evict(self, subject: UUID) -> None:
        """Drop a cached key so the next use asks the store (another process may have erased it)."""
        self._cache.pop(subject, None)
        self._last = None

    def _cipher(self, subject: UUID, *, create: bool) -> AESGCM | None:
        last = self._last
        if last is not None and last[0] == subject:
            return last[1]
        key = self._key(subject, create=create)
        if key is None:
            return None
        cipher = AESGCM(key)
        self._last = (subject, cipher)
        return cipher

    def _key(self, subject: UUID, *, create: bool) -> bytes | None:
        if subject not in self._cache:
            if create:
                # No look-up first: `create` returns the key a subject already has (or refuses a
                # forgotten one), so a new customer costs one round trip, not two.
                self._remember(subject, self._keys.create(subject, AESGCM.generate_key(256)))
            else:
                self.prefetch([subject])
        return self._cache.get(subject)

    def _remember(self, subject: UUID, key: bytes | None) -> None:
        self._cache[subject] = key
        self._cache.move_to_end(subject)
        self._last = None
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

"""Sealing credentials Niaga must give back to other systems (router API and PPP passwords).

Unlike personal data these are not forgotten per person: one platform key seals them all, and
it comes from settings (NIAGA_SECRET_KEY), never from the database that holds what it seals.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.shared.errors import ApplicationError
from domain.shared.text import check_text

_PREFIX = "sb1:"


class SecretKeyError(ApplicationError):
    code = "SECRET_KEY"


def is_sealed(value: str) -> bool:
    """Whether a value is a secret sealed by a SecretBox."""
    return value.startswith(_PREFIX)


def new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(256)).decode()


class SecretBox:
    def __init__(self, key: str) -> None:
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError) as error:
            raise SecretKeyError("NIAGA_SECRET_KEY is not base64") from error
        if len(raw) != 32:
            raise SecretKeyError("NIAGA_SECRET_KEY must be 32 bytes, base64-encoded")
        self._aead = AESGCM(raw)

    def seal(self, plaintext: str, field: str = "secret") -> str:
        """The secret encrypted; InvalidValue naming `field` if it is no single line of text
        another system could be given (NUL, control characters, lone surrogates)."""
        check_text(plaintext, field, multiline=False)
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), None)
        return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str) -> str:
        if not token.startswith(_PREFIX):
            raise SecretKeyError("not a sealed secret")
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode())
        try:
            return self._aead.decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag as error:
            raise SecretKeyError("sealed with another NIAGA_SECRET_KEY") from error

"""The platform operator's API keys: `nop_<key id>_<secret>`, a principal apart from every
tenant's keys (`nk_...`). The operator acts for no tenant and holds only the platform's own
permission, so its key reaches the operator's console and nothing of a tenant's.

Keys are made and revoked on the command line (`niaga platform operator-key ...`), never over
the API; only a SHA-256 of the secret is kept, as for tenants' keys."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from application.platform import api_keys
from application.shared.context import NO_TENANT, Actor, ActorKind, Principal
from application.shared.errors import AuthenticationFailed, NotFound
from domain.shared.errors import InvalidValue
from domain.shared.roles import PlatformRole
from domain.shared.text import check_line

PREFIX = "nop"
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class OperatorKeyRecord:
    key_id: str
    name: str
    secret_hash: str
    created_at: datetime
    revoked: bool


@dataclass(frozen=True)
class IssuedOperatorKey:
    key_id: str
    name: str
    token: str  # shown once, never stored


class OperatorKeyStore(Protocol):
    """Where the operator's keys are kept (the platform schema's `operator_keys`)."""

    def add(self, key_id: str, name: str, secret_hash: str) -> bool:
        """Keep a new key; False when a key of that name exists (revoked or not)."""

    def find(self, key_id: str) -> OperatorKeyRecord | None: ...

    def revoke(self, name: str) -> bool:
        """Revoke the named key; False when there is no such key still valid."""


def is_operator_token(token: str) -> bool:
    """Whether a bearer token is an operator's key (else it is a tenant's, or malformed)."""
    return token.strip().startswith(f"{PREFIX}_")


class OperatorKeys:
    """Makes, revokes and authenticates the operator's keys."""

    def __init__(self, store: OperatorKeyStore) -> None:
        self._store = store

    def create(self, name: str) -> IssuedOperatorKey:
        """A new key named `name` (who holds it: a person or a tool); the token is shown once."""
        name = check_line(name, "name", max_length=MAX_NAME_LENGTH)
        if not name:
            raise InvalidValue("an operator key needs a name", field="name")
        new_key = api_keys.generate()
        if not self._store.add(new_key.key_id, name, new_key.secret_hash):
            raise InvalidValue(f"an operator key named {name!r} exists already", field="name")
        secret = new_key.token.split("_", 2)[2]
        return IssuedOperatorKey(new_key.key_id, name, f"{PREFIX}_{new_key.key_id}_{secret}")

    def revoke(self, name: str) -> None:
        if not self._store.revoke(name):
            raise NotFound(f"no valid operator key named {name!r}", field="name")

    def authenticate(self, token: str) -> Principal:
        """The operator's principal for a valid key, or the reason it is refused."""
        key_id, secret = _parse(token)
        record = self._store.find(key_id)
        if record is None or not hmac.compare_digest(
            api_keys.hash_secret(secret), record.secret_hash
        ):
            raise AuthenticationFailed("unknown API key")
        if record.revoked:
            raise AuthenticationFailed("this API key has been revoked")
        return Principal(NO_TENANT, PlatformRole.OPERATOR, Actor(ActorKind.OPERATOR, key_id))


def _parse(token: str) -> tuple[str, str]:
    parts = token.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        raise AuthenticationFailed("malformed API key: expected nop_<id>_<secret>")
    return parts[1], parts[2]

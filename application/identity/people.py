"""Loading people and sessions from the platform store, and saving them with who and why.

People and their sessions live in the platform store whatever their tenants' tiers: a person
may belong to several tenants. Each save records the tenant it concerns, so a sign-in shows in
that tenant's audit log."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from application.identity.ports import EmailClaimIds
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import ConcurrentModification, NotFound, PermissionDenied
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from domain.identity.email_claim import EmailClaim
from domain.identity.errors import SessionEnded
from domain.identity.person import Person
from domain.identity.session import Session
from domain.shared.roles import Role

ACCESS_LIFETIME = timedelta(minutes=15)
SESSION_IDLE_LIFETIME = timedelta(days=30)  # a refresh token unused this long opens nothing
# Who acts before anyone proved who they are: failed sign-ins, links asked for by address.
SIGN_IN = Actor(ActorKind.SYSTEM, "sign-in")
_SECRET_BYTES = 32


def person_actor(person_id: UUID) -> Actor:
    return Actor(ActorKind.PERSON, str(person_id))


@dataclass(frozen=True)
class SignedInPerson:
    """Who a person's principal is: the person and the session its access token belongs to."""

    person_id: UUID
    session_id: UUID


def signed_in_person(principal: Principal) -> SignedInPerson:
    if principal.actor.kind is not ActorKind.PERSON or principal.session_id is None:
        raise PermissionDenied("only a person signed in with an access token may do this")
    return SignedInPerson(UUID(principal.actor.id), principal.session_id)


@dataclass(frozen=True)
class SessionTokens:
    """What a sign-in, a refresh or a switch of tenant hands the client. `refresh_token` is
    None after a switch of tenant: the one the client holds goes on."""

    person_id: UUID
    tenant_id: UUID
    role: Role
    session_id: UUID
    access_token: str
    access_expires_at: datetime
    refresh_token: str | None


def new_refresh_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(_SECRET_BYTES)).decode().rstrip("=")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def refresh_token(session_id: UUID, secret: str) -> str:
    return f"{session_id}.{secret}"


def parse_refresh_token(token: str) -> tuple[UUID, str]:
    """The session and the secret of `<session id>.<secret>`; SessionEnded when malformed."""
    session, _, secret = token.strip().partition(".")
    try:
        session_id = UUID(session)
    except ValueError:
        raise SessionEnded("malformed refresh token") from None
    if len(secret) != 43 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in secret):
        raise SessionEnded("malformed refresh token")
    return session_id, secret


class People:
    """The platform store's people, their address claims and their sessions."""

    def __init__(self, stores: Stores, sync: ReadModelSync, claim_ids: EmailClaimIds) -> None:
        self._stores = stores
        self._sync = sync
        self._claim_ids = claim_ids

    def claim_id(self, email: str) -> UUID:
        return self._claim_ids.claim_id(email)

    def by_email(self, email: str) -> Person | None:
        """The person whose account has this (normalised) address, if any."""
        claim = find(self._stores.platform(), EmailClaim, self.claim_id(email))
        return None if claim is None else self.find(claim.person_id)

    def find(self, person_id: UUID) -> Person | None:
        return find(self._stores.platform(), Person, person_id)

    def person(self, person_id: UUID) -> Person:
        found = self.find(person_id)
        if found is None:
            raise NotFound(f"no person {person_id}", field="id")
        return found

    def session(self, session_id: UUID) -> Session:
        found = find(self._stores.platform(), Session, session_id)
        if found is None:
            raise SessionEnded("unknown session")
        return found

    def save(
        self, command: str, actor: Actor, tenant_id: UUID | None, *aggregates: Aggregate
    ) -> None:
        """Save atomically, recorded for the tenant it concerns (none: a person who belongs to
        no business); a concurrent writer got there first: ConcurrentModification (the command
        runs again on fresh state)."""
        platform = self._stores.platform()
        with recording(command, actor=actor, tenant_id=tenant_id):
            try:
                position = platform.save_and_locate(*aggregates)
            except IntegrityError as error:
                raise ConcurrentModification("changed meanwhile; try again") from error
        self._sync.wait(platform, position)

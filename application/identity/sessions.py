"""Signing in and out: sessions with short-lived access tokens and rotating refresh tokens.

A failed sign-in is recorded on the person (the lockout is derived from those events), so it
comes back as an outcome, not an exception: what was recorded stays recorded."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.identity.links import LinkMail
from application.identity.people import (
    ACCESS_LIFETIME,
    SESSION_IDLE_LIFETIME,
    SIGN_IN,
    People,
    SessionTokens,
    new_refresh_secret,
    parse_refresh_token,
    person_actor,
    refresh_token,
    secret_hash,
    signed_in_person,
)
from application.identity.ports import (
    AccessClaims,
    AccessTokenCodec,
    IdentityReadModels,
    LinkPurpose,
    PasswordHasher,
    SessionRevocations,
)
from application.shared.clock import Clock
from application.shared.context import Actor, Principal
from domain.identity.errors import SessionEnded, SignInRefused
from domain.identity.person import Person, SignInMethod, normalise_email
from domain.identity.session import Refresh, RevokeReason, Session


@dataclass(frozen=True)
class Refused:
    """A refusal that was recorded (a failed sign-in, a reused refresh token): `retry_after`
    seconds when the account is now locked."""

    code: str
    message: str
    retry_after: int | None = None


class SignIns:
    """Opens sessions (password, magic link), refreshes, switches tenant and ends them."""

    def __init__(
        self,
        people: People,
        passwords: PasswordHasher,
        access_tokens: AccessTokenCodec,
        links: LinkMail,
        read_models: IdentityReadModels,
        revocations: SessionRevocations,
        clock: Clock,
    ) -> None:
        self._people = people
        self._passwords = passwords
        self._access_tokens = access_tokens
        self._links = links
        self._read_models = read_models
        self._revocations = revocations
        self._clock = clock

    def sign_in(self, email: str, password: str, tenant_id: UUID | None) -> SessionTokens | Refused:
        """A session at the tenant named (or the person's only one). An unknown address and a
        wrong password get the same answer, in about the same time."""
        person = self._people.by_email(normalise_email(email))
        if person is None:
            self._passwords.waste_time()
            raise SignInRefused("wrong e-mail address or password")
        audit_tenant = tenant_id if tenant_id in person.memberships else person.first_tenant()
        refused = self.check_password(person, password, audit_tenant)
        if refused is not None:
            return refused
        return self.open(person, person.tenant_to_enter(tenant_id), SignInMethod.PASSWORD)

    def check_password(
        self, person: Person, password: str, audit_tenant: UUID | None
    ) -> Refused | None:
        """None when `password` is the person's. A wrong one is recorded as a failed sign-in
        (in `audit_tenant`'s audit log; the lockout counts it); while locked, none is tried."""
        person.refuse_while_locked(self._clock.now())
        if self._passwords.verify(person.secret_hash, password):
            return None
        return self._failed(person, audit_tenant)

    def request_magic_link(self, email: str) -> None:
        """E-mail a sign-in link if the address has an account; the same answer either way.
        A person who belongs to no business has nothing to sign in to, and gets none."""
        person = self._people.by_email(normalise_email(email))
        tenant_id = None if person is None else person.first_tenant()
        if person is not None and tenant_id is not None:
            self._links.send(person, tenant_id, LinkPurpose.MAGIC_LINK, SIGN_IN)

    def sign_in_with_magic_link(self, token: str) -> SessionTokens:
        """A session at the tenant the link was sent for; the link is then used up. It also
        ends a lockout: whoever opened it reads the person's mail."""
        claims = self._links.read(token, LinkPurpose.MAGIC_LINK)
        person = self._people.person(claims.subject_id)
        return self.open(person, claims.tenant_id, SignInMethod.MAGIC_LINK, claims.link_id)

    def refresh(self, token: str) -> SessionTokens | Refused:
        """New tokens for a session; its refresh token is good once. One shown again ends the
        whole session at once."""
        session_id, secret = parse_refresh_token(token)
        session = self._people.session(session_id)
        now, next_secret = self._clock.now(), new_refresh_secret()
        outcome = session.refresh(
            secret_hash(secret), secret_hash(next_secret), now, now + SESSION_IDLE_LIFETIME
        )
        actor = person_actor(session.person_id)
        if outcome is Refresh.REUSED:
            self._people.save("RefreshSession", actor, session.tenant_id, session)
            self._revocations.revoked_here([session.id])
            return Refused(
                SessionEnded.code,
                "this refresh token was used already: the session has ended, sign in again",
            )
        person = self._people.person(session.person_id)
        person.role_in(session.tenant_id)
        self._people.save("RefreshSession", actor, session.tenant_id, session)
        return self._tokens(session, person, refresh_token(session.id, next_secret))

    def switch_tenant(self, principal: Principal, tenant_id: UUID) -> SessionTokens:
        """An access token of the same session at another tenant the person belongs to; the
        session's next refreshes are for that tenant."""
        who = signed_in_person(principal)
        person = self._people.person(who.person_id)
        person.role_in(tenant_id)
        session = self._people.session(who.session_id)
        session.switch_tenant(tenant_id)
        if session.pending_events:
            self._people.save("SwitchTenant", principal.actor, tenant_id, session)
        return self._tokens(session, person, None)

    def sign_out(self, principal: Principal) -> int:
        """End the session of this access token; its tokens stop working at once."""
        who = signed_in_person(principal)
        return self.end(
            [who.session_id], RevokeReason.SIGNED_OUT, principal.tenant_id, who.person_id
        )

    def sign_out_everywhere(self, principal: Principal) -> int:
        """End every session of the person, this one too."""
        who = signed_in_person(principal)
        sessions = {who.session_id, *self._read_models.open_sessions(who.person_id, self._now())}
        reason = RevokeReason.SIGNED_OUT_EVERYWHERE
        return self.end(list(sessions), reason, principal.tenant_id, who.person_id)

    def end(
        self,
        session_ids: list[UUID],
        reason: RevokeReason,
        tenant_id: UUID,
        person_id: UUID,
        *with_them: Aggregate,
        by: Actor | None = None,
        command: str | None = None,
    ) -> int:
        """Revoke these sessions (and save `with_them` in the same transaction), by the person
        unless `by` says who; how many were still open."""
        ended = [s for s in map(self._people.session, session_ids) if s.revoke(reason)]
        if command is None:
            signed_out = reason is RevokeReason.SIGNED_OUT
            command = "SignOut" if signed_out else f"End sessions: {reason}"
        if ended or with_them:
            actor = by or person_actor(person_id)
            self._people.save(command, actor, tenant_id, *with_them, *ended)
        self._revocations.revoked_here(s.id for s in ended)
        return len(ended)

    def open_sessions(self, person_id: UUID) -> list[UUID]:
        return self._read_models.open_sessions(person_id, self._now())

    def _failed(self, person: Person, audit_tenant: UUID | None) -> Refused:
        now = self._clock.now()
        person.sign_in_failed(now)
        self._people.save("SignIn", SIGN_IN, audit_tenant, person)
        locked = person.lock_remaining(now)
        if locked is None:
            return Refused(SignInRefused.code, "wrong e-mail address or password")
        message = "wrong e-mail address or password; too many failures: wait before trying again"
        return Refused("TOO_MANY_ATTEMPTS", message, max(1, round(locked.total_seconds())))

    def open(
        self,
        person: Person,
        tenant_id: UUID,
        method: SignInMethod,
        link_id: str | None = None,
        *,
        command: str = "SignIn",
        with_them: Sequence[Aggregate] = (),
    ) -> SessionTokens:
        """A new session of the person at the tenant, saved with `with_them` in one
        transaction."""
        now, secret = self._clock.now(), new_refresh_secret()
        session_id = uuid.uuid4()
        person.signed_in(session_id, tenant_id, method, link_id)
        session = Session.start(
            session_id,
            person.id,
            tenant_id,
            method.value,
            secret_hash(secret),
            now + SESSION_IDLE_LIFETIME,
        )
        actor = person_actor(person.id)
        self._people.save(command, actor, tenant_id, person, session, *with_them)
        return self._tokens(session, person, refresh_token(session_id, secret))

    def _tokens(self, session: Session, person: Person, refresh: str | None) -> SessionTokens:
        """Tokens naming the person's role at the session's tenant (and custom role, if any)."""
        now, tenant_id = self._clock.now(), session.tenant_id
        claims = AccessClaims(
            session.person_id,
            tenant_id,
            person.role_in(tenant_id),
            session.id,
            now,
            now + ACCESS_LIFETIME,
            person.custom_role_in(tenant_id),
        )
        return SessionTokens(
            claims.person_id,
            claims.tenant_id,
            claims.role,
            claims.session_id,
            self._access_tokens.encode(claims),
            claims.expires_at,
            refresh,
        )

    def _now(self) -> datetime:
        return self._clock.now()

"""Links sent by e-mail: verifying an address, signing in without a password, resetting one.

A link carries a signed token (its own key, apart from access tokens'), valid once and for a
while: 48 hours to verify an address, 15 minutes to sign in or reset a password. The link and
the person's name are sealed in the e-mail's record, so neither the event log nor the audit
log shows a usable link."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from application.identity.ports import EmailRequests, LinkClaims, LinkPurpose, LinkTokenCodec
from application.shared.clock import Clock
from application.shared.context import Actor
from application.shared.ports import Stores
from application.shared.tenancy import tenant_of
from domain.identity.errors import LinkRefused
from domain.identity.person import Person
from domain.shared.local_time import shown_time

LIFETIMES = {
    LinkPurpose.VERIFY_EMAIL: timedelta(hours=48),
    LinkPurpose.MAGIC_LINK: timedelta(minutes=15),
    LinkPurpose.RESET_PASSWORD: timedelta(minutes=15),
}
TEMPLATES = {
    LinkPurpose.VERIFY_EMAIL: "email_verification",
    LinkPurpose.MAGIC_LINK: "sign_in_link",
    LinkPurpose.RESET_PASSWORD: "password_reset",
}
# Paths of the web client at NIAGA_PUBLIC_URL that take the token and call the mutation.
PATHS = {
    LinkPurpose.VERIFY_EMAIL: "akun/verifikasi",
    LinkPurpose.MAGIC_LINK: "akun/masuk",
    LinkPurpose.RESET_PASSWORD: "akun/sandi-baru",
}


class LinkMail:
    """Makes a link, e-mails it, and reads it back when it is used."""

    def __init__(
        self,
        tokens: LinkTokenCodec,
        emails: EmailRequests,
        stores: Stores,
        clock: Clock,
        public_url: str,
    ) -> None:
        self._tokens = tokens
        self._emails = emails
        self._stores = stores
        self._clock = clock
        self._base = public_url.rstrip("/")

    def send(self, person: Person, tenant_id: UUID, purpose: LinkPurpose, actor: Actor) -> str:
        """E-mail the person a new link for `purpose`, in the tenant's name; its token."""
        link_id = uuid.uuid4()
        expires_at = self._clock.now() + LIFETIMES[purpose]
        claims = LinkClaims(
            purpose, person.id, tenant_id, str(link_id), expires_at, person.password_version
        )
        token = self._tokens.encode(claims)
        variables = {
            "nama": str(person.name),
            "tautan": f"{self._base}/{PATHS[purpose]}?token={token}",
            "berlaku_sampai": self._shown(tenant_id, expires_at),
        }
        self._emails.request(
            tenant_id,
            actor,
            str(person.email),
            TEMPLATES[purpose],
            variables,
            link_id,
            purpose.value,
            sealed=("nama", "tautan"),
        )
        return token

    def read(self, token: str, purpose: LinkPurpose) -> LinkClaims:
        """The claims of a link for `purpose` still valid now; LinkRefused otherwise (whether
        it was used is the person's to say)."""
        claims = self._tokens.decode(token.strip())
        if claims.purpose is not purpose:
            raise LinkRefused(f"this is not a {purpose.value.replace('_', ' ')} link")
        if self._clock.now() >= claims.expires_at:
            raise LinkRefused("this link has expired: ask for a new one")
        return claims

    def _shown(self, tenant_id: UUID, instant: datetime) -> str:
        return shown_time(instant, tenant_of(self._stores, tenant_id).timezone)

"""Links sent by e-mail: verifying an address, signing in without a password, resetting one,
joining a business by invitation.

A link carries a signed token (its own key, apart from access tokens'), valid once and for a
while: 48 hours to verify an address, 15 minutes to sign in or reset a password, 7 days to
accept an invitation. The link and people's names are sealed in the e-mail's record, so
neither the event log nor the audit log shows a usable link."""

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
    LinkPurpose.INVITATION: timedelta(days=7),
}
TEMPLATES = {
    LinkPurpose.VERIFY_EMAIL: "email_verification",
    LinkPurpose.MAGIC_LINK: "sign_in_link",
    LinkPurpose.RESET_PASSWORD: "password_reset",
    LinkPurpose.INVITATION: "invitation",
}
# Paths of the web client at NIAGA_PUBLIC_URL that take the token and call the mutation.
PATHS = {
    LinkPurpose.VERIFY_EMAIL: "akun/verifikasi",
    LinkPurpose.MAGIC_LINK: "akun/masuk",
    LinkPurpose.RESET_PASSWORD: "akun/sandi-baru",
    LinkPurpose.INVITATION: "akun/undangan",
}
# Opened only to write the e-mail: the link itself, and people's names.
SEALED = ("nama", "tautan", "pengundang")


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
        link = self.new(purpose, person.id, tenant_id, person.password_version)
        return self.mail(link, str(person.email), {"nama": str(person.name)}, actor)

    def new(
        self, purpose: LinkPurpose, subject_id: UUID, tenant_id: UUID, password_version: int = 0
    ) -> LinkClaims:
        """A new link's claims (its own id, valid from now for its purpose's lifetime), for a
        command that records them before the link is mailed."""
        expires_at = self._clock.now() + LIFETIMES[purpose]
        return LinkClaims(
            purpose, subject_id, tenant_id, str(uuid.uuid4()), expires_at, password_version
        )

    def mail(self, link: LinkClaims, to: str, variables: dict[str, str], actor: Actor) -> str:
        """E-mail `link` to the address `to` in its tenant's name, with the template's other
        `variables`; its token."""
        token = self._tokens.encode(link)
        variables = {
            **variables,
            "tautan": f"{self._base}/{PATHS[link.purpose]}?token={token}",
            "berlaku_sampai": self._shown(link.tenant_id, link.expires_at),
        }
        self._emails.request(
            link.tenant_id,
            actor,
            to,
            TEMPLATES[link.purpose],
            variables,
            UUID(link.link_id),
            link.purpose.value,
            sealed=SEALED,
        )
        return token

    def claims(self, token: str, purpose: LinkPurpose) -> LinkClaims:
        """The claims of a link for `purpose` signed with this platform's key, expired or not;
        LinkRefused otherwise (for an invitation, the invitation says whether it is valid)."""
        claims = self._tokens.decode(token.strip())
        if claims.purpose is not purpose:
            raise LinkRefused(f"this is not a {purpose.value.replace('_', ' ')} link")
        return claims

    def read(self, token: str, purpose: LinkPurpose) -> LinkClaims:
        """The claims of a link for `purpose` still valid now; LinkRefused otherwise (whether
        it was used is the person's to say)."""
        claims = self.claims(token, purpose)
        if self._clock.now() >= claims.expires_at:
            raise LinkRefused("this link has expired: ask for a new one")
        return claims

    def _shown(self, tenant_id: UUID, instant: datetime) -> str:
        return shown_time(instant, tenant_of(self._stores, tenant_id).timezone)

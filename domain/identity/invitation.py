"""An invitation to join a business with a role, sent to an e-mail address (and, when given, a
WhatsApp number) as a link.

Only the latest link sent opens it: resending records the new link's id, and the old one stops
working. It is accepted once, by the account of the address it was sent to. The address and
the number are personal data, encrypted with the invitation's own key."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity.errors import (
    InvitationAccepted,
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationRevoked,
    LinkRefused,
)
from domain.shared.errors import InvalidPhoneNumber
from domain.shared.personal_data import CarriesPersonalData
from domain.shared.roles import Role
from domain.shared.values import normalise_phone


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


def normalise_whatsapp(raw: str) -> str:
    """A WhatsApp number as E.164, refused naming the field `whatsapp`."""
    try:
        return normalise_phone(raw)
    except InvalidPhoneNumber as refused:
        raise InvalidPhoneNumber(refused.message, field="whatsapp") from None


class Invitation(Aggregate):
    """An invitation to join a business with a role, accepted once, by the account of the
    address it was sent to, with the latest link sent."""

    class Event(Aggregate.Event, CarriesPersonalData):
        personal_fields = frozenset({"email", "whatsapp"})

    class Sent(Event, Aggregate.Created):
        tenant_id: UUID
        email: str
        whatsapp: str | None
        role: str
        link_id: str
        expires_at: datetime

    class Resent(Event):
        link_id: str
        expires_at: datetime

    class Revoked(Event):
        pass

    class Accepted(Event):
        person_id: UUID
        link_id: str

    @classmethod
    def send(
        cls,
        invitation_id: UUID,
        tenant_id: UUID,
        email: str,
        whatsapp: str | None,
        role: Role,
        link_id: str,
        expires_at: datetime,
    ) -> Invitation:
        """`email` normalised already (see `normalise_email`), `whatsapp` by
        `normalise_whatsapp`."""
        return cls._create(
            cls.Sent,
            id=invitation_id,
            tenant_id=tenant_id,
            email=email,
            whatsapp=whatsapp,
            role=role.value,
            link_id=link_id,
            expires_at=expires_at,
        )

    @event(Sent)
    def __init__(
        self,
        tenant_id: UUID,
        email: str,
        whatsapp: str | None,
        role: str,
        link_id: str,
        expires_at: datetime,
    ) -> None:
        self.tenant_id, self.email, self.whatsapp = tenant_id, email, whatsapp
        self.role = Role(role)
        self.link_id, self.expires_at = link_id, expires_at
        self.status = InvitationStatus.PENDING
        self.accepted_by: UUID | None = None

    def resend(self, link_id: str, expires_at: datetime) -> None:
        self._refuse_unless_pending()
        self._resent(link_id=link_id, expires_at=expires_at)

    @event(Resent)
    def _resent(self, link_id: str, expires_at: datetime) -> None:
        self.link_id, self.expires_at = link_id, expires_at

    def revoke(self) -> None:
        self._refuse_unless_pending()
        self._revoked()

    @event(Revoked)
    def _revoked(self) -> None:
        self.status = InvitationStatus.REVOKED

    def check_link(self, link_id: str, now: datetime) -> None:
        """Refuse a link that cannot open this invitation now, saying why."""
        self._refuse_unless_pending()
        if link_id != self.link_id:
            raise LinkRefused("a newer link was sent for this invitation: use the latest e-mail")
        if now >= self.expires_at:
            raise InvitationExpired("this invitation has expired: ask for a new one")

    def accept(self, person_id: UUID, email: str, link_id: str, now: datetime) -> None:
        """By the account of `email` (normalised), with the latest link, while it is valid."""
        self.check_link(link_id, now)
        if email != self.email:
            raise InvitationForAnotherAddress(
                "this invitation was sent to another e-mail address than your account's"
            )
        self._accepted(person_id=person_id, link_id=link_id)

    @event(Accepted)
    def _accepted(self, person_id: UUID, link_id: str) -> None:
        self.status = InvitationStatus.ACCEPTED
        self.accepted_by = person_id

    def _refuse_unless_pending(self) -> None:
        if self.status is InvitationStatus.ACCEPTED:
            raise InvitationAccepted("this invitation has been accepted already")
        if self.status is InvitationStatus.REVOKED:
            raise InvitationRevoked("this invitation was revoked")

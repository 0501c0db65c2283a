"""Inviting people to a business: an invitation with a role, e-mailed as a link (and announced
on WhatsApp when a number is given), sent again with a new link, or revoked.

The WhatsApp message only says that the link is in the invitee's e-mail: a message's words
are kept in clear in the tenant's log, and a link that joins a business must not be."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.identity.links import LinkMail
from application.identity.people import People
from application.identity.ports import LinkClaims, LinkPurpose, TeamReadModels, WhatsAppRequests
from application.identity.rosters import owners_only
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import ActorKind, Principal
from application.shared.errors import NotFound
from application.shared.ports import Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import find
from domain.identity.errors import AlreadyAMember, AlreadyInvited
from domain.identity.invitation import Invitation, InvitationStatus, normalise_whatsapp
from domain.identity.person import Person, normalise_email
from domain.identity.team import role_named
from domain.shared.roles import Role

WHATSAPP_TEMPLATE = "team_invitation"
# How the e-mail and the WhatsApp message name each role.
ROLE_NAMES = {
    Role.OWNER: "pemilik",
    Role.ADMIN: "admin",
    Role.MANAGER: "manajer",
    Role.STAFF: "staf",
    Role.FINANCE: "keuangan",
    Role.TECHNICIAN: "teknisi",
    Role.AGENT: "agen",
    Role.AUDITOR: "auditor",
}


@dataclass(frozen=True)
class InviteTeamMember:
    email: str
    role: str
    whatsapp: str | None = None  # blank: none


@dataclass(frozen=True)
class InvitationSent:
    invitation_id: UUID
    email: str
    role: Role
    status: InvitationStatus
    expires_at: datetime


class Invitations:
    def __init__(
        self,
        people: People,
        links: LinkMail,
        whatsapp: WhatsAppRequests,
        read_models: TeamReadModels,
        stores: Stores,
        clock: Clock,
    ) -> None:
        self._people = people
        self._links = links
        self._whatsapp = whatsapp
        self._read_models = read_models
        self._stores = stores
        self._clock = clock

    def invite(self, principal: Principal, command: InviteTeamMember) -> InvitationSent:
        """Invite an address to the caller's business with a role (only an owner invites an
        owner). Refused for a member's address, and while an invitation to it is valid."""
        authorize(principal, Permission.MANAGE_TEAM)
        email, role = normalise_email(command.email), role_named(command.role)
        blank = not (command.whatsapp or "").strip()
        whatsapp = None if blank else normalise_whatsapp(command.whatsapp or "")
        owners_only(principal, role)
        tenant_id = principal.tenant_id
        invitee = self._people.by_email(email)
        if invitee is not None and tenant_id in invitee.memberships:
            raise AlreadyAMember("this address belongs to a member already", field="email")
        if self._read_models.pending_invitation(tenant_id, email, self._clock.now()) is not None:
            raise AlreadyInvited(
                "this address has an invitation still: resend or revoke it", field="email"
            )
        invitation_id = uuid.uuid4()
        link = self._links.new(LinkPurpose.INVITATION, invitation_id, tenant_id)
        invitation = Invitation.send(
            invitation_id, tenant_id, email, whatsapp, role, link.link_id, link.expires_at
        )
        self._people.save("InviteTeamMember", principal.actor, tenant_id, invitation)
        self._announce(principal, invitation, link, invitee)
        return _sent(invitation)

    def resend(self, principal: Principal, invitation_id: UUID) -> InvitationSent:
        """A new link (and e-mail) for a pending invitation, valid for as long again; the
        links sent before stop working."""
        authorize(principal, Permission.MANAGE_TEAM)
        invitation = self._invitation(principal, invitation_id)
        owners_only(principal, invitation.role)
        link = self._links.new(LinkPurpose.INVITATION, invitation.id, invitation.tenant_id)
        invitation.resend(link.link_id, link.expires_at)
        self._people.save("ResendInvitation", principal.actor, invitation.tenant_id, invitation)
        self._announce(principal, invitation, link, self._people.by_email(invitation.email))
        return _sent(invitation)

    def revoke(self, principal: Principal, invitation_id: UUID) -> InvitationSent:
        """A pending invitation's links stop working for good."""
        authorize(principal, Permission.MANAGE_TEAM)
        invitation = self._invitation(principal, invitation_id)
        invitation.revoke()
        self._people.save("RevokeInvitation", principal.actor, invitation.tenant_id, invitation)
        return _sent(invitation)

    def _invitation(self, principal: Principal, invitation_id: UUID) -> Invitation:
        found = find(self._stores.platform(), Invitation, invitation_id)
        if found is None or found.tenant_id != principal.tenant_id:
            raise NotFound(f"no invitation {invitation_id}", field="id")
        return found

    def _announce(
        self,
        principal: Principal,
        invitation: Invitation,
        link: LinkClaims,
        invitee: Person | None,
    ) -> None:
        variables = {"pengundang": self._inviter(principal), "peran": ROLE_NAMES[invitation.role]}
        if invitee is not None:
            variables["nama"] = str(invitee.name)
        self._links.mail(link, invitation.email, variables, principal.actor)
        if invitation.whatsapp is not None:
            self._whatsapp.request_to_number(
                invitation.tenant_id,
                principal.actor,
                invitation.whatsapp,
                WHATSAPP_TEMPLATE,
                {"peran": ROLE_NAMES[invitation.role]},
                UUID(link.link_id),
                LinkPurpose.INVITATION.value,
            )

    def _inviter(self, principal: Principal) -> str:
        """The person who invites, by name; the business itself for an API key."""
        if principal.actor.kind is ActorKind.PERSON:
            person = self._people.find(UUID(principal.actor.id))
            if person is not None:
                return str(person.name)
        return tenant_of(self._stores, principal.tenant_id).name


def _sent(invitation: Invitation) -> InvitationSent:
    return InvitationSent(
        invitation.id, invitation.email, invitation.role, invitation.status, invitation.expires_at
    )

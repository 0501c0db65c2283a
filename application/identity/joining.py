"""Accepting an invitation: by a person signed in with the account of the address it was sent
to, or signed out with its link alone, as a new account (verified: the link reached the
address) or as an existing account with its password (the way back for a person who belongs
to no business now). The invitation, the team, the membership (and the new account and
session) are saved in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

from application.identity.links import LinkMail
from application.identity.people import People, SessionTokens, signed_in_person
from application.identity.ports import LinkPurpose, PasswordHasher
from application.identity.rosters import Rosters
from application.identity.sessions import Refused, SignIns
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.ports import Stores
from application.shared.unit_of_work import find
from domain.identity.email_claim import EmailClaim
from domain.identity.errors import LinkRefused
from domain.identity.invitation import Invitation
from domain.identity.passwords import check_password
from domain.identity.person import Person, SignInMethod, normalise_name
from domain.identity.team import Team
from domain.shared.roles import Role


@dataclass(frozen=True)
class Joined:
    person_id: UUID
    tenant_id: UUID
    role: Role


class Joining:
    def __init__(
        self,
        people: People,
        rosters: Rosters,
        links: LinkMail,
        sign_ins: SignIns,
        hasher: PasswordHasher,
        stores: Stores,
        clock: Clock,
    ) -> None:
        self._people = people
        self._rosters = rosters
        self._links = links
        self._sign_ins = sign_ins
        self._hasher = hasher
        self._stores = stores
        self._clock = clock

    def accept(self, principal: Principal, token: str) -> Joined:
        """The signed-in person joins the business the invitation is for, with its role; the
        invitation must have been sent to the person's address. A session at the business is
        then a `switchTenant` away."""
        who = signed_in_person(principal)
        invitation, link_id = self._opened(token)
        person = self._people.person(who.person_id)
        team = self._join(invitation, person, link_id)
        tenant_id = invitation.tenant_id
        self._people.save("AcceptInvitation", principal.actor, tenant_id, invitation, team, person)
        return Joined(person.id, tenant_id, invitation.role)

    def join(self, token: str, password: str, name: str | None) -> SessionTokens | Refused:
        """Join with the link alone, and a session at the business: a new account for the
        address with `name` and `password`, or the address's account given its password (a
        wrong one counts as a failed sign-in)."""
        invitation, link_id = self._opened(token)
        invitation.check_link(link_id, self._clock.now())  # its refusal before any other
        person = self._people.by_email(invitation.email)
        new: list[EmailClaim] = []
        if person is None:
            person, claim = self._new_account(invitation.email, password, name)
            new.append(claim)
        else:
            refused = self._sign_ins.check_password(person, password, invitation.tenant_id)
            if refused is not None:
                return refused
        team = self._join(invitation, person, link_id)
        return self._sign_ins.open(
            person,
            invitation.tenant_id,
            SignInMethod.INVITATION,
            link_id,
            command="JoinWithInvitation",
            with_them=[invitation, team, *new],
        )

    def _opened(self, token: str) -> tuple[Invitation, str]:
        claims = self._links.claims(token, LinkPurpose.INVITATION)
        invitation = find(self._stores.platform(), Invitation, claims.subject_id)
        if invitation is None or invitation.tenant_id != claims.tenant_id:
            raise LinkRefused("this link is not valid")
        return invitation, claims.link_id

    def _join(self, invitation: Invitation, person: Person, link_id: str) -> Team:
        invitation.accept(person.id, str(person.email), link_id, self._clock.now())
        team = self._rosters.team(invitation.tenant_id)
        team.join(person.id, invitation.role, invitation.id)
        person.grant(invitation.tenant_id, invitation.role)
        return team

    def _new_account(
        self, email: str, password: str, name: str | None
    ) -> tuple[Person, EmailClaim]:
        name = normalise_name(name or "")
        check_password(password, email=email, name=name)
        claim_id, person_id = self._people.claim_id(email), uuid.uuid4()
        secret = self._hasher.hash(password)
        person = Person.register(person_id, email, name, secret, claim_id)
        return person, EmailClaim.claim(claim_id, person_id)

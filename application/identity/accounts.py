"""Accounts: a person registers with a business of their own, verifies the address, and reads
who they are and where they belong."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from uuid import UUID

from application.identity.links import LinkMail
from application.identity.people import People, person_actor, signed_in_person
from application.identity.ports import (
    IdentityReadModels,
    LinkPurpose,
    PasswordHasher,
    PersonView,
    TenantRegistry,
)
from application.shared.context import Principal
from application.shared.errors import ConcurrentModification, NotFound
from application.shared.ports import Placement
from domain.identity.email_claim import EmailClaim
from domain.identity.errors import EmailTaken
from domain.identity.passwords import check_password
from domain.identity.person import Person, normalise_email, normalise_name
from domain.identity.team import Team
from domain.shared.roles import Role
from domain.shared.values import require_text

log = logging.getLogger(__name__)
BUSINESS_NAME_LENGTH = 120


@dataclass(frozen=True)
class RegisterAccount:
    email: str
    password: str
    name: str
    business_name: str
    region: str | None = None


@dataclass(frozen=True)
class Registered:
    person_id: UUID
    tenant_id: UUID


@dataclass(frozen=True)
class Me:
    """The signed-in person, the tenant its token is for and its role there."""

    person: PersonView
    tenant_id: UUID
    role: Role


class Accounts:
    def __init__(
        self,
        people: People,
        passwords: PasswordHasher,
        tenants: TenantRegistry,
        links: LinkMail,
        read_models: IdentityReadModels,
    ) -> None:
        self._people = people
        self._passwords = passwords
        self._tenants = tenants
        self._links = links
        self._read_models = read_models

    def register(self, command: RegisterAccount) -> Registered:
        """A new person who owns a new business (shared tier, in the region asked for), and an
        e-mail with a link to verify the address. Every input is checked before anything is
        recorded."""
        email, name = normalise_email(command.email), normalise_name(command.name)
        business = require_text(command.business_name, "businessName", BUSINESS_NAME_LENGTH)
        check_password(command.password, email=email, name=name)
        claim_id = self._people.claim_id(email)
        if self._people.by_email(email) is not None:
            raise EmailTaken("an account with this e-mail address exists", field="email")
        person_id = uuid.uuid4()
        secret = self._passwords.hash(command.password)
        person = Person.register(person_id, email, name, secret, claim_id)
        actor = person_actor(person_id)
        tenant_id = self._tenants.create(business, Placement.SHARED, actor, region=command.region)
        person.grant(tenant_id, Role.OWNER)
        team = Team.form(tenant_id, {person_id: Role.OWNER})
        self._save_new(person, EmailClaim.claim(claim_id, person_id), team, tenant_id)
        self._links.send(person, tenant_id, LinkPurpose.VERIFY_EMAIL, actor)
        return Registered(person_id, tenant_id)

    def verify_email(self, token: str) -> UUID:
        """Mark the address verified with the link e-mailed at registration (once)."""
        claims = self._links.read(token, LinkPurpose.VERIFY_EMAIL)
        person = self._people.person(claims.subject_id)
        person.verify_email(claims.link_id)
        self._people.save("VerifyEmail", person_actor(person.id), claims.tenant_id, person)
        return person.id

    def me(self, principal: Principal) -> Me:
        who = signed_in_person(principal)
        view = self._read_models.person(who.person_id)
        if view is None:
            raise NotFound("your account is not readable yet; try again shortly")
        return Me(view, principal.tenant_id, Role(principal.role.value))

    def _save_new(self, person: Person, claim: EmailClaim, team: Team, tenant_id: UUID) -> None:
        actor = person_actor(person.id)
        try:
            self._people.save("RegisterAccount", actor, tenant_id, person, claim, team)
        except ConcurrentModification:
            # The address was claimed between the look-up and the save: the business just
            # registered keeps no owner and is left to the operator.
            log.warning("registration raced for one address; tenant %s has no owner", tenant_id)
            raise EmailTaken("an account with this e-mail address exists", field="email") from None

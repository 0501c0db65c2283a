"""A person who signs in: one account on the platform, member of one or more tenants.

The e-mail address and the name are personal data, encrypted with the person's own key. The
password is kept only as its hash, in a field named `secret_hash` so the audit log never shows
it. Links sent by e-mail are used once: each use records the link's id."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity.errors import LinkRefused, NotAMember, TooManyAttempts
from domain.identity.lockout import locked_until
from domain.shared.personal_data import CarriesPersonalData
from domain.shared.roles import Role
from domain.shared.text import check_line
from domain.shared.values import require_text, validate_email

NAME_LENGTH = 120
EMAIL_LENGTH = 254


class SignInMethod(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a method
    MAGIC_LINK = "magic_link"
    INVITATION = "invitation"  # joining a business through its invitation's link


class MembershipEnd(StrEnum):
    REMOVED = "removed"  # by the business's owner or admin
    LEFT = "left"  # by the person


class PasswordChange(StrEnum):
    CHANGED = "changed"  # by the person, signed in, knowing the old one
    RESET = "reset"  # through a link sent to the person's address


def normalise_email(raw: str) -> str:
    """The one spelling of an address: trimmed, lower case, storable."""
    return check_line(validate_email(raw), "email", max_length=EMAIL_LENGTH)


def normalise_name(raw: str) -> str:
    return check_line(require_text(raw, "name", NAME_LENGTH), "name", max_length=NAME_LENGTH)


class Person(Aggregate):
    class Event(Aggregate.Event, CarriesPersonalData):
        personal_fields = frozenset({"email", "name"})

    class Registered(Event, Aggregate.Created):
        email: str
        name: str
        secret_hash: str
        email_claim_id: UUID

    class MembershipGranted(Event):
        tenant_id: UUID
        role: str

    class CustomRoleGranted(Event):
        tenant_id: UUID
        role: str  # the custom role's base role
        custom_role_id: UUID

    class MembershipEnded(Event):
        tenant_id: UUID
        reason: str

    class EmailVerified(Event):
        link_id: str

    class SignedIn(Event):
        session_id: UUID
        tenant_id: UUID
        method: str
        link_id: str | None

    class SignInFailed(Event):
        at: datetime

    class PasswordChanged(Event):
        secret_hash: str
        reason: str
        link_id: str | None

    @event(Registered)
    def __init__(self, email: str, name: str, secret_hash: str, email_claim_id: UUID) -> None:
        self.email, self.name = email, name
        self.secret_hash = secret_hash
        self.email_claim_id = email_claim_id
        self.verified = False
        self.memberships: dict[UUID, Role] = {}
        self.custom_roles: dict[UUID, UUID] = {}  # tenant -> the custom role held there
        self.used_links: set[str] = set()
        self.password_version = 0
        self.failures_in_a_row = 0
        self.last_failure: datetime | None = None

    @classmethod
    def register(
        cls, person_id: UUID, email: str, name: str, secret_hash: str, email_claim_id: UUID
    ) -> Person:
        return cls._create(
            cls.Registered,
            id=person_id,
            email=normalise_email(email),
            name=normalise_name(name),
            secret_hash=secret_hash,
            email_claim_id=email_claim_id,
        )

    # -- memberships ----------------------------------------------------------------------

    def grant(self, tenant_id: UUID, role: Role) -> None:
        if self.memberships.get(tenant_id) != role or tenant_id in self.custom_roles:
            self._membership_granted(tenant_id=tenant_id, role=role.value)

    @event(MembershipGranted)
    def _membership_granted(self, tenant_id: UUID, role: str) -> None:
        self.memberships[tenant_id] = Role(role)
        self.custom_roles.pop(tenant_id, None)

    def grant_custom_role(self, tenant_id: UUID, base_role: Role, custom_role_id: UUID) -> None:
        """A custom role at a business the person belongs to: `base_role` scopes it."""
        self.role_in(tenant_id)
        held = (self.memberships[tenant_id], self.custom_roles.get(tenant_id))
        if held != (base_role, custom_role_id):
            self._custom_role_granted(
                tenant_id=tenant_id, role=base_role.value, custom_role_id=custom_role_id
            )

    @event(CustomRoleGranted)
    def _custom_role_granted(self, tenant_id: UUID, role: str, custom_role_id: UUID) -> None:
        self.memberships[tenant_id] = Role(role)
        self.custom_roles[tenant_id] = custom_role_id

    def custom_role_in(self, tenant_id: UUID) -> UUID | None:
        """The custom role the person holds at the business (None: its built-in role only)."""
        return self.custom_roles.get(tenant_id)

    def end_membership(self, tenant_id: UUID, reason: MembershipEnd) -> None:
        self.role_in(tenant_id)
        self._membership_ended(tenant_id=tenant_id, reason=reason.value)

    @event(MembershipEnded)
    def _membership_ended(self, tenant_id: UUID, reason: str) -> None:
        del self.memberships[tenant_id]
        self.custom_roles.pop(tenant_id, None)

    def role_in(self, tenant_id: UUID) -> Role:
        role = self.memberships.get(tenant_id)
        if role is None:
            raise NotAMember(f"you are not a member of business {tenant_id}", field="tenantId")
        return role

    def tenant_to_enter(self, tenant_id: UUID | None) -> UUID:
        """The tenant a sign-in opens: the one asked for, or the only one there is."""
        if tenant_id is not None:
            self.role_in(tenant_id)
            return tenant_id
        if not self.memberships:
            raise NotAMember(
                "you belong to no business now: accept an invitation to join one",
                field="tenantId",
            )
        if len(self.memberships) != 1:
            raise NotAMember(
                "you are a member of several businesses: name one with tenantId", field="tenantId"
            )
        return next(iter(self.memberships))

    def first_tenant(self) -> UUID | None:
        """The tenant the person joined first (links by e-mail are sent in its name); None for
        a person who belongs to no business now."""
        return next(iter(self.memberships), None)

    # -- signing in -----------------------------------------------------------------------

    def refuse_while_locked(self, now: datetime) -> None:
        until = locked_until(self.failures_in_a_row, self.last_failure)
        if until is not None and until > now:
            raise TooManyAttempts(
                "too many failed sign-ins: this account is locked for a while", until - now
            )

    def sign_in_failed(self, at: datetime) -> None:
        self._sign_in_failed(at=at)

    @event(SignInFailed)
    def _sign_in_failed(self, at: datetime) -> None:
        self.failures_in_a_row += 1
        self.last_failure = at

    def lock_remaining(self, now: datetime) -> timedelta | None:
        until = locked_until(self.failures_in_a_row, self.last_failure)
        return until - now if until is not None and until > now else None

    def signed_in(
        self,
        session_id: UUID,
        tenant_id: UUID,
        method: SignInMethod,
        link_id: str | None = None,
    ) -> None:
        self.role_in(tenant_id)
        if link_id is not None:
            self._refuse_used(link_id)
        self._signed_in(
            session_id=session_id, tenant_id=tenant_id, method=method.value, link_id=link_id
        )

    @event(SignedIn)
    def _signed_in(
        self, session_id: UUID, tenant_id: UUID, method: str, link_id: str | None
    ) -> None:
        self.failures_in_a_row, self.last_failure = 0, None
        if link_id is not None:
            self.used_links.add(link_id)
            self.verified = True  # the link reached the address

    # -- the address and the password -----------------------------------------------------

    def verify_email(self, link_id: str) -> None:
        self._refuse_used(link_id)
        if self.verified:
            raise LinkRefused("this e-mail address is verified already")
        self._email_verified(link_id=link_id)

    @event(EmailVerified)
    def _email_verified(self, link_id: str) -> None:
        self.used_links.add(link_id)
        self.verified = True

    def change_password(
        self, secret_hash: str, reason: PasswordChange, link_id: str | None = None
    ) -> None:
        if link_id is not None:
            self._refuse_used(link_id)
        self._password_changed(secret_hash=secret_hash, reason=reason.value, link_id=link_id)

    @event(PasswordChanged)
    def _password_changed(self, secret_hash: str, reason: str, link_id: str | None) -> None:
        self.secret_hash = secret_hash
        self.password_version += 1
        if link_id is not None:
            self.used_links.add(link_id)
            self.verified = True
            self.failures_in_a_row, self.last_failure = 0, None

    def _refuse_used(self, link_id: str) -> None:
        if link_id in self.used_links:
            raise LinkRefused("this link has been used already")

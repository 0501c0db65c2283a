"""What the identity area needs from outside: token codecs, password hashing, the revoked
sessions and tenant write states every process must know at once, its read models, and the
services of other areas it calls (registering a tenant, sending an e-mail)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from application.shared.context import Actor
from application.shared.ports import Page, Placement
from domain.platform import CustomRole
from domain.shared.roles import Role
from domain.shared.tenant_writes import TenantWrites


@dataclass(frozen=True)
class AccessClaims:
    """What an access token says: who, at which tenant with which role, in which session.
    With a custom role, `role` is its base role; its permissions are read per request."""

    person_id: UUID
    tenant_id: UUID
    role: Role
    session_id: UUID
    issued_at: datetime
    expires_at: datetime
    custom_role_id: UUID | None = None


class LinkPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    MAGIC_LINK = "magic_link"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose
    INVITATION = "invitation"


@dataclass(frozen=True)
class LinkClaims:
    """What a link sent by e-mail says. `subject_id` is the person it is for, or the invitation
    for an invitation's link. `password_version` makes a reset link void once the password
    changed after it was sent."""

    purpose: LinkPurpose
    subject_id: UUID
    tenant_id: UUID
    link_id: str
    expires_at: datetime
    password_version: int


class AccessTokenCodec(Protocol):
    def encode(self, claims: AccessClaims) -> str: ...

    def decode(self, token: str) -> AccessClaims:
        """The claims of a token signed with this platform's key; AuthenticationFailed when it
        is malformed or signed otherwise. Expiry is the caller's to check, on its own clock."""


class LinkTokenCodec(Protocol):
    def encode(self, claims: LinkClaims) -> str: ...

    def decode(self, token: str) -> LinkClaims:
        """The claims of a link token signed with this platform's link key; LinkRefused when
        it is malformed or signed otherwise. Expiry is the caller's to check."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, secret_hash: str, password: str) -> bool: ...

    def waste_time(self) -> None:
        """As long as one `verify`, for an address nobody has: the answer takes as long."""


class EmailClaimIds(Protocol):
    def claim_id(self, email: str) -> UUID:
        """The id of the claim on a normalised address (a keyed hash of it)."""


class SessionRevocations(Protocol):
    """Which sessions have ended, known in every process at once."""

    def known(self, session_id: UUID) -> bool | None:
        """From memory only: True ended, False known to go on, None unknown here."""

    def is_revoked(self, session_id: UUID) -> bool:
        """May read the database when memory does not know."""

    def revoked_here(self, session_ids: Iterable[UUID]) -> None:
        """This process recorded these revocations: trust them before the notice arrives."""


@dataclass(frozen=True)
class CustomRoleGrant:
    """What a custom role grants now: its name and permission names (none once deleted)."""

    name: str
    permissions: tuple[str, ...]


class CustomRoleGrants(Protocol):
    """Custom roles as every process must know them at once: a change holds on the next
    request."""

    def kept_grant(self, tenant_id: UUID, role_id: UUID) -> CustomRoleGrant | None:
        """From memory only (None: not known here now)."""

    def grant(self, tenant_id: UUID, role_id: UUID) -> CustomRoleGrant: ...


class CustomRoleBook(Protocol):
    def role(self, tenant_id: UUID, role_id: UUID, field: str = "id") -> CustomRole:
        """One custom role of the business (NOT_FOUND naming `field` when it has none)."""


class TenantWriteStates(Protocol):
    def kept(self, tenant_id: UUID) -> TenantWrites | None:
        """From memory only (None: not known here now)."""

    def writes(self, tenant_id: UUID) -> TenantWrites: ...


@dataclass(frozen=True)
class MembershipView:
    tenant_id: UUID
    tenant_name: str
    role: Role


@dataclass(frozen=True)
class PersonView:
    id: UUID
    name: str
    email: str
    verified: bool
    memberships: list[MembershipView]


class IdentityReadModels(Protocol):
    def person(self, person_id: UUID) -> PersonView | None: ...

    def open_sessions(self, person_id: UUID, now: datetime) -> list[UUID]:
        """Sessions of the person neither revoked nor expired."""

    def open_sessions_at(self, person_id: UUID, tenant_id: UUID, now: datetime) -> list[UUID]:
        """Those of them at the tenant now (after any switch of tenant)."""


@dataclass(frozen=True)
class MemberView:
    person_id: UUID
    name: str
    email: str
    role: Role  # a custom role's base role
    joined_at: datetime
    custom_role_id: UUID | None = None
    custom_role: str | None = None  # its name


@dataclass(frozen=True)
class InvitationView:
    id: UUID
    email: str
    role: Role
    invited_by: str  # the actor, as in the audit log
    invited_at: datetime
    sent_at: datetime  # of the latest link
    expires_at: datetime
    expired: bool


class TeamReadModels(Protocol):
    def member_ids(self, tenant_id: UUID) -> list[UUID]:
        """The people the memberships read model says belong to the tenant."""

    def members(self, tenant_id: UUID, first: int, after: str | None) -> Page[MemberView]:
        """Longest-standing first."""

    def invitations(
        self, tenant_id: UUID, now: datetime, first: int, after: str | None
    ) -> Page[InvitationView]:
        """Pending ones (expired too), newest first."""

    def pending_invitation(self, tenant_id: UUID, email: str, now: datetime) -> UUID | None:
        """An invitation to this (normalised) address that may still be accepted."""


class TenantRegistry(Protocol):
    """Registers a business (the platform area's TenantService)."""

    def create(
        self,
        name: str,
        placement: Placement,
        actor: Actor,
        *,
        region: str | None = None,
        server: str | None = None,
    ) -> UUID: ...


class WhatsAppRequests(Protocol):
    """Queues a WhatsApp message to a number that is no customer's (the messaging area's
    WhatsAppService)."""

    def request_to_number(
        self,
        tenant_id: UUID,
        actor: Actor,
        phone: str,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        reason: str,
    ) -> UUID: ...


class EmailRequests(Protocol):
    """Queues an e-mail for the e-mail dispatcher (the messaging area's EmailService)."""

    def request(
        self,
        tenant_id: UUID,
        actor: Actor,
        to: str,
        template: str,
        variables: dict[str, str],
        source_id: UUID,
        reason: str,
        *,
        sealed: Collection[str] = (),
    ) -> UUID: ...

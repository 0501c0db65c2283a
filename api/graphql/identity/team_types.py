"""The GraphQL types of a business's team: its members, its pending invitations, and the
answers of the commands that change them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.types import Connection, connection_parts
from application.identity.invitations import InvitationSent
from application.identity.joining import Joined
from application.identity.ports import InvitationView, MemberView
from application.identity.teams import MemberChanged
from application.shared.ports import Page


@strawberry.type(description="A person who belongs to the business, with its role there.")
class TeamMember:
    person_id: strawberry.ID
    name: str
    email: str
    role: str = strawberry.field(description="The built-in role (a custom role's base role)")
    joined_at: datetime
    custom_role_id: strawberry.ID | None = strawberry.field(
        description="The custom role the member holds, if any"
    )
    custom_role: str | None = strawberry.field(description="Its name")

    @classmethod
    def from_view(cls, view: MemberView) -> TeamMember:
        held = view.custom_role_id
        return cls(
            person_id=strawberry.ID(str(view.person_id)),
            name=view.name,
            email=view.email,
            role=view.role.value,
            joined_at=view.joined_at,
            custom_role_id=None if held is None else strawberry.ID(str(held)),
            custom_role=view.custom_role,
        )


@strawberry.type(description="An invitation not yet accepted or revoked.")
class TeamInvitation:
    id: strawberry.ID
    email: str
    role: str
    invited_by: str = strawberry.field(description="Who sent it, as in the audit log")
    invited_at: datetime
    sent_at: datetime = strawberry.field(description="When its latest link was sent")
    expires_at: datetime
    expired: bool = strawberry.field(description="Its link expired: resend or revoke it")

    @classmethod
    def from_view(cls, view: InvitationView) -> TeamInvitation:
        return cls(
            id=strawberry.ID(str(view.id)),
            email=view.email,
            role=view.role.value,
            invited_by=view.invited_by,
            invited_at=view.invited_at,
            sent_at=view.sent_at,
            expires_at=view.expires_at,
            expired=view.expired,
        )


@strawberry.type
class TeamMemberEdge:
    cursor: str
    node: TeamMember


@strawberry.type
class TeamMemberConnection(Connection[TeamMemberEdge]):
    @classmethod
    def from_page(cls, page: Page[MemberView]) -> TeamMemberConnection:
        return cls(**connection_parts(page, TeamMember.from_view, TeamMemberEdge))


@strawberry.type
class TeamInvitationEdge:
    cursor: str
    node: TeamInvitation


@strawberry.type
class TeamInvitationConnection(Connection[TeamInvitationEdge]):
    @classmethod
    def from_page(cls, page: Page[InvitationView]) -> TeamInvitationConnection:
        return cls(**connection_parts(page, TeamInvitation.from_view, TeamInvitationEdge))


@strawberry.type
class InvitationSuccess:
    invitation_id: strawberry.ID
    email: str
    role: str
    status: str = strawberry.field(description="pending, accepted or revoked")
    expires_at: datetime

    @classmethod
    def from_sent(cls, sent: InvitationSent) -> InvitationSuccess:
        return cls(
            invitation_id=strawberry.ID(str(sent.invitation_id)),
            email=sent.email,
            role=sent.role.value,
            status=sent.status.value,
            expires_at=sent.expires_at,
        )


@strawberry.type(description="The person joined the business: `switchTenant` opens it.")
class JoinedTeamSuccess:
    person_id: strawberry.ID
    tenant_id: strawberry.ID
    role: str

    @classmethod
    def from_joined(cls, joined: Joined) -> JoinedTeamSuccess:
        return cls(
            person_id=strawberry.ID(str(joined.person_id)),
            tenant_id=strawberry.ID(str(joined.tenant_id)),
            role=joined.role.value,
        )


@strawberry.type
class TeamMemberChangedSuccess:
    person_id: strawberry.ID
    role: str | None = strawberry.field(
        description="Null: no longer a member; with a custom role, its base role"
    )
    sessions_ended: int = strawberry.field(
        description="The member's sessions at the business that ended now"
    )
    custom_role_id: strawberry.ID | None = strawberry.field(
        default=None, description="The custom role the member now holds, if any"
    )

    @classmethod
    def from_change(cls, change: MemberChanged) -> TeamMemberChangedSuccess:
        held = change.custom_role_id
        return cls(
            person_id=strawberry.ID(str(change.person_id)),
            role=change.role.value if change.role is not None else None,
            sessions_ended=change.sessions_ended,
            custom_role_id=None if held is None else strawberry.ID(str(held)),
        )


InvitationResult = Annotated[InvitationSuccess | Errors, strawberry.union("InvitationResult")]
JoinedTeamResult = Annotated[JoinedTeamSuccess | Errors, strawberry.union("JoinedTeamResult")]
TeamMemberChangedResult = Annotated[
    TeamMemberChangedSuccess | Errors, strawberry.union("TeamMemberChangedResult")
]

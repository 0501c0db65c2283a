"""A business's team: its members and pending invitations (`team:read`), inviting, resending,
revoking, changing roles and removing (`team:manage`), and what a signed-in person does alone:
accepting an invitation, leaving a business. Joining with a link while signed out is in
`accounts.py`, with the other ways in. Resolvers parse and call the identity services."""

from __future__ import annotations

import strawberry

from api.graphql.identity import team_types as t
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.identity.invitations import InviteTeamMember


@strawberry.type
class TeamQuery:
    @strawberry.field(description="The business's members and their roles, longest first.")
    async def team_members(
        self, info: NiagaInfo, first: int = 50, after: str | None = None
    ) -> t.TeamMemberConnection:
        services, who = info.context.services, info.context.principal
        page = await query(lambda: services.team_queries.members(who, first, after))
        return t.TeamMemberConnection.from_page(page)

    @strawberry.field(
        description="Invitations neither accepted nor revoked, newest first (expired ones too)."
    )
    async def team_invitations(
        self, info: NiagaInfo, first: int = 50, after: str | None = None
    ) -> t.TeamInvitationConnection:
        services, who = info.context.services, info.context.principal
        page = await query(lambda: services.team_queries.invitations(who, first, after))
        return t.TeamInvitationConnection.from_page(page)


@strawberry.type
class TeamMutation:
    @strawberry.mutation(
        description="Invite an e-mail address to the business with a role: a link (7 days) is "
        "e-mailed, and a WhatsApp number, if given, is told to look for it. Only an owner "
        "invites an owner."
    )
    async def invite_team_member(
        self, info: NiagaInfo, email: str, role: str, whatsapp: str | None = None
    ) -> t.InvitationResult:
        invitations, who = info.context.services.invitations, info.context.principal
        command = InviteTeamMember(email, role, whatsapp)
        return await run_command(
            lambda: t.InvitationSuccess.from_sent(invitations.invite(who, command))
        )

    @strawberry.mutation(description="A new link for a pending invitation; older links stop.")
    async def resend_invitation(self, info: NiagaInfo, id: strawberry.ID) -> t.InvitationResult:
        invitations, who = info.context.services.invitations, info.context.principal
        return await run_command(
            lambda: t.InvitationSuccess.from_sent(invitations.resend(who, parse_id(id, "id")))
        )

    @strawberry.mutation(description="A pending invitation's links stop working for good.")
    async def revoke_invitation(self, info: NiagaInfo, id: strawberry.ID) -> t.InvitationResult:
        invitations, who = info.context.services.invitations, info.context.principal
        return await run_command(
            lambda: t.InvitationSuccess.from_sent(invitations.revoke(who, parse_id(id, "id")))
        )

    @strawberry.mutation(
        description="Accept an invitation sent to the signed-in person's address, with its "
        "link's token."
    )
    async def accept_invitation(self, info: NiagaInfo, token: str) -> t.JoinedTeamResult:
        joining, who = info.context.services.joining, info.context.principal
        return await run_command(
            lambda: t.JoinedTeamSuccess.from_joined(joining.accept(who, token))
        )

    @strawberry.mutation(
        description="A member's new role; the member's sessions at the business end. Only an "
        "owner gives or takes the owner role, and the last owner keeps it."
    )
    async def change_team_member_role(
        self, info: NiagaInfo, person_id: strawberry.ID, role: str
    ) -> t.TeamMemberChangedResult:
        teams, who = info.context.services.teams, info.context.principal
        return await run_command(
            lambda: t.TeamMemberChangedSuccess.from_change(
                teams.change_role(who, parse_id(person_id, "personId"), role)
            )
        )

    @strawberry.mutation(
        description="Assign a member a custom role of the business (acting with its base role's "
        "scoping and its permissions); the member's sessions at the business end. Whoever assigns "
        "it holds every permission it grants; the last owner keeps the owner role."
    )
    async def assign_team_member_custom_role(
        self, info: NiagaInfo, person_id: strawberry.ID, custom_role_id: strawberry.ID
    ) -> t.TeamMemberChangedResult:
        teams, who = info.context.services.teams, info.context.principal
        return await run_command(
            lambda: t.TeamMemberChangedSuccess.from_change(
                teams.assign_custom_role(
                    who,
                    parse_id(person_id, "personId"),
                    parse_id(custom_role_id, "customRoleId"),
                )
            )
        )

    @strawberry.mutation(
        description="Remove a member; the member's sessions at the business end at once. "
        "Never the last owner."
    )
    async def remove_team_member(
        self, info: NiagaInfo, person_id: strawberry.ID
    ) -> t.TeamMemberChangedResult:
        teams, who = info.context.services.teams, info.context.principal
        return await run_command(
            lambda: t.TeamMemberChangedSuccess.from_change(
                teams.remove(who, parse_id(person_id, "personId"))
            )
        )

    @strawberry.mutation(
        description="The signed-in person leaves the business of its token (not its last "
        "owner); its sessions there end."
    )
    async def leave_business(self, info: NiagaInfo) -> t.TeamMemberChangedResult:
        teams, who = info.context.services.teams, info.context.principal
        return await run_command(lambda: t.TeamMemberChangedSuccess.from_change(teams.leave(who)))

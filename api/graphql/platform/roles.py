"""The permission matrix (anyone signed in to the business reads it) and the business's custom
roles (`roles:manage`). Resolvers parse and call `CustomRoleService`."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.platform.custom_roles import DefineCustomRole, PermissionView, RoleView


@strawberry.type(name="Permission", description="A permission a role may hold.")
class PermissionType:
    name: str = strawberry.field(description="As refusals name it: `customers:read`")
    area: str = strawberry.field(description="What it concerns: `customers`")
    description: str

    @classmethod
    def from_view(cls, view: PermissionView) -> PermissionType:
        return cls(name=view.name, area=view.area, description=view.description)


@strawberry.type(description="A built-in role, or a custom role of the business.")
class RoleDefinition:
    id: strawberry.ID | None = strawberry.field(description="Null for a built-in role")
    name: str
    built_in: bool
    base_role: str = strawberry.field(
        description="The built-in role whose scoping it has (itself, for a built-in role)"
    )
    permissions: list[str]

    @classmethod
    def from_view(cls, view: RoleView) -> RoleDefinition:
        return cls(
            id=None if view.id is None else strawberry.ID(str(view.id)),
            name=view.name,
            built_in=view.built_in,
            base_role=view.base_role.value,
            permissions=list(view.permissions),
        )


@strawberry.type
class CustomRoleSuccess:
    role: RoleDefinition


CustomRoleResult = Annotated[CustomRoleSuccess | Errors, strawberry.union("CustomRoleResult")]


def _success(view: RoleView) -> CustomRoleSuccess:
    return CustomRoleSuccess(role=RoleDefinition.from_view(view))


@strawberry.type
class RoleQuery:
    @strawberry.field(description="Every permission, in the order they are declared.")
    async def permissions(self, info: NiagaInfo) -> list[PermissionType]:
        roles, who = info.context.services.custom_roles, info.context.principal
        views = await query(lambda: roles.permissions(who))
        return [PermissionType.from_view(v) for v in views]

    @strawberry.field(
        description="The built-in roles with their permissions, then the business's custom roles."
    )
    async def roles(self, info: NiagaInfo) -> list[RoleDefinition]:
        roles, who = info.context.services.custom_roles, info.context.principal
        views = await query(lambda: roles.roles(who))
        return [RoleDefinition.from_view(v) for v in views]


@strawberry.type
class RoleMutation:
    @strawberry.mutation(
        description="A custom role: a name, the built-in role it is based on (not owner) and "
        "its permissions (only ones you hold; never platform:operate)."
    )
    async def define_custom_role(
        self, info: NiagaInfo, name: str, base_role: str, permissions: list[str]
    ) -> CustomRoleResult:
        roles, who = info.context.services.custom_roles, info.context.principal
        command = DefineCustomRole(name, base_role, permissions)
        return await run_command(lambda: _success(roles.define(who, command)))

    @strawberry.mutation(
        description="A custom role's new name and permissions; whoever holds it uses them "
        "from the next request."
    )
    async def update_custom_role(
        self, info: NiagaInfo, id: strawberry.ID, name: str, permissions: list[str]
    ) -> CustomRoleResult:
        roles, who = info.context.services.custom_roles, info.context.principal
        return await run_command(
            lambda: _success(roles.update(who, parse_id(id, "id"), name, permissions))
        )

    @strawberry.mutation(description="Delete a custom role no API key holds.")
    async def delete_custom_role(self, info: NiagaInfo, id: strawberry.ID) -> CustomRoleResult:
        roles, who = info.context.services.custom_roles, info.context.principal
        return await run_command(lambda: _success(roles.delete(who, parse_id(id, "id"))))

"""Routers and provisioning in GraphQL. Passwords go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import GraphQLError

from api.graphql.billing.support import parse_id
from api.graphql.shared.errors import Errors, ValidationError
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.routers.routers import AddRouter, UpdateRouter
from application.shared.authorization import Permission, authorize
from domain.platform.tenant import IsolirPolicy as IsolirPolicyValue


@strawberry.type
class Router:
    id: strawberry.ID
    name: str
    host: str
    port: int
    tls: bool
    site: str | None
    removed: bool
    updated_at: datetime


@strawberry.type(
    description="Whether a subscription's or a voucher's state has reached its router."
)
class ProvisioningStatus:
    subscription_id: strawberry.ID = strawberry.field(
        description="The subscription's id, or the voucher's when kind is voucher"
    )
    kind: str = strawberry.field(description="subscription or voucher")
    router: str
    username: str
    status: str = strawberry.field(description="synced, pending or failed")
    attempts: int
    last_error: str | None = strawberry.field(description="The router's own message")
    updated_at: datetime


@strawberry.type(description="How unpaid subscribers are restricted (isolir) on the routers.")
class IsolirPolicy:
    mode: str = strawberry.field(
        description="profile: move to the isolir profile; address_list: add the address to a "
        "firewall address list"
    )
    profile: str
    address_list: str


@strawberry.type
class IsolirPolicySuccess:
    isolir_policy: IsolirPolicy


IsolirPolicyResult = Annotated[IsolirPolicySuccess | Errors, strawberry.union("IsolirPolicyResult")]


@strawberry.input
class AddRouterInput:
    name: str
    host: str
    username: str
    password: str
    port: int | None = strawberry.field(default=None, description="8728, or 8729 with tls")
    tls: bool = False
    verify_tls: bool = True
    ca_pem: str | None = None
    site: str | None = None


@strawberry.input(description="Fields left out keep their value; the password only if given.")
class UpdateRouterInput:
    id: strawberry.ID
    host: str | None = None
    port: int | None = None
    tls: bool | None = None
    verify_tls: bool | None = None
    ca_pem: str | None = None
    username: str | None = None
    password: str | None = None
    site: str | None = None


@strawberry.type
class RouterSuccess:
    router: Router


@strawberry.type
class RouterConnectionSuccess:
    identity: str
    version: str
    board: str


RouterResult = Annotated[RouterSuccess | Errors, strawberry.union("RouterResult")]
RouterConnectionResult = Annotated[
    RouterConnectionSuccess | Errors, strawberry.union("RouterConnectionResult")
]


def _router(info: NiagaInfo, router_id: UUID) -> RouterSuccess:
    niaga, who = info.context.niaga, info.context.principal
    authorize(who, Permission.READ_ROUTERS)
    store = niaga.stores.for_tenant(who.tenant_id)
    view = next(
        r for r in niaga.router_read_models.routers(store, who.tenant_id) if r.id == router_id
    )
    return RouterSuccess(router=_router_type(view))


def _router_type(view: object) -> Router:
    return Router(**{**vars(view), "id": strawberry.ID(str(vars(view)["id"]))})


@strawberry.type
class RouterQuery:
    @strawberry.field(description="Your tenant's routers (passwords are never returned).")
    async def routers(self, info: NiagaInfo) -> list[Router]:
        niaga, who = info.context.niaga, info.context.principal

        def read() -> list[Router]:
            authorize(who, Permission.READ_ROUTERS)
            store = niaga.stores.for_tenant(who.tenant_id)
            return [_router_type(v) for v in niaga.router_read_models.routers(store, who.tenant_id)]

        return await query(read)

    @strawberry.field(
        description="Provisioning per subscription and voucher; filter by status (synced, "
        "pending, failed) and kind (subscription, voucher)."
    )
    async def provisioning_status(
        self,
        info: NiagaInfo,
        status: str | None = None,
        first: int = 50,
        kind: str | None = None,
    ) -> list[ProvisioningStatus]:
        niaga, who = info.context.niaga, info.context.principal
        if status not in (None, "synced", "pending", "failed"):
            raise GraphQLError("status must be synced, pending or failed")
        if kind not in (None, "subscription", "voucher"):
            raise GraphQLError("kind must be subscription or voucher")

        def read() -> list[ProvisioningStatus]:
            authorize(who, Permission.READ_ROUTERS)
            store = niaga.stores.for_tenant(who.tenant_id)
            rows = niaga.router_read_models.provisioning(
                store, who.tenant_id, status, max(1, min(first, 500)), kind
            )
            return [
                ProvisioningStatus(
                    subscription_id=strawberry.ID(str(r.subscription_id)),
                    kind=r.kind,
                    router=r.router,
                    username=r.username,
                    status=r.status,
                    attempts=r.attempts,
                    last_error=r.last_error,
                    updated_at=r.updated_at,
                )
                for r in rows
            ]

        return await query(read)


@strawberry.type
class RouterMutation:
    @strawberry.mutation(description="Add a router; its API password is sealed at rest.")
    async def add_router(self, info: NiagaInfo, input: AddRouterInput) -> RouterResult:
        niaga, who = info.context.niaga, info.context.principal
        command = AddRouter(
            input.name,
            input.host,
            input.username,
            input.password,
            input.port,
            input.tls,
            input.verify_tls,
            input.ca_pem,
            input.site,
        )
        return await run_command(lambda: _router(info, niaga.routers.add(who, command)))

    @strawberry.mutation(description="Change a router's address, TLS, credentials or site.")
    async def update_router(self, info: NiagaInfo, input: UpdateRouterInput) -> RouterResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            router_id = parse_id(input.id, "id")
        except GraphQLError as error:
            return ValidationError(message=error.message, code="INVALID_VALUE", field="id")
        command = UpdateRouter(
            router_id,
            input.host,
            input.port,
            input.tls,
            input.verify_tls,
            input.ca_pem,
            input.username,
            input.password,
            input.site,
        )

        def update() -> RouterSuccess:
            niaga.routers.update(who, command)
            return _router(info, router_id)

        return await run_command(update)

    @strawberry.mutation(description="Log in to the router and read its identity and version.")
    async def test_router_connection(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> RouterConnectionResult:
        niaga, who = info.context.niaga, info.context.principal
        try:
            router_id = parse_id(id, "id")
        except GraphQLError as error:
            return ValidationError(message=error.message, code="INVALID_VALUE", field="id")

        def test() -> RouterConnectionSuccess:
            found = niaga.routers.test_connection(who, router_id)
            return RouterConnectionSuccess(
                identity=found.identity, version=found.version, board=found.board
            )

        return await run_command(test)

    @strawberry.mutation(
        description="Choose how unpaid subscribers are restricted (isolir): mode profile or "
        "address_list, the isolir profile's name and the address list's name."
    )
    async def change_isolir_policy(
        self,
        info: NiagaInfo,
        mode: str,
        profile: str = "isolir",
        address_list: str = "isolir",
    ) -> IsolirPolicyResult:
        niaga, who = info.context.niaga, info.context.principal

        def change() -> IsolirPolicySuccess:
            policy = niaga.tenants.change_isolir_policy_as(
                who, IsolirPolicyValue(mode, profile, address_list)
            )
            return IsolirPolicySuccess(
                isolir_policy=IsolirPolicy(
                    mode=policy.mode, profile=policy.profile, address_list=policy.address_list
                )
            )

        return await run_command(change)

"""Routers and provisioning in GraphQL. Passwords go in, never out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.routers.provisioning import ProvisioningView, RouterView
from application.routers.routers import AddRouter, UpdateRouter
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


@strawberry.type
class RetryProvisioningSuccess:
    target_id: strawberry.ID


RouterResult = Annotated[RouterSuccess | Errors, strawberry.union("RouterResult")]
RetryProvisioningResult = Annotated[
    RetryProvisioningSuccess | Errors, strawberry.union("RetryProvisioningResult")
]
RouterConnectionResult = Annotated[
    RouterConnectionSuccess | Errors, strawberry.union("RouterConnectionResult")
]


def _router(info: NiagaInfo, router_id: UUID) -> RouterSuccess:
    """The router as the list now shows it, for a mutation's result."""
    services, who = info.context.services, info.context.principal
    view = found(services.router_queries.router(who, router_id), "router")
    return RouterSuccess(router=_router_type(view))


def _router_type(view: RouterView) -> Router:
    return Router(
        id=strawberry.ID(str(view.id)),
        name=view.name,
        host=view.host,
        port=view.port,
        tls=view.tls,
        site=view.site,
        removed=view.removed,
        updated_at=view.updated_at,
    )


def _provisioning_type(view: ProvisioningView) -> ProvisioningStatus:
    return ProvisioningStatus(
        subscription_id=strawberry.ID(str(view.subscription_id)),
        kind=view.kind,
        router=view.router,
        username=view.username,
        status=view.status,
        attempts=view.attempts,
        last_error=view.last_error,
        updated_at=view.updated_at,
    )


@strawberry.type
class RouterQuery:
    @strawberry.field(description="Your tenant's routers (passwords are never returned).")
    async def routers(self, info: NiagaInfo) -> list[Router]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.router_queries.routers(who))
        return [_router_type(v) for v in views]

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
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.router_queries.provisioning(who, status, kind, first))
        return [_provisioning_type(r) for r in rows]


@strawberry.type
class RouterMutation:
    @strawberry.mutation(description="Add a router; its API password is sealed at rest.")
    async def add_router(self, info: NiagaInfo, input: AddRouterInput) -> RouterResult:
        services, who = info.context.services, info.context.principal
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
        return await run_command(lambda: _router(info, services.routers.add(who, command)))

    @strawberry.mutation(description="Change a router's address, TLS, credentials or site.")
    async def update_router(self, info: NiagaInfo, input: UpdateRouterInput) -> RouterResult:
        services, who = info.context.services, info.context.principal

        def update() -> RouterSuccess:
            router_id = parse_id(input.id, "id")
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
            services.routers.update(who, command)
            return _router(info, router_id)

        return await run_command(update)

    @strawberry.mutation(description="Log in to the router and read its identity and version.")
    async def test_router_connection(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> RouterConnectionResult:
        services, who = info.context.services, info.context.principal

        def test() -> RouterConnectionSuccess:
            identity = services.routers.test_connection(who, parse_id(id, "id"))
            return RouterConnectionSuccess(
                identity=identity.identity, version=identity.version, board=identity.board
            )

        return await run_command(test)

    @strawberry.mutation(
        description="Push a subscription's or voucher's state to its router again now: after "
        "a refusal (a missing profile added on the router, say), which otherwise waits for a "
        "change to its router or desired state."
    )
    async def retry_provisioning(
        self, info: NiagaInfo, target_id: strawberry.ID
    ) -> RetryProvisioningResult:
        services, who = info.context.services, info.context.principal

        def retry() -> RetryProvisioningSuccess:
            target = parse_id(target_id, "targetId")
            services.provisioning.retry(who, target)
            return RetryProvisioningSuccess(target_id=strawberry.ID(str(target)))

        return await run_command(retry)

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
        services, who = info.context.services, info.context.principal

        def change() -> IsolirPolicySuccess:
            policy = services.tenants.change_isolir_policy_as(
                who, IsolirPolicyValue(mode, profile, address_list)
            )
            return IsolirPolicySuccess(
                isolir_policy=IsolirPolicy(
                    mode=policy.mode, profile=policy.profile, address_list=policy.address_list
                )
            )

        return await run_command(change)

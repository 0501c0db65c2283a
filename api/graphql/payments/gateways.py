"""Payment gateways in GraphQL: accounts (credentials go in, never out), payment links, and the
log of every callback with its verdict."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import Connection, connection_parts
from application.payments.gateway_accounts import ConfigureGateway
from application.payments.ports import (
    CallbackFilter,
    CallbackView,
    GatewayAccountView,
    PaymentLinkView,
)


@strawberry.type(description="A payment at a gateway for an invoice's balance, until it expires.")
class PaymentLink:
    id: strawberry.ID
    invoice_id: strawberry.ID
    gateway: str
    order_id: str = strawberry.field(description="The id Niaga gave the gateway")
    reference: str = strawberry.field(description="The gateway's own reference (token, id)")
    url: str = strawberry.field(description="Where the customer pays")
    amount: int
    currency: str
    expires_at: datetime
    status: str = strawberry.field(description="active, paid, expired or review")
    payment_id: strawberry.ID | None
    review_reason: str | None
    created_at: datetime

    @classmethod
    def from_view(cls, view: PaymentLinkView) -> PaymentLink:
        return cls(
            id=strawberry.ID(str(view.id)),
            invoice_id=strawberry.ID(str(view.invoice_id)),
            gateway=view.gateway,
            order_id=view.order_id,
            reference=view.reference,
            url=view.url,
            amount=view.amount,
            currency=view.currency,
            expires_at=view.expires_at,
            status=view.status,
            payment_id=strawberry.ID(str(view.payment_id)) if view.payment_id else None,
            review_reason=view.review_reason,
            created_at=view.created_at,
        )


@strawberry.type(description="A gateway callback as received, with what Niaga made of it.")
class PaymentCallback:
    id: strawberry.ID
    gateway: str
    order_id: str | None
    reference: str | None
    claimed_status: str | None
    amount: int | None
    currency: str | None
    verdict: str = strawberry.field(
        description="rejected, applied, duplicate, ignored, expired, flagged or pending_recheck"
    )
    reason: str
    http_status: int
    headers: JSON = strawberry.field(description="As received; secret tokens are redacted")
    body: str
    payment_id: strawberry.ID | None
    attempts: int = strawberry.field(description="Status re-checks after the first")
    received_at: datetime
    updated_at: datetime

    @classmethod
    def from_view(cls, view: CallbackView) -> PaymentCallback:
        return cls(
            id=strawberry.ID(str(view.id)),
            gateway=view.gateway,
            order_id=view.order_id,
            reference=view.reference,
            claimed_status=view.claimed_status,
            amount=view.amount,
            currency=view.currency,
            verdict=view.verdict,
            reason=view.reason,
            http_status=view.http_status,
            headers=cast(JSON, view.headers),
            body=view.body,
            payment_id=strawberry.ID(str(view.payment_id)) if view.payment_id else None,
            attempts=view.attempts,
            received_at=view.received_at,
            updated_at=view.updated_at,
        )


@strawberry.type
class PaymentCallbackEdge:
    cursor: str
    node: PaymentCallback


@strawberry.type
class PaymentCallbackConnection(Connection[PaymentCallbackEdge]):
    """Callbacks, oldest first."""


@strawberry.type(description="A gateway account: which credentials are set, never their values.")
class GatewayAccount:
    gateway: str
    credentials_set: list[str]
    endpoints: JSON
    link_minutes: int
    updated_at: datetime

    @classmethod
    def from_view(cls, view: GatewayAccountView) -> GatewayAccount:
        return cls(
            gateway=view.gateway,
            credentials_set=view.credentials_set,
            endpoints=cast(JSON, view.endpoints),
            link_minutes=view.link_minutes,
            updated_at=view.updated_at,
        )


@strawberry.input(
    description="Credentials by gateway: midtrans serverKey; xendit secretKey, callbackToken; "
    "tripay apiKey, privateKey, merchantCode; duitku merchantCode, apiKey. Those left out keep "
    "their value. Endpoints override the sandbox URLs (api, snap) and the channel (method)."
)
class ConfigureGatewayInput:
    gateway: str
    server_key: str | None = None
    secret_key: str | None = None
    callback_token: str | None = None
    api_key: str | None = None
    private_key: str | None = None
    merchant_code: str | None = None
    api_url: str | None = None
    snap_url: str | None = None
    method: str | None = None
    link_minutes: int | None = strawberry.field(
        default=None, description="How long a payment link lives (default 1440)"
    )


@strawberry.type
class PaymentLinkSuccess:
    link: PaymentLink
    reused: bool = strawberry.field(description="An unexpired link for the same amount")


@strawberry.type
class GatewayAccountSuccess:
    account: GatewayAccount


PaymentLinkResult = Annotated[PaymentLinkSuccess | Errors, strawberry.union("PaymentLinkResult")]
GatewayAccountResult = Annotated[
    GatewayAccountSuccess | Errors, strawberry.union("GatewayAccountResult")
]
_CREDENTIALS = ("server_key", "secret_key", "callback_token", "api_key", "private_key")


def _command(input: ConfigureGatewayInput) -> ConfigureGateway:
    named = {name: getattr(input, name) for name in (*_CREDENTIALS, "merchant_code")}
    endpoints = {"api": input.api_url, "snap": input.snap_url, "method": input.method}
    return ConfigureGateway(
        gateway=input.gateway,
        credentials={k: v for k, v in named.items() if v is not None},
        endpoints={k: v for k, v in endpoints.items() if v is not None},
        link_minutes=input.link_minutes,
    )


@strawberry.type
class GatewayQuery:
    @strawberry.field(description="Payment links, newest first; by invoice and status.")
    async def payment_links(
        self, info: NiagaInfo, invoice_id: strawberry.ID | None = None, status: str | None = None
    ) -> list[PaymentLink]:
        services, who = info.context.services, info.context.principal

        def read() -> list[PaymentLink]:
            invoice = parse_id(invoice_id, "invoiceId") if invoice_id else None
            views = services.gateway_queries.links(who, invoice, status)
            return [PaymentLink.from_view(v) for v in views]

        return await query(read)

    @strawberry.field(
        description="Every gateway callback received, oldest first, refused ones included."
    )
    async def payment_callbacks(
        self,
        info: NiagaInfo,
        gateway: str | None = None,
        verdict: str | None = None,
        order_id: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> PaymentCallbackConnection:
        services, who = info.context.services, info.context.principal
        where = CallbackFilter(gateway, verdict, order_id)
        page = await query(lambda: services.gateway_queries.callbacks(who, where, first, after))
        return PaymentCallbackConnection(
            **connection_parts(page, PaymentCallback.from_view, PaymentCallbackEdge)
        )

    @strawberry.field(description="Your tenant's gateway accounts (owners and admins).")
    async def gateway_accounts(self, info: NiagaInfo) -> list[GatewayAccount]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.gateway_queries.accounts(who))
        return [GatewayAccount.from_view(v) for v in views]


@strawberry.type
class GatewayMutation:
    @strawberry.mutation(description="Set a gateway's credentials; they are sealed at rest.")
    async def configure_gateway(
        self, info: NiagaInfo, input: ConfigureGatewayInput
    ) -> GatewayAccountResult:
        services, who = info.context.services, info.context.principal
        command = _command(input)

        def configure() -> GatewayAccountSuccess:
            gateway = services.gateway_accounts.configure(who, command)
            account = services.gateway_queries.account(who, gateway.value)
            return GatewayAccountSuccess(account=GatewayAccount.from_view(account))

        return await run_command(configure)

    @strawberry.mutation(
        description="A link to pay an invoice's balance at a gateway (midtrans, xendit, tripay, "
        "duitku): an unexpired one for the same amount, or a new one."
    )
    async def create_payment_link(
        self, info: NiagaInfo, invoice_id: strawberry.ID, gateway: str
    ) -> PaymentLinkResult:
        services, who = info.context.services, info.context.principal

        def create() -> PaymentLinkSuccess:
            invoice = parse_id(invoice_id, "invoiceId")
            outcome = services.payment_links.create(who, invoice, gateway)
            view = services.gateway_queries.link(who, outcome.link_id)
            return PaymentLinkSuccess(link=PaymentLink.from_view(view), reused=outcome.reused)

        return await run_command(create)

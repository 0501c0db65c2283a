"""Queries and mutations. Resolvers parse, call the application, and map errors; nothing else."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from strawberry.extensions import MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types

from api.graphql.audit.audit import AuditQuery
from api.graphql.billing.mutations import BillingMutation
from api.graphql.billing.queries import BillingQuery
from api.graphql.integrations.webhooks import WebhookMutation, WebhookQuery
from api.graphql.messaging.whatsapp import WhatsAppMutation, WhatsAppQuery
from api.graphql.payments.gateways import GatewayMutation, GatewayQuery
from api.graphql.repairs.repairs import RepairMutation, RepairQuery, RepairSubscription
from api.graphql.routers.routers import RouterMutation, RouterQuery
from api.graphql.shared.errors import (
    CustomerForgottenError,
    DuplicateCustomerError,
    Error,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    ValidationError,
    as_graphql_error,
)
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import AuditEntryConnection, Customer, CustomerConnection
from api.graphql.vouchers.sales import VoucherSalesMutation
from api.graphql.vouchers.vouchers import VoucherMutation, VoucherQuery
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.errors import ApplicationError

T = TypeVar("T")


def _uuid(raw: str, field: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise as_graphql_error(
            ApplicationError(f"{field} is not a valid id", field=field)
        ) from None


@strawberry.type
class Query:
    @strawberry.field(
        description="Customers of your tenant, oldest first; search by name or phone."
    )
    async def customers(
        self, info: NiagaInfo, search: str | None = None, first: int = 20, after: str | None = None
    ) -> CustomerConnection:
        niaga, principal = info.context.niaga, info.context.principal
        page = await query(lambda: niaga.queries.customers(principal, search, first, after))
        return CustomerConnection.from_page(page)

    @strawberry.field(description="One customer by id; null when your tenant has no such customer.")
    async def customer(self, info: NiagaInfo, id: strawberry.ID) -> Customer | None:
        niaga, principal = info.context.niaga, info.context.principal
        customer_id = _uuid(id, "id")
        view = await query(lambda: niaga.queries.find_customer(principal, customer_id))
        return Customer.from_view(view) if view else None

    @strawberry.field(
        description="Who changed what and when, newest last; optionally one aggregate."
    )
    async def audit_log(
        self,
        info: NiagaInfo,
        aggregate_id: strawberry.ID | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> AuditEntryConnection:
        niaga, principal = info.context.niaga, info.context.principal
        aggregate = _uuid(aggregate_id, "aggregateId") if aggregate_id else None
        page = await query(lambda: niaga.queries.audit_log(principal, aggregate, first, after))
        return AuditEntryConnection.from_page(page)


@strawberry.input
class RegisterCustomerInput:
    name: str
    phone: str = strawberry.field(description="08..., 628... or +62...; stored as +62...")
    email: str | None = None
    nik: str | None = strawberry.field(default=None, description="16-digit NIK")
    address: str | None = None


@strawberry.input(
    description="Fields left out keep their value; an empty string clears an optional one."
)
class ChangeCustomerContactInput:
    id: strawberry.ID
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    address: str | None = None


@strawberry.type
class RegisterCustomerSuccess:
    customer: Customer


@strawberry.type
class ChangeCustomerContactSuccess:
    customer: Customer


@strawberry.type
class ForgetCustomerSuccess:
    customer: Customer


RegisterCustomerResult = Annotated[
    RegisterCustomerSuccess
    | ValidationError
    | DuplicateCustomerError
    | PermissionDeniedError
    | RefusedError,
    strawberry.union("RegisterCustomerResult"),
]
ChangeCustomerContactResult = Annotated[
    ChangeCustomerContactSuccess
    | ValidationError
    | DuplicateCustomerError
    | NotFoundError
    | PermissionDeniedError
    | CustomerForgottenError
    | RefusedError,
    strawberry.union("ChangeCustomerContactResult"),
]
ForgetCustomerResult = Annotated[
    ForgetCustomerSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | CustomerForgottenError
    | RefusedError,
    strawberry.union("ForgetCustomerResult"),
]


def _customer_id(raw: str) -> UUID | Error:
    try:
        return UUID(raw)
    except ValueError:
        return ValidationError(message="id is not a valid id", code="INVALID_VALUE", field="id")


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Register a customer; the phone number must be new to your tenant."
    )
    async def register_customer(
        self,
        info: NiagaInfo,
        input: RegisterCustomerInput,
    ) -> RegisterCustomerResult:
        niaga, principal = info.context.niaga, info.context.principal
        command = RegisterCustomer(input.name, input.phone, input.email, input.nik, input.address)

        def register() -> RegisterCustomerSuccess:
            customer_id = niaga.customers.register(principal, command)
            view = niaga.queries.customer(principal, customer_id)
            return RegisterCustomerSuccess(customer=Customer.from_view(view))

        result: RegisterCustomerResult = await run_command(register)
        return result

    @strawberry.mutation(description="Change a customer's contact data.")
    async def change_customer_contact(
        self,
        info: NiagaInfo,
        input: ChangeCustomerContactInput,
    ) -> ChangeCustomerContactResult:
        niaga, principal = info.context.niaga, info.context.principal
        customer_id = _customer_id(input.id)
        if isinstance(customer_id, Error):
            return customer_id  # type: ignore[return-value]
        command = ChangeCustomerContact(
            customer_id, input.name, input.phone, input.email, input.nik, input.address
        )

        def change() -> ChangeCustomerContactSuccess:
            niaga.customers.change_contact(principal, command)
            view = niaga.queries.customer(principal, customer_id)
            return ChangeCustomerContactSuccess(customer=Customer.from_view(view))

        result: ChangeCustomerContactResult = await run_command(change)
        return result

    @strawberry.mutation(
        description="Erase a customer's personal data for good (UU PDP). History and amounts stay."
    )
    async def forget_customer(self, info: NiagaInfo, id: strawberry.ID) -> ForgetCustomerResult:
        niaga, principal = info.context.niaga, info.context.principal
        customer_id = _customer_id(id)
        if isinstance(customer_id, Error):
            return customer_id  # type: ignore[return-value]

        def forget() -> ForgetCustomerSuccess:
            niaga.customers.forget(principal, customer_id)
            view = niaga.queries.customer(principal, customer_id)
            return ForgetCustomerSuccess(customer=Customer.from_view(view))

        result: ForgetCustomerResult = await run_command(forget)
        return result


def build_schema() -> strawberry.Schema:
    extensions: list[Any] = [
        ParserCache(maxsize=256),
        ValidationCache(maxsize=256),
        QueryDepthLimiter(max_depth=10),
        MaxTokensLimiter(max_token_count=2000),
    ]
    return strawberry.Schema(
        query=merge_types(
            "Query",
            (
                Query,
                BillingQuery,
                RouterQuery,
                RepairQuery,
                VoucherQuery,
                WebhookQuery,
                GatewayQuery,
                WhatsAppQuery,
                AuditQuery,
            ),
        ),
        mutation=merge_types(
            "Mutation",
            (
                Mutation,
                BillingMutation,
                RouterMutation,
                RepairMutation,
                VoucherMutation,
                VoucherSalesMutation,
                WebhookMutation,
                GatewayMutation,
                WhatsAppMutation,
            ),
        ),
        # Named Live, not Subscription: that name is the internet subscription's type.
        subscription=merge_types("Live", (RepairSubscription,)),
        types=[Error],
        extensions=extensions,
    )

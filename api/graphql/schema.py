"""Queries and mutations. Resolvers parse, call the application, and map errors; nothing else."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.extensions import MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types

from api.graphql.agency.media import MediaMutation, MediaQuery
from api.graphql.agency.projects import ProjectMutation, ProjectQuery
from api.graphql.agency.quotes import QuoteMutation, QuoteQuery
from api.graphql.ai.concierge import ConciergeMutation, ConciergeQuery
from api.graphql.ai.costs import AiCostQuery
from api.graphql.ai.digests import CeoDigestMutation, CeoDigestQuery
from api.graphql.ai.keys import AiMutation, AiQuery
from api.graphql.ai.knowledge import KnowledgeMutation, KnowledgeQuery
from api.graphql.ai.precheck import PrecheckMutation, PrecheckQuery
from api.graphql.audit.audit import AuditQuery
from api.graphql.billing.mutations import BillingMutation
from api.graphql.billing.queries import BillingQuery
from api.graphql.identity.accounts import IdentityMutation, IdentityQuery
from api.graphql.identity.teams import TeamMutation, TeamQuery
from api.graphql.integrations.webhooks import WebhookMutation, WebhookQuery
from api.graphql.messaging.whatsapp import WhatsAppMutation, WhatsAppQuery
from api.graphql.payments.gateways import GatewayMutation, GatewayQuery
from api.graphql.platform.console import OperatorMutation, OperatorQuery
from api.graphql.platform.roles import RoleMutation, RoleQuery
from api.graphql.repairs.counter import CounterMutation, CounterQuery
from api.graphql.repairs.repairs import RepairMutation, RepairQuery, RepairSubscription
from api.graphql.routers.routers import RouterMutation, RouterQuery
from api.graphql.shared.error_masking import HideInternalErrors
from api.graphql.shared.errors import (
    CustomerForgottenError,
    DuplicateCustomerError,
    Error,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    StoredPendingRead,
    ValidationError,
)
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.permissions import RequirePermissions
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.shared.types import AuditEntryConnection, Customer, CustomerConnection
from api.graphql.support.tickets import SupportMutation, SupportQuery
from api.graphql.vouchers.sales import VoucherSalesMutation
from api.graphql.vouchers.vouchers import VoucherMutation, VoucherQuery
from application.customers.customers import ChangeCustomerContact, RegisterCustomer
from application.shared.ports import AuditEntry as AuditEntryView
from application.shared.ports import Page

# The limits every operation is held to (docs/graphql.md): nesting of selections, and lexical
# tokens in the document (the body's size is bounded before parsing, in api/main.py).
MAX_QUERY_DEPTH = 10
MAX_QUERY_TOKENS = 2000


@strawberry.type
class Query:
    @strawberry.field(
        description="Customers of your tenant, oldest first; search by name or phone."
    )
    async def customers(
        self, info: NiagaInfo, search: str | None = None, first: int = 20, after: str | None = None
    ) -> CustomerConnection:
        services, principal = info.context.services, info.context.principal
        page = await query(
            lambda: services.customer_queries.customers(principal, search, first, after)
        )
        return CustomerConnection.from_page(page)

    @strawberry.field(description="One customer of your tenant by id.")
    async def customer(self, info: NiagaInfo, id: strawberry.ID) -> Customer:
        services, principal = info.context.services, info.context.principal
        view = await query(
            lambda: found(
                services.customer_queries.find_customer(principal, parse_id(id, "id")),
                "customer",
            )
        )
        return Customer.from_view(view)

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
        services, principal = info.context.services, info.context.principal

        def read() -> Page[AuditEntryView]:
            aggregate = parse_id(aggregate_id, "aggregateId") if aggregate_id else None
            return services.customer_queries.audit_log(principal, aggregate, first, after)

        return AuditEntryConnection.from_page(await query(read))


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
    | RefusedError
    | StoredPendingRead,
    strawberry.union("RegisterCustomerResult"),
]
ChangeCustomerContactResult = Annotated[
    ChangeCustomerContactSuccess
    | ValidationError
    | DuplicateCustomerError
    | NotFoundError
    | PermissionDeniedError
    | CustomerForgottenError
    | RefusedError
    | StoredPendingRead,
    strawberry.union("ChangeCustomerContactResult"),
]
ForgetCustomerResult = Annotated[
    ForgetCustomerSuccess
    | ValidationError
    | NotFoundError
    | PermissionDeniedError
    | CustomerForgottenError
    | RefusedError
    | StoredPendingRead,
    strawberry.union("ForgetCustomerResult"),
]


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
        services, principal = info.context.services, info.context.principal
        command = RegisterCustomer(input.name, input.phone, input.email, input.nik, input.address)

        def register() -> RegisterCustomerSuccess:
            customer_id = services.customers.register(principal, command)
            view = services.customer_queries.customer(principal, customer_id)
            return RegisterCustomerSuccess(customer=Customer.from_view(view))

        result: RegisterCustomerResult = await run_command(register)
        return result

    @strawberry.mutation(description="Change a customer's contact data.")
    async def change_customer_contact(
        self,
        info: NiagaInfo,
        input: ChangeCustomerContactInput,
    ) -> ChangeCustomerContactResult:
        services, principal = info.context.services, info.context.principal

        def change() -> ChangeCustomerContactSuccess:
            customer_id = parse_id(input.id, "id")
            command = ChangeCustomerContact(
                customer_id, input.name, input.phone, input.email, input.nik, input.address
            )
            services.customers.change_contact(principal, command)
            view = services.customer_queries.customer(principal, customer_id)
            return ChangeCustomerContactSuccess(customer=Customer.from_view(view))

        result: ChangeCustomerContactResult = await run_command(change)
        return result

    @strawberry.mutation(
        description="Erase a customer's personal data for good (UU PDP). History and amounts stay."
    )
    async def forget_customer(self, info: NiagaInfo, id: strawberry.ID) -> ForgetCustomerResult:
        services, principal = info.context.services, info.context.principal

        def forget() -> ForgetCustomerSuccess:
            customer_id = parse_id(id, "id")
            services.customers.forget(principal, customer_id)
            view = services.customer_queries.customer(principal, customer_id)
            return ForgetCustomerSuccess(customer=Customer.from_view(view))

        result: ForgetCustomerResult = await run_command(forget)
        return result


def build_schema() -> strawberry.Schema:
    extensions: list[Any] = [
        ParserCache(maxsize=256),
        ValidationCache(maxsize=256),
        QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH),
        MaxTokensLimiter(max_token_count=MAX_QUERY_TOKENS),
        RequirePermissions,
        HideInternalErrors,
    ]
    return strawberry.Schema(
        query=merge_types(
            "Query",
            (
                Query,
                BillingQuery,
                RouterQuery,
                RepairQuery,
                CounterQuery,
                VoucherQuery,
                WebhookQuery,
                GatewayQuery,
                WhatsAppQuery,
                AuditQuery,
                AiQuery,
                KnowledgeQuery,
                CeoDigestQuery,
                PrecheckQuery,
                AiCostQuery,
                ConciergeQuery,
                MediaQuery,
                QuoteQuery,
                ProjectQuery,
                SupportQuery,
                OperatorQuery,
                IdentityQuery,
                TeamQuery,
                RoleQuery,
            ),
        ),
        mutation=merge_types(
            "Mutation",
            (
                Mutation,
                BillingMutation,
                RouterMutation,
                RepairMutation,
                CounterMutation,
                VoucherMutation,
                VoucherSalesMutation,
                WebhookMutation,
                GatewayMutation,
                WhatsAppMutation,
                AiMutation,
                KnowledgeMutation,
                CeoDigestMutation,
                PrecheckMutation,
                ConciergeMutation,
                MediaMutation,
                QuoteMutation,
                ProjectMutation,
                SupportMutation,
                OperatorMutation,
                IdentityMutation,
                TeamMutation,
                RoleMutation,
            ),
        ),
        # Named Live, not Subscription: that name is the internet subscription's type.
        subscription=merge_types("Live", (RepairSubscription,)),
        types=[Error],
        extensions=extensions,
    )

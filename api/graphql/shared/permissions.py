"""Authorisation before validation: every root field names the permission its application
service checks, and that permission is checked here before any of the field's arguments is read.

A caller without the permission learns nothing about what it sent: a malformed id, an unknown
enum value or a bad date all get the same `PERMISSION_DENIED`. Only the GraphQL type system's own
checks (an `Int` given a string, an unknown field) come first, as they concern the query's shape
against the published schema, not its values. The services check the same permission again, so
an interface that skips this gate (the CLI, REST) is still refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_nullable_type,
    parse,
)
from graphql import (
    OperationType as DocumentOperation,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.graphql.shared.errors import PermissionDeniedError, as_graphql_error
from application.shared.authorization import Permission, permits, refusal
from application.shared.context import Principal
from application.shared.errors import PermissionDenied, TenantLocked, TenantMoving
from application.shared.tenant_access import ensure_writable

P = Permission
_MAX_TOKENS = 2000  # as the schema's own limit: a longer document is not parsed here

# Root fields anyone may use without a credential: registering and signing in (the identity
# services refuse what they must; a person's own fields below ask for its access token).
ANONYMOUS_FIELDS: frozenset[str] = frozenset(
    f"Mutation.{name}"
    for name in (
        "registerAccount",
        "verifyEmail",
        "signIn",
        "refreshSession",
        "requestMagicLink",
        "signInWithMagicLink",
        "requestPasswordReset",
        "resetPassword",
        "joinWithInvitation",
    )
)
# Root fields anyone authenticated may use: they read nothing of a tenant's, or only the
# caller's own account (the identity services refuse a caller that is no signed-in person).
PUBLIC_FIELDS: frozenset[str] = ANONYMOUS_FIELDS | {
    "Query.webhookEventTypes",
    # The permission matrix: what each role may do, no data of the tenant's.
    "Query.permissions",
    "Query.roles",
    "Query.me",
    "Mutation.signOut",
    "Mutation.signOutEverywhere",
    "Mutation.switchTenant",
    "Mutation.changePassword",
    "Mutation.acceptInvitation",
    "Mutation.leaveBusiness",
}

_QUERIES: dict[str, Permission] = {
    "customers": P.READ_CUSTOMERS,
    "customer": P.READ_CUSTOMERS,
    "auditLog": P.READ_AUDIT,
    "plans": P.READ_BILLING,
    "subscriptions": P.READ_BILLING,
    "invoices": P.READ_BILLING,
    "invoice": P.READ_BILLING,
    "customerStatement": P.READ_BILLING,
    "paymentLinks": P.READ_BILLING,
    "arAging": P.READ_REPORTS,
    "revenueByMonth": P.READ_REPORTS,
    "ppnReport": P.READ_REPORTS,
    "mrr": P.READ_REPORTS,
    "churn": P.READ_REPORTS,
    "technicianPerformance": P.READ_REPORTS,
    "bestSellingItems": P.READ_REPORTS,
    "routers": P.READ_ROUTERS,
    "provisioningStatus": P.READ_ROUTERS,
    "repairJobs": P.READ_REPAIRS,
    "repairBoardPosition": P.READ_REPAIRS,
    "repairJob": P.READ_REPAIRS,
    "technicians": P.READ_REPAIRS,
    "repairPolicy": P.READ_REPAIRS,
    "inventoryItems": P.READ_INVENTORY,
    "stockMovements": P.READ_INVENTORY,
    "purchaseOrders": P.READ_INVENTORY,
    "purchaseOrder": P.READ_INVENTORY,
    "promotions": P.READ_PROMOTIONS,
    "dailySales": P.READ_REPORTS,
    "voucherSettings": P.MANAGE_VOUCHERS,
    "voucherProfiles": P.READ_VOUCHERS,
    "vouchers": P.READ_VOUCHERS,
    "voucherStock": P.READ_VOUCHERS,
    "voucherSales": P.READ_VOUCHERS,
    "agents": P.READ_AGENTS,
    "agentLedger": P.READ_AGENTS,
    "commissionStatements": P.READ_AGENTS,
    "webhookEndpoints": P.READ_WEBHOOKS,
    "webhookDeliveries": P.READ_WEBHOOKS,
    "paymentCallbacks": P.READ_AUDIT,
    "gatewayAccounts": P.MANAGE_GATEWAYS,
    "whatsappChannel": P.READ_CUSTOMERS,
    "messageTemplates": P.READ_CUSTOMERS,
    "previewTemplate": P.READ_CUSTOMERS,
    "messageLog": P.READ_CUSTOMERS,
    "campaigns": P.READ_CUSTOMERS,
    "campaign": P.READ_CUSTOMERS,
    "aggregateAt": P.READ_AUDIT,
    "aggregateHistory": P.READ_AUDIT,
    "aiKeys": P.MANAGE_AI,
    "knowledgeDocuments": P.READ_KNOWLEDGE,
    "knowledgeDocument": P.READ_KNOWLEDGE,
    "mediaFolders": P.READ_MEDIA,
    "mediaFiles": P.READ_MEDIA,
    "mediaFile": P.READ_MEDIA,
    "rateCard": P.READ_QUOTES,
    "quotations": P.READ_QUOTES,
    "quotation": P.READ_QUOTES,
    "projects": P.READ_PROJECTS,
    "project": P.READ_PROJECTS,
    "tickets": P.READ_TICKETS,
    "ticket": P.READ_TICKETS,
    "supportSettings": P.READ_TICKETS,
    "aiSettings": P.MANAGE_AI,
    "precheckRules": P.READ_BILLING,
    "aiCosts": P.READ_REPORTS,
    "ceoDigest": P.READ_CEO_DIGEST,
    "ceoDigests": P.READ_CEO_DIGEST,
    "ceoDigestRecipients": P.MANAGE_TENANT,
    "ceoDigestEmailRecipients": P.MANAGE_TENANT,
    "conciergeConversations": P.HANDLE_CONCIERGE,
    "conciergeConversation": P.HANDLE_CONCIERGE,
    "teamMembers": P.READ_TEAM,
    "teamInvitations": P.READ_TEAM,
    # the operator's console (an operator's key only)
    "platformTenants": P.OPERATE_PLATFORM,
    "platformTenant": P.OPERATE_PLATFORM,
    "systemHealth": P.OPERATE_PLATFORM,
    "tenantFigures": P.OPERATE_PLATFORM,
    "tenantMove": P.OPERATE_PLATFORM,
}

_MUTATIONS: dict[str, Permission] = {
    "registerCustomer": P.WRITE_CUSTOMERS,
    "changeCustomerContact": P.WRITE_CUSTOMERS,
    "tagCustomer": P.WRITE_CUSTOMERS,
    "forgetCustomer": P.FORGET_CUSTOMERS,
    # billing
    "createPlan": P.MANAGE_PLANS,
    "changePlanPrice": P.MANAGE_PLANS,
    "addPromotion": P.MANAGE_PLANS,
    "retirePlan": P.MANAGE_PLANS,
    "subscribe": P.MANAGE_SUBSCRIPTIONS,
    "activateSubscription": P.MANAGE_SUBSCRIPTIONS,
    "changePlan": P.MANAGE_SUBSCRIPTIONS,
    "softLimitSubscription": P.MANAGE_SUBSCRIPTIONS,
    "suspendSubscription": P.MANAGE_SUBSCRIPTIONS,
    "reactivateSubscription": P.MANAGE_SUBSCRIPTIONS,
    "terminateSubscription": P.MANAGE_SUBSCRIPTIONS,
    "draftInvoice": P.ISSUE_INVOICES,
    "issueInvoice": P.ISSUE_INVOICES,
    "voidInvoice": P.VOID_INVOICES,
    "creditInvoice": P.VOID_INVOICES,
    "recordPayment": P.RECORD_PAYMENTS,
    "submitTransfer": P.SUBMIT_TRANSFERS,
    "approveTransfer": P.APPROVE_TRANSFERS,
    "rejectTransfer": P.APPROVE_TRANSFERS,
    "runBilling": P.RUN_BILLING,
    "runDunning": P.RUN_BILLING,
    # the tenant
    "changeBillingPolicy": P.MANAGE_TENANT,
    "updateTenantSettings": P.MANAGE_TENANT,
    "changeIsolirPolicy": P.MANAGE_TENANT,
    # routers
    "addRouter": P.MANAGE_ROUTERS,
    "updateRouter": P.MANAGE_ROUTERS,
    "testRouterConnection": P.MANAGE_ROUTERS,
    "retryProvisioning": P.MANAGE_ROUTERS,
    # repairs
    "setRepairPolicy": P.MANAGE_REPAIR_SETTINGS,
    "addTechnician": P.MANAGE_REPAIR_SETTINGS,
    "deactivateTechnician": P.MANAGE_REPAIR_SETTINGS,
    "receiveRepairJob": P.WRITE_REPAIRS,
    "answerRepairQuote": P.WRITE_REPAIRS,
    "deliverRepairJob": P.WRITE_REPAIRS,
    "cancelRepairJob": P.WRITE_REPAIRS,
    "claimRepairWarranty": P.WRITE_REPAIRS,
    "assignTechnician": P.ASSIGN_REPAIRS,
    "changeRepairPriority": P.ASSIGN_REPAIRS,
    "diagnoseRepairJob": P.WORK_ON_REPAIRS,
    "quoteRepairJob": P.WORK_ON_REPAIRS,
    "startRepair": P.WORK_ON_REPAIRS,
    "completeRepair": P.WORK_ON_REPAIRS,
    "reserveStock": P.WORK_ON_REPAIRS,
    "releaseStock": P.WORK_ON_REPAIRS,
    "consumeStock": P.WORK_ON_REPAIRS,
    "invoiceRepairJob": P.ISSUE_INVOICES,
    "registerInventoryItem": P.MANAGE_INVENTORY,
    "repriceInventoryItem": P.MANAGE_INVENTORY,
    "receiveStock": P.MANAGE_INVENTORY,
    "adjustStock": P.MANAGE_INVENTORY,
    "stockTake": P.MANAGE_INVENTORY,
    "draftPurchaseOrder": P.MANAGE_INVENTORY,
    "placePurchaseOrder": P.MANAGE_INVENTORY,
    "cancelPurchaseOrder": P.MANAGE_INVENTORY,
    "receivePurchaseOrder": P.MANAGE_INVENTORY,
    "counterSale": P.SELL_AT_COUNTER,
    "categoriseInventoryItem": P.MANAGE_INVENTORY,
    "createPromotion": P.MANAGE_PROMOTIONS,
    "endPromotion": P.MANAGE_PROMOTIONS,
    # vouchers and agents
    "configureVouchers": P.MANAGE_VOUCHERS,
    "createVoucherProfile": P.MANAGE_VOUCHERS,
    "updateVoucherProfile": P.MANAGE_VOUCHERS,
    "generateVouchers": P.MANAGE_VOUCHERS,
    "revokeVoucher": P.MANAGE_VOUCHERS,
    "buyVouchers": P.BUY_VOUCHERS,
    "sellVouchers": P.SELL_VOUCHERS,
    "sellVoucher": P.SELL_VOUCHERS,
    "recordFirstLogin": P.SELL_VOUCHERS,
    "recordVoucherUsedUp": P.SELL_VOUCHERS,
    "enrollAgent": P.MANAGE_AGENTS,
    "topUpAgent": P.MANAGE_AGENTS,
    "adjustAgentBalance": P.MANAGE_AGENTS,
    "changeAgentCreditLimit": P.MANAGE_AGENTS,
    "requestAgentTopUp": P.MANAGE_AGENTS,
    "issueAgentApiKey": P.MANAGE_AGENTS,
    "assignAgentShopCode": P.MANAGE_AGENTS,
    "createAgentTopUpLink": P.MANAGE_AGENTS,
    # webhooks
    "createWebhookEndpoint": P.MANAGE_WEBHOOKS,
    "updateWebhookEndpoint": P.MANAGE_WEBHOOKS,
    "rotateWebhookSecret": P.MANAGE_WEBHOOKS,
    "disableWebhookEndpoint": P.MANAGE_WEBHOOKS,
    "enableWebhookEndpoint": P.MANAGE_WEBHOOKS,
    "deleteWebhookEndpoint": P.MANAGE_WEBHOOKS,
    "redeliverWebhook": P.MANAGE_WEBHOOKS,
    "replayWebhookEvents": P.MANAGE_WEBHOOKS,
    # payments
    "configureGateway": P.MANAGE_GATEWAYS,
    "createPaymentLink": P.CREATE_PAYMENT_LINKS,
    # messaging
    "configureWhatsapp": P.MANAGE_TENANT,
    "setMessageTemplate": P.MANAGE_TENANT,
    "resetMessageTemplate": P.MANAGE_TENANT,
    "createCampaign": P.MANAGE_TENANT,
    "scheduleCampaign": P.MANAGE_TENANT,
    "stopCampaign": P.MANAGE_TENANT,
    "stopAllCampaigns": P.MANAGE_TENANT,
    # AI
    "addAiKey": P.MANAGE_AI,
    "disableAiKey": P.MANAGE_AI,
    "setAiEnabled": P.MANAGE_AI,
    "uploadKnowledgeDocument": P.MANAGE_KNOWLEDGE,
    "deleteKnowledgeDocument": P.MANAGE_KNOWLEDGE,
    "askKnowledgeBase": P.READ_KNOWLEDGE,
    "createMediaFolder": P.MANAGE_MEDIA,
    "renameMedia": P.MANAGE_MEDIA,
    "moveMedia": P.MANAGE_MEDIA,
    "deleteMedia": P.MANAGE_MEDIA,
    "setRateCardFeature": P.MANAGE_QUOTES,
    "removeRateCardFeature": P.MANAGE_QUOTES,
    "setComplexityMultipliers": P.MANAGE_QUOTES,
    "setProjectManagementPercent": P.MANAGE_QUOTES,
    "estimateQuote": P.MANAGE_QUOTES,
    "createQuotation": P.MANAGE_QUOTES,
    "sendQuotation": P.MANAGE_QUOTES,
    "acceptQuotation": P.MANAGE_QUOTES,
    "declineQuotation": P.MANAGE_QUOTES,
    "invoiceQuotation": P.ISSUE_INVOICES,
    "createProject": P.MANAGE_PROJECTS,
    "updateProject": P.MANAGE_PROJECTS,
    "addMilestone": P.MANAGE_PROJECTS,
    "updateMilestone": P.MANAGE_PROJECTS,
    "removeMilestone": P.MANAGE_PROJECTS,
    "reachMilestone": P.ISSUE_INVOICES,
    "assignProjectMembers": P.MANAGE_PROJECTS,
    "completeProject": P.MANAGE_PROJECTS,
    "cancelProject": P.MANAGE_PROJECTS,
    "openTicket": P.MANAGE_TICKETS,
    "assignTicket": P.MANAGE_TICKETS,
    "addTicketNote": P.MANAGE_TICKETS,
    "replyToTicket": P.MANAGE_TICKETS,
    "changeTicketStatus": P.MANAGE_TICKETS,
    "changeTicketPriority": P.MANAGE_TICKETS,
    "setSupportHours": P.MANAGE_TENANT,
    "setSupportTargets": P.MANAGE_TENANT,
    "precheckInvoice": P.ISSUE_INVOICES,
    "precheckInvoiceDraft": P.ISSUE_INVOICES,
    "precheckQuote": P.WORK_ON_REPAIRS,
    "setPrecheckRules": P.MANAGE_TENANT,
    "setCeoDigestRecipients": P.MANAGE_TENANT,
    "setCeoDigestEmailRecipients": P.MANAGE_TENANT,
    "assignConciergeConversation": P.HANDLE_CONCIERGE,
    "replyToConciergeConversation": P.HANDLE_CONCIERGE,
    "closeConciergeConversation": P.HANDLE_CONCIERGE,
    # the business's team
    "inviteTeamMember": P.MANAGE_TEAM,
    "resendInvitation": P.MANAGE_TEAM,
    "revokeInvitation": P.MANAGE_TEAM,
    "changeTeamMemberRole": P.MANAGE_TEAM,
    "assignTeamMemberCustomRole": P.MANAGE_TEAM,
    "removeTeamMember": P.MANAGE_TEAM,
    # the business's custom roles
    "defineCustomRole": P.MANAGE_ROLES,
    "updateCustomRole": P.MANAGE_ROLES,
    "deleteCustomRole": P.MANAGE_ROLES,
    # the operator's console (an operator's key only)
    "registerTenant": P.OPERATE_PLATFORM,
    "lockTenant": P.OPERATE_PLATFORM,
    "unlockTenant": P.OPERATE_PLATFORM,
    "upgradeTenant": P.OPERATE_PLATFORM,
}

_LIVE: dict[str, Permission] = {"jobBoardChanged": P.READ_REPAIRS}

# "Type.field" -> the permission the field's application service requires.
REQUIRED_PERMISSIONS: Mapping[str, Permission] = {
    **{f"Query.{name}": permission for name, permission in _QUERIES.items()},
    **{f"Mutation.{name}": permission for name, permission in _MUTATIONS.items()},
    **{f"Live.{name}": permission for name, permission in _LIVE.items()},
}


class RequirePermissions(SchemaExtension):
    """Checks a root field's permission before the field's resolver reads its arguments.

    A field missing from the registry is refused to everyone: a new field is closed until it
    names its permission (the suite checks that every field does). Subscriptions do not pass
    through field resolution before their first event, so they are checked when execution
    starts, from the fields the operation selects.
    """

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.operation_type is OperationType.SUBSCRIPTION:
            document = execution.graphql_document
            principal: Principal = execution.context.principal
            if document is None:  # nothing to read the fields from: closed, like an unknown one
                raise as_graphql_error(_refusal(principal, None, "Live"))
            for name in _root_fields(document, execution.operation_name):
                permission = REQUIRED_PERMISSIONS.get(f"Live.{name}")
                if permission is None or not permits(principal, permission):
                    raise as_graphql_error(_refusal(principal, permission, f"Live.{name}"))
        yield

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if not _is_root_field(info):
            return _next(root, info, *args, **kwargs)
        field = f"{info.parent_type.name}.{info.field_name}"
        if field in PUBLIC_FIELDS:
            return _next(root, info, *args, **kwargs)
        principal: Principal = info.context.principal  # unauthenticated: refused there
        permission = REQUIRED_PERMISSIONS.get(field)
        if permission is None or not permits(principal, permission):
            return _denied(info, principal, permission)
        if info.parent_type is info.schema.mutation_type:
            _writable(principal)
        return _next(root, info, *args, **kwargs)


def anonymous_operation(body: object) -> bool:
    """Whether a GraphQL request body asks only for fields anyone may use without a credential
    (a document that does not parse, or a batch, is not)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return False
    name = body.get("operationName")
    try:
        document = parse(body["query"], no_location=True, max_lexical_tokens=_MAX_TOKENS)
    except GraphQLError:
        return False
    fields = set(_root_fields(document, name if isinstance(name, str) else None))
    operations = {
        node.operation
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode)
        and (name is None or (node.name and node.name.value == name))
    }
    mutations = {f"Mutation.{field}" for field in fields}
    only_anonymous = bool(fields) and mutations <= ANONYMOUS_FIELDS
    return operations == {DocumentOperation.MUTATION} and only_anonymous


def _writable(principal: Principal) -> None:
    """A soft-locked or moving tenant's mutations fail, whatever their result type, with a code
    (TENANT_LOCKED, TENANT_MOVING) and, for a move, `retryAfter` in seconds."""
    try:
        ensure_writable(principal)
    except TenantMoving as error:
        extensions = {"code": error.code, "field": None, "retryAfter": error.retry_after}
        raise GraphQLError(error.message, extensions=extensions) from None
    except TenantLocked as error:
        raise as_graphql_error(error) from None


def _is_root_field(info: GraphQLResolveInfo[Any]) -> bool:
    schema = info.schema
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return info.parent_type in roots and not info.field_name.startswith("__")


def _denied(
    info: GraphQLResolveInfo[Any], principal: Principal, permission: Permission | None
) -> Any:
    """A mutation whose result union has a PermissionDeniedError answers with it (data, 200);
    anything else fails with a PERMISSION_DENIED error."""
    error = _refusal(principal, permission, f"{info.parent_type.name}.{info.field_name}")
    result_type = get_nullable_type(info.return_type)
    if isinstance(result_type, GraphQLUnionType) and any(
        member.name == PermissionDeniedError.__name__ for member in result_type.types
    ):
        return PermissionDeniedError(message=error.message, code=error.code, field=None)
    raise as_graphql_error(error)


def _refusal(principal: Principal, permission: Permission | None, field: str) -> PermissionDenied:
    if permission is None:
        return PermissionDenied(f"{field} names no permission")
    return refusal(principal, permission)


def _root_fields(document: DocumentNode, operation_name: str | None) -> Iterator[str]:
    """The names of the root fields the chosen operation selects, through fragments."""
    fragments = {
        node.name.value: node
        for node in document.definitions
        if isinstance(node, FragmentDefinitionNode)
    }
    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode) and (
            operation_name is None or (node.name and node.name.value == operation_name)
        ):
            yield from _selected(node.selection_set, fragments)


def _selected(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[str]:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            yield selection.name.value
        elif isinstance(selection, InlineFragmentNode):
            yield from _selected(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _selected(fragments[selection.name.value].selection_set, fragments)

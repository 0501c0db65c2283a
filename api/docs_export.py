"""Generated documentation: the GraphQL schema, the event catalogue and the permission matrix,
all from the code."""

from __future__ import annotations

import dataclasses
import inspect
import json

from api.graphql.schema import build_schema
from api.main import openapi_document
from application.integrations.public_events import CATALOGUE
from application.shared.authorization import Permission, roles_with
from domain.agency.project import Project
from domain.agency.quotation import Quotation, QuotationNumbering
from domain.agency.quote_summary import QuoteSummary
from domain.agency.rate_card import RateCard
from domain.ai.budget import AiBudget
from domain.ai.conversation import Conversation
from domain.ai.digest import CeoDigest, DigestRecipients
from domain.ai.key import AiKey
from domain.ai.knowledge import KnowledgeDocument, KnowledgeQuestion
from domain.ai.precheck import Precheck
from domain.ai.precheck_rules import PrecheckRules
from domain.ai.settings import AiSettings
from domain.billing.invoice import BillingDay, Invoice, InvoiceNumbering
from domain.billing.plan import Plan
from domain.billing.subscription import Subscription
from domain.customers.customer import Customer, CustomerPhone
from domain.customers.customer_tags import CustomerTags
from domain.identity.email_claim import EmailClaim
from domain.identity.invitation import Invitation
from domain.identity.person import Person
from domain.identity.session import Session
from domain.identity.team import Team
from domain.integrations.webhook import WebhookEndpoint
from domain.integrations.webhook_delivery import WebhookDelivery
from domain.messaging.campaign import BroadcastDay, Campaign
from domain.messaging.email import OutboundEmail
from domain.messaging.message_template import MessageTemplates
from domain.messaging.notification import NotificationRequest
from domain.messaging.whatsapp import OutboundMessage, WhatsAppChannel, WhatsAppConsent
from domain.payments.gateway import GatewayAccount, GatewayCallback, PaymentLink
from domain.payments.payment import CustomerAccount, Payment, Transfer
from domain.platform.custom_roles import CustomRoles
from domain.platform.metering import ActiveSubscriberCount, MeterReport
from domain.platform.stripe_webhook import StripeWebhook
from domain.platform.subscription import PlatformSubscription
from domain.platform.tenant import Tenant
from domain.repairs.inventory import InventoryItem, PurchaseOrder
from domain.repairs.promotion import Promotion
from domain.repairs.repair_job import RepairJob, RepairSettings, Technician
from domain.repairs.sale import Sale
from domain.routers.provisioning import Provisioning
from domain.routers.router import Router
from domain.shared.roles import PlatformRole, Role
from domain.vouchers.agent import Agent, AgentLogin, AgentPhone
from domain.vouchers.voucher import Voucher, VoucherBatch, VoucherProfile, VoucherSettings
from domain.vouchers.voucher_order import ShopCode, VoucherOrder

AGGREGATES: list[type] = [
    Tenant,
    CustomRoles,
    Person,
    EmailClaim,
    Session,
    Team,
    Invitation,
    Customer,
    CustomerPhone,
    Plan,
    Subscription,
    Invoice,
    InvoiceNumbering,
    BillingDay,
    Payment,
    CustomerAccount,
    Transfer,
    NotificationRequest,
    Router,
    Provisioning,
    RepairJob,
    RepairSettings,
    Technician,
    InventoryItem,
    PurchaseOrder,
    Promotion,
    Sale,
    WebhookEndpoint,
    WebhookDelivery,
    VoucherProfile,
    VoucherBatch,
    Voucher,
    VoucherSettings,
    Agent,
    AgentPhone,
    AgentLogin,
    ShopCode,
    VoucherOrder,
    GatewayAccount,
    PaymentLink,
    GatewayCallback,
    WhatsAppChannel,
    WhatsAppConsent,
    OutboundMessage,
    OutboundEmail,
    MessageTemplates,
    Campaign,
    BroadcastDay,
    CustomerTags,
    AiKey,
    AiSettings,
    AiBudget,
    Precheck,
    PrecheckRules,
    CeoDigest,
    DigestRecipients,
    Conversation,
    KnowledgeDocument,
    KnowledgeQuestion,
    PlatformSubscription,
    StripeWebhook,
    MeterReport,
    ActiveSubscriberCount,
    RateCard,
    QuoteSummary,
    Quotation,
    QuotationNumbering,
    Project,
]
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def openapi_json() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n"


def webhook_catalogue() -> str:
    """The public event types integrators receive, from the mapping itself."""
    lines = [
        "# Webhook event types",
        "",
        "Generated from `application/public_event_types.py` by `niaga export-webhook-events",
        "docs/webhook-events.md`; a test fails when it is stale. Every message is the envelope",
        "described in [webhooks.md](webhooks.md) with one of these types; `data` has exactly",
        "the fields listed. Dates are `YYYY-MM-DD`, amounts are integers in the currency's minor",
        "unit (whole rupiah), ids are UUIDs.",
        "",
    ]
    for kind in CATALOGUE:
        source = f"{kind.source.__qualname__}"
        lines += [
            f"## `{kind.name}` (version {kind.version})",
            "",
            f"{kind.description} From the domain event `{source}`.",
            "",
            "| field | meaning |",
            "|---|---|",
            *(f"| `{name}` | {meaning} |" for name, meaning in kind.fields.items()),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def graphql_sdl() -> str:
    return str(build_schema()) + "\n"


def event_catalogue() -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from the code by `niaga export-events docs/events.md`; a test fails when it is",
        "stale. Every event is stored with its topic (`module:Aggregate.Event`), the aggregate id",
        "and version, a timestamp, and an envelope: tenant, actor, command, correlation id and",
        "causation id. Fields marked *personal* are encrypted with the data subject's own key and",
        "read back as `[forgotten]` once that key is destroyed.",
        "",
        "## Changing an event",
        "",
        "Stored events are never edited, and topics are never renamed: the topic is stored with",
        "every event, so an event class and its aggregate keep their names for good. An event",
        "changes shape by a new version of its class, and an upcaster reads the old shape:",
        "",
        "- Give the class `class_version = N + 1` (a class without one is version 1) and a static",
        "  method `upcast_vN_vN+1(state)` that turns the stored state of version N into that of",
        "  N + 1 in place. When an event is read, `application/shared/mapper.py` runs the",
        "  upcasters from the version it was stored at up to the current one; new events are",
        "  stored at the current version.",
        "- **Add a field** without a default; the upcaster gives older events the value they",
        "  implicitly had, with `state.setdefault(...)` when some of them may already carry it",
        "  (`PaymentLink.Created`, version 2, is the example).",
        "- **Rename a field**: the upcaster moves the value to the new key. **Remove a field**: it",
        "  drops the key. **Change a field's type**: it converts the value.",
        "- A payload that is more than a plain value is a frozen dataclass, registered once under",
        "  a name that never changes in `application/shared/event_payloads.py` and stored as the",
        "  JSON object of its fields. Events that held such a payload as a bare JSON object upcast",
        "  it with `typed_fields` (`domain/shared/payloads.py`).",
        "- A domain module that moves keeps its events readable: add its old name to",
        "  `MOVED_MODULES` in `domain/shared/topics.py`.",
        "- Test a change by inserting an event row in the old shape, as the older release wrote",
        "  it, and loading it into its aggregate and its read models",
        "  (`tests/integration/test_event_versions.py`).",
        "",
        "The event that destroys a data subject's key says so with `erases_subject = True`",
        "(`Customer.Forgotten`): readers then drop the key they hold and redact what they showed.",
        "",
    ]
    for aggregate in AGGREGATES:
        lines += [f"## {aggregate.__name__}", "", _doc(aggregate), ""]
        for event_class in _events(aggregate):
            lines += _event_section(aggregate, event_class)
    return "\n".join(lines).rstrip() + "\n"


def _events(aggregate: type) -> list[type]:
    base = aggregate.Event  # type: ignore[attr-defined]
    found = [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type)
        and issubclass(value, base)
        and value is not base
        and value.__name__ != "Created"  # the library's base class, never triggered itself
    ]
    return sorted(found, key=lambda cls: cls.__qualname__)


def _event_section(aggregate: type, event_class: type) -> list[str]:
    personal: frozenset[str] = getattr(event_class, "personal_fields", frozenset())
    fields = [f for f in dataclasses.fields(event_class) if f.name not in _ENVELOPE]
    lines = [
        f"### {event_class.__qualname__}",
        "",
        f"Topic: `{event_class.__module__}:{event_class.__qualname__}`",
        "",
    ]
    if not fields:
        return [*lines, "No fields of its own.", ""]
    lines += ["| field | type | personal |", "|---|---|---|"]
    for field in fields:
        kind = (
            field.type
            if isinstance(field.type, str)
            else getattr(field.type, "__name__", str(field.type))
        )
        lines.append(f"| `{field.name}` | `{kind}` | {'yes' if field.name in personal else ''} |")
    return [*lines, ""]


def _doc(obj: type) -> str:
    return inspect.getdoc(obj) or ""


def permission_matrix() -> str:
    """`docs/permissions.md`: which role holds which permission, read from the grants that
    `application.shared.authorization.authorize` enforces."""
    # The platform operator's role last: it holds the operator's console alone.
    roles: list[Role | PlatformRole] = [*Role, PlatformRole.OPERATOR]
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `application/shared/authorization.py` by `niaga export-permissions`",
        "(`make schema`); the suite fails when it is stale. Every command and query checks its",
        "permission in the application layer; a caller without it gets `PERMISSION_DENIED`.",
        "Agents see only their own and their downline's vouchers and ledgers; every role sees",
        "only its own tenant. The platform operator (an operator key, `nop_...`) holds",
        "`platform:operate` alone: the operator's console, and nothing of any tenant's.",
        "",
        "A business may also define **custom roles** (`defineCustomRole`, `roles:manage`) for",
        "its API keys and team members (`assignTeamMemberCustomRole`): each is based on a",
        "built-in role other than owner, whose scoping it keeps (an agent-based",
        "role still sees only its own vouchers), and holds exactly the permissions it lists, any",
        "of those below but `platform:operate`. The queries `permissions` and `roles` return",
        "this table, and the business's custom roles, to anyone signed in to the business. See",
        "[identity](identity.md#roles-and-permissions).",
        "",
        "| permission | " + " | ".join(role.value for role in roles) + " |",
        "|---|" + "---|" * len(roles),
    ]
    for permission in Permission:
        granted = roles_with(permission)
        marks = " | ".join("yes" if role in granted else "" for role in roles)
        lines.append(f"| `{permission.value}` | {marks} |")
    return "\n".join(lines) + "\n"

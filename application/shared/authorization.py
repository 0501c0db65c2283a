"""Role-based access: which role may do what. Checked in the application layer, not resolvers."""

from collections.abc import Iterable
from enum import StrEnum

from application.shared.context import Principal
from application.shared.errors import PermissionDenied
from domain.shared.roles import PlatformRole, Role


class Permission(StrEnum):
    READ_CUSTOMERS = "customers:read"
    WRITE_CUSTOMERS = "customers:write"
    FORGET_CUSTOMERS = "customers:forget"
    READ_AUDIT = "audit:read"
    MANAGE_TENANT = "tenant:manage"
    READ_BILLING = "billing:read"
    MANAGE_PLANS = "plans:manage"
    MANAGE_SUBSCRIPTIONS = "subscriptions:manage"
    ISSUE_INVOICES = "invoices:issue"
    VOID_INVOICES = "invoices:void"
    RECORD_PAYMENTS = "payments:record"
    SUBMIT_TRANSFERS = "transfers:submit"
    APPROVE_TRANSFERS = "transfers:approve"
    RUN_BILLING = "billing:run"
    READ_REPORTS = "reports:read"
    MANAGE_ROUTERS = "routers:manage"
    READ_ROUTERS = "routers:read"
    READ_REPAIRS = "repairs:read"
    WRITE_REPAIRS = "repairs:write"
    WORK_ON_REPAIRS = "repairs:work"
    ASSIGN_REPAIRS = "repairs:assign"
    MANAGE_REPAIR_SETTINGS = "repairs:settings"
    READ_INVENTORY = "inventory:read"
    MANAGE_INVENTORY = "inventory:manage"
    SELL_AT_COUNTER = "counter:sell"
    MANAGE_PROMOTIONS = "promotions:manage"
    READ_PROMOTIONS = "promotions:read"
    MANAGE_WEBHOOKS = "webhooks:manage"
    READ_WEBHOOKS = "webhooks:read"
    MANAGE_VOUCHERS = "vouchers:manage"
    SELL_VOUCHERS = "vouchers:sell"
    READ_VOUCHERS = "vouchers:read"
    BUY_VOUCHERS = "vouchers:buy"
    MANAGE_AGENTS = "agents:manage"
    READ_AGENTS = "agents:read"
    MANAGE_GATEWAYS = "gateways:manage"
    CREATE_PAYMENT_LINKS = "payment_links:create"
    MANAGE_AI = "ai:manage"
    READ_KNOWLEDGE = "knowledge:read"
    MANAGE_KNOWLEDGE = "knowledge:manage"
    READ_CEO_DIGEST = "ceo_digest:read"
    HANDLE_CONCIERGE = "concierge:handle"
    READ_MEDIA = "media:read"
    MANAGE_MEDIA = "media:manage"
    READ_QUOTES = "quotes:read"
    MANAGE_QUOTES = "quotes:manage"
    READ_PROJECTS = "projects:read"
    MANAGE_PROJECTS = "projects:manage"
    READ_TICKETS = "tickets:read"
    MANAGE_TICKETS = "tickets:manage"
    READ_TEAM = "team:read"
    MANAGE_TEAM = "team:manage"
    MANAGE_ROLES = "roles:manage"
    # The operator's console: tenants, stores, health and margins. No tenant role holds it.
    OPERATE_PLATFORM = "platform:operate"


_EVERYONE = frozenset(Role)
_GRANTS: dict[Permission, frozenset[Role | PlatformRole]] = {
    Permission.READ_CUSTOMERS: _EVERYONE - {Role.AGENT},
    Permission.WRITE_CUSTOMERS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Permission.FORGET_CUSTOMERS: frozenset({Role.OWNER, Role.ADMIN}),
    Permission.READ_AUDIT: frozenset({Role.OWNER, Role.ADMIN, Role.AUDITOR, Role.FINANCE}),
    Permission.MANAGE_TENANT: frozenset({Role.OWNER, Role.ADMIN}),
    Permission.READ_BILLING: _EVERYONE - {Role.AGENT, Role.TECHNICIAN},
    Permission.MANAGE_PLANS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.MANAGE_SUBSCRIPTIONS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Permission.ISSUE_INVOICES: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.FINANCE}),
    Permission.VOID_INVOICES: frozenset({Role.OWNER, Role.ADMIN, Role.FINANCE}),
    Permission.RECORD_PAYMENTS: frozenset({Role.OWNER, Role.ADMIN, Role.FINANCE}),
    Permission.SUBMIT_TRANSFERS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.FINANCE}
    ),
    Permission.APPROVE_TRANSFERS: frozenset({Role.OWNER, Role.ADMIN, Role.FINANCE}),
    Permission.RUN_BILLING: frozenset({Role.OWNER, Role.ADMIN, Role.FINANCE}),
    Permission.MANAGE_ROUTERS: frozenset({Role.OWNER, Role.ADMIN, Role.TECHNICIAN}),
    Permission.READ_ROUTERS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.TECHNICIAN, Role.AUDITOR}
    ),
    Permission.MANAGE_WEBHOOKS: frozenset({Role.OWNER, Role.ADMIN}),
    Permission.READ_WEBHOOKS: frozenset({Role.OWNER, Role.ADMIN, Role.AUDITOR}),
    Permission.MANAGE_GATEWAYS: frozenset({Role.OWNER, Role.ADMIN}),
    # AI keys (sealed like gateway credentials) and the tenant's AI switch.
    Permission.MANAGE_AI: frozenset({Role.OWNER, Role.ADMIN}),
    # The knowledge base: staff and technicians ask it (SOPs), managers keep its documents.
    Permission.READ_KNOWLEDGE: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_KNOWLEDGE: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    # The owner's morning digest of the business (and producing one on demand).
    Permission.READ_CEO_DIGEST: frozenset({Role.OWNER, Role.ADMIN}),
    # The WhatsApp concierge's queue: chats handed to the technicians (read, assign, reply, close).
    Permission.HANDLE_CONCIERGE: frozenset({Role.OWNER, Role.ADMIN, Role.TECHNICIAN}),
    Permission.CREATE_PAYMENT_LINKS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.FINANCE}
    ),
    Permission.READ_REPORTS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.FINANCE, Role.AUDITOR}
    ),
    # The repair shop: the counter takes devices in and hands them back, technicians work on
    # them, managers assign work and keep the settings.
    Permission.READ_REPAIRS: _EVERYONE - {Role.AGENT},
    Permission.WRITE_REPAIRS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    Permission.WORK_ON_REPAIRS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.TECHNICIAN}
    ),
    Permission.ASSIGN_REPAIRS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.MANAGE_REPAIR_SETTINGS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.READ_INVENTORY: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_INVENTORY: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.SELL_AT_COUNTER: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.FINANCE}
    ),
    # Managers set the counter's promotions; whoever sells or reads the books may see them.
    Permission.MANAGE_PROMOTIONS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.READ_PROMOTIONS: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_VOUCHERS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.SELL_VOUCHERS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    # Agents read only their own and their downline's vouchers and ledgers (scoped by the
    # voucher services).
    Permission.READ_VOUCHERS: _EVERYONE - {Role.TECHNICIAN},
    Permission.BUY_VOUCHERS: frozenset({Role.OWNER, Role.ADMIN, Role.AGENT}),
    Permission.MANAGE_AGENTS: frozenset({Role.OWNER, Role.ADMIN, Role.FINANCE}),
    Permission.READ_AGENTS: _EVERYONE - {Role.TECHNICIAN, Role.STAFF},
    # The media library: every tenant role may look and download (agents excepted: they
    # resell vouchers, not the agency's work); those who make the work may upload and arrange.
    Permission.READ_MEDIA: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_MEDIA: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    # The quote calculator: the rate card and quotations, read like the media library; those
    # who sell the agency's work price it and keep its quotations.
    Permission.READ_QUOTES: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_QUOTES: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF}),
    # Client projects: read like the quote calculator; those who run the agency's delivery keep
    # them and their milestones (reaching one issues an invoice: `invoices:issue`).
    Permission.READ_PROJECTS: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_PROJECTS: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    # Support tickets: every tenant role reads them (agents excepted: they resell vouchers);
    # those who answer customers work on them, technicians included.
    Permission.READ_TICKETS: _EVERYONE - {Role.AGENT},
    Permission.MANAGE_TICKETS: frozenset(
        {Role.OWNER, Role.ADMIN, Role.MANAGER, Role.STAFF, Role.TECHNICIAN}
    ),
    # The business's people: managers see who belongs and who is invited; owners and admins
    # invite, change roles and remove (and only an owner gives or takes the owner role).
    Permission.READ_TEAM: frozenset({Role.OWNER, Role.ADMIN, Role.MANAGER}),
    Permission.MANAGE_TEAM: frozenset({Role.OWNER, Role.ADMIN}),
    # The business's custom roles: defining, changing and deleting them (who holds one is
    # `team:manage`, as for any role).
    Permission.MANAGE_ROLES: frozenset({Role.OWNER, Role.ADMIN}),
    # The operator holds this alone, and no tenant role holds it.
    Permission.OPERATE_PLATFORM: frozenset({PlatformRole.OPERATOR}),
}


def roles_with(permission: Permission) -> frozenset[Role | PlatformRole]:
    return _GRANTS[permission]


def granted_to(role: Role) -> frozenset[Permission]:
    """The permissions a built-in role holds."""
    return frozenset(p for p, roles in _GRANTS.items() if role in roles)


def permissions_named(names: Iterable[str]) -> frozenset[Permission]:
    """A custom role's permissions by name (a name no longer declared grants nothing)."""
    chosen = set(names)
    return frozenset(p for p in Permission if p.value in chosen)


def permits(principal: Principal, permission: Permission) -> bool:
    """Whether the principal holds the permission: a custom role's own set, else its role's."""
    if principal.permissions is not None:
        return permission in principal.permissions
    return principal.role in _GRANTS[permission]


def authorize(principal: Principal, permission: Permission) -> None:
    """Refuse with `PermissionDenied` unless the principal holds the permission."""
    if not permits(principal, permission):
        raise refusal(principal, permission)


def refusal(principal: Principal, permission: Permission) -> PermissionDenied:
    """The refusal a principal gets for a permission it lacks."""
    role = principal.custom_role or principal.role.value
    return PermissionDenied(f"role {role!r} may not {permission.value}")

"""Roles a user or API key can hold within a tenant."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MANAGER = "manager"
    STAFF = "staff"
    FINANCE = "finance"
    TECHNICIAN = "technician"
    AGENT = "agent"
    AUDITOR = "auditor"


class PlatformRole(StrEnum):
    """The platform's own role, held by no tenant's user or key: the operator runs the platform
    (tenants, stores, health, margins) and holds no permission over any tenant's records."""

    OPERATOR = "operator"

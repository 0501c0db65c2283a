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

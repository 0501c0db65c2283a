"""Errors the application layer raises besides domain rule violations."""

from domain.shared.errors import DomainError


class ApplicationError(DomainError):
    code = "APPLICATION_ERROR"


class NotFound(ApplicationError):
    code = "NOT_FOUND"


class PermissionDenied(ApplicationError):
    code = "PERMISSION_DENIED"


class AuthenticationFailed(ApplicationError):
    code = "UNAUTHENTICATED"


class UnknownTenant(ApplicationError):
    code = "UNKNOWN_TENANT"


class PersonalDataErased(ApplicationError):
    code = "PERSONAL_DATA_ERASED"


class ConcurrentModification(ApplicationError):
    code = "CONCURRENT_MODIFICATION"


class TenantLocked(ApplicationError):
    """The platform soft-locked the tenant (an unpaid plan): its reads go on, writes wait."""

    code = "TENANT_LOCKED"


class TenantMoving(ApplicationError):
    """The tenant's data is moving to another store: writes are refused for a few seconds."""

    code = "TENANT_MOVING"
    retry_after = 5  # seconds

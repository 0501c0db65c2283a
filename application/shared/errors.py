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

"""Domain errors: each names a broken business rule with a stable code for clients."""


class DomainError(Exception):
    """A command was refused because it would break a business rule."""

    code = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(DomainError):
    code = "INVALID_VALUE"


class InvalidPhoneNumber(InvalidValue):
    code = "INVALID_PHONE"


class InvalidNik(InvalidValue):
    code = "INVALID_NIK"


class InvalidEmail(InvalidValue):
    code = "INVALID_EMAIL"


class DuplicateCustomer(DomainError):
    code = "DUPLICATE_CUSTOMER"


class CustomerForgotten(DomainError):
    code = "CUSTOMER_FORGOTTEN"


class ApiKeyNotFound(DomainError):
    code = "API_KEY_NOT_FOUND"

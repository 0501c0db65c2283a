"""Refusals of the identity area, each with a stable code for clients."""

from __future__ import annotations

import math
from datetime import timedelta

from domain.shared.errors import DomainError


class EmailTaken(DomainError):
    code = "EMAIL_TAKEN"


class NotAMember(DomainError):
    code = "NOT_A_MEMBER"


class TooManyAttempts(DomainError):
    """Signing in is refused for a while: the account is locked after failures in a row, or
    one client address asked too often. `retry_after` is in whole seconds."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, message: str, wait: timedelta) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(wait.total_seconds()))


class LinkRefused(DomainError):
    """A link from an e-mail that cannot be used: malformed, signed with another key, expired,
    already used, or made void by a later change."""

    code = "INVALID_LINK"


class SessionEnded(DomainError):
    """A refresh token that no longer opens its session."""

    code = "SESSION_ENDED"


class WrongPassword(DomainError):
    code = "WRONG_PASSWORD"


class SignInRefused(DomainError):
    """The same answer for an unknown address and a wrong password."""

    code = "SIGN_IN_FAILED"


class AlreadyAMember(DomainError):
    code = "ALREADY_A_MEMBER"


class AlreadyInvited(DomainError):
    """An invitation to this address waits still: resend it, or revoke it first."""

    code = "ALREADY_INVITED"


class LastOwner(DomainError):
    """A business keeps at least one owner: its last one can neither leave, be removed nor
    take another role."""

    code = "LAST_OWNER"


class InvitationAccepted(DomainError):
    code = "INVITATION_ACCEPTED"


class InvitationRevoked(DomainError):
    code = "INVITATION_REVOKED"


class InvitationExpired(DomainError):
    code = "INVITATION_EXPIRED"


class InvitationForAnotherAddress(DomainError):
    """The invitation was sent to another address than the account's accepting it."""

    code = "INVITATION_FOR_ANOTHER_ADDRESS"

"""The identity area's GraphQL types: a session's tokens, the signed-in person, and the
refusal that says when to try again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Error, Errors, RefusedError
from application.identity.accounts import Me as MeView
from application.identity.people import SessionTokens
from application.identity.sessions import Refused
from domain.identity.errors import TooManyAttempts


@strawberry.type(
    description="Tokens of a session: send the access token as `Authorization: "
    "Bearer <token>`; before it expires (15 minutes), trade the refresh token for new ones."
)
class AccountSession:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str | None = strawberry.field(
        description="Good once; null after switchTenant (the one held goes on)"
    )
    token_type: str
    person_id: strawberry.ID
    tenant_id: strawberry.ID
    role: str
    session_id: strawberry.ID

    @classmethod
    def from_tokens(cls, tokens: SessionTokens) -> AccountSession:
        return cls(
            access_token=tokens.access_token,
            access_token_expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            token_type="Bearer",  # noqa: S106 - the scheme's name
            person_id=strawberry.ID(str(tokens.person_id)),
            tenant_id=strawberry.ID(str(tokens.tenant_id)),
            role=tokens.role.value,
            session_id=strawberry.ID(str(tokens.session_id)),
        )


@strawberry.type
class SessionSuccess:
    session: AccountSession


@strawberry.type(description="Refused for a while: try again after `retryAfter` seconds.")
class TooManyAttemptsError(Error):
    retry_after: int


@strawberry.type
class RegisterAccountSuccess:
    person_id: strawberry.ID
    tenant_id: strawberry.ID
    verification_sent: bool = strawberry.field(
        description="A link to verify the address was e-mailed"
    )


@strawberry.type
class VerifyEmailSuccess:
    person_id: strawberry.ID
    verified: bool


@strawberry.type(description="The same answer whether or not the address has an account.")
class LinkRequestSuccess:
    message: str


@strawberry.type
class SessionsEndedSuccess:
    sessions_ended: int = strawberry.field(description="Sessions that were open and ended now")


@strawberry.type
class Membership:
    tenant_id: strawberry.ID
    tenant_name: str
    role: str


@strawberry.type(description="The signed-in person and the tenant the access token is for.")
class Me:
    id: strawberry.ID
    name: str
    email: str
    verified: bool
    tenant_id: strawberry.ID
    role: str
    memberships: list[Membership]

    @classmethod
    def from_view(cls, me: MeView) -> Me:
        person = me.person
        return cls(
            id=strawberry.ID(str(person.id)),
            name=person.name,
            email=person.email,
            verified=person.verified,
            tenant_id=strawberry.ID(str(me.tenant_id)),
            role=me.role.value,
            memberships=[
                Membership(
                    tenant_id=strawberry.ID(str(m.tenant_id)),
                    tenant_name=m.tenant_name,
                    role=m.role.value,
                )
                for m in person.memberships
            ],
        )


def too_many(refusal: TooManyAttempts) -> TooManyAttemptsError:
    return TooManyAttemptsError(
        message=refusal.message, code=refusal.code, field=None, retry_after=refusal.retry_after
    )


def recorded_refusal(refused: Refused) -> Error:
    """A refusal the command recorded (a failed sign-in, a reused refresh token)."""
    if refused.retry_after is not None:
        return TooManyAttemptsError(
            message=refused.message,
            code=refused.code,
            field=None,
            retry_after=refused.retry_after,
        )
    return RefusedError(message=refused.message, code=refused.code, field=None)


SessionResult = Annotated[
    SessionSuccess | TooManyAttemptsError | Errors, strawberry.union("SessionResult")
]
RegisterAccountResult = Annotated[
    RegisterAccountSuccess | TooManyAttemptsError | Errors,
    strawberry.union("RegisterAccountResult"),
]
VerifyEmailResult = Annotated[
    VerifyEmailSuccess | TooManyAttemptsError | Errors, strawberry.union("VerifyEmailResult")
]
LinkRequestResult = Annotated[
    LinkRequestSuccess | TooManyAttemptsError | Errors, strawberry.union("LinkRequestResult")
]
SessionsEndedResult = Annotated[
    SessionsEndedSuccess | TooManyAttemptsError | Errors, strawberry.union("SessionsEndedResult")
]

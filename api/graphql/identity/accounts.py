"""Accounts and sessions: `registerAccount`, `signIn`, `refreshSession`, the links sent by
e-mail, `verifyEmail` and `joinWithInvitation` answer anyone (no credential yet); `me`, `signOut`,
`signOutEverywhere`, `switchTenant` and `changePassword` a person signed in with an access
token. Resolvers parse and call the identity services, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry

from api.graphql.identity import types as t
from api.graphql.identity.limits import limited
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.identity.accounts import RegisterAccount
from application.identity.people import SessionTokens
from application.identity.sessions import Refused
from domain.identity.errors import TooManyAttempts

_SAME_ANSWER = "if the address has an account, an e-mail with a link is on its way"


async def _run(call: Callable[[], Any]) -> Any:
    """A command whose refusal may say when to try again."""

    def answer() -> Any:
        try:
            return call()
        except TooManyAttempts as refusal:
            return t.too_many(refusal)

    return await run_command(answer)


def _session(outcome: SessionTokens | Refused) -> Any:
    if isinstance(outcome, Refused):
        return t.recorded_refusal(outcome)
    return t.SessionSuccess(session=t.AccountSession.from_tokens(outcome))


@strawberry.type
class IdentityQuery:
    @strawberry.field(description="The signed-in person, its memberships, tenant and role.")
    async def me(self, info: NiagaInfo) -> t.Me:
        services, who = info.context.services, info.context.principal
        return t.Me.from_view(await query(lambda: services.accounts.me(who)))


@strawberry.type
class IdentityMutation:
    @strawberry.mutation(
        description="Register a person with a new business of their own (its owner); a link "
        "to verify the address is e-mailed. Password: 10 to 128 characters, not the e-mail "
        "address or the name, not a common password."
    )
    async def register_account(
        self,
        info: NiagaInfo,
        email: str,
        password: str,
        name: str,
        business_name: str,
        region: str | None = None,
    ) -> t.RegisterAccountResult:
        accounts = info.context.services.accounts
        command = RegisterAccount(email, password, name, business_name, region)

        def register() -> t.RegisterAccountSuccess:
            done = accounts.register(command)
            return t.RegisterAccountSuccess(
                person_id=strawberry.ID(str(done.person_id)),
                tenant_id=strawberry.ID(str(done.tenant_id)),
                verification_sent=True,
            )

        return limited(info, "register") or await _run(register)

    @strawberry.mutation(description="Verify the address with the link's token (once, 48 h).")
    async def verify_email(self, info: NiagaInfo, token: str) -> t.VerifyEmailResult:
        accounts = info.context.services.accounts

        def verify() -> t.VerifyEmailSuccess:
            person_id = accounts.verify_email(token)
            return t.VerifyEmailSuccess(person_id=strawberry.ID(str(person_id)), verified=True)

        return await _run(verify)

    @strawberry.mutation(
        description="Sign in with e-mail and password at a tenant (optional when the person "
        "belongs to one). Five failures in a row lock the account for a minute, doubling."
    )
    async def sign_in(
        self, info: NiagaInfo, email: str, password: str, tenant_id: strawberry.ID | None = None
    ) -> t.SessionResult:
        sign_ins = info.context.services.sign_ins

        def sign_in() -> Any:
            tenant = parse_id(tenant_id, "tenantId") if tenant_id is not None else None
            return _session(sign_ins.sign_in(email, password, tenant))

        return limited(info, "sign-in") or await _run(sign_in)

    @strawberry.mutation(
        description="New tokens for a session; the refresh token given is good once, and one "
        "shown again ends the session."
    )
    async def refresh_session(self, info: NiagaInfo, refresh_token: str) -> t.SessionResult:
        sign_ins = info.context.services.sign_ins
        return await _run(lambda: _session(sign_ins.refresh(refresh_token)))

    @strawberry.mutation(
        description="An access token of this session at another tenant the person belongs to."
    )
    async def switch_tenant(self, info: NiagaInfo, tenant_id: strawberry.ID) -> t.SessionResult:
        sign_ins, who = info.context.services.sign_ins, info.context.principal
        return await _run(
            lambda: _session(sign_ins.switch_tenant(who, parse_id(tenant_id, "tenantId")))
        )

    @strawberry.mutation(description="End this session: its tokens stop working at once.")
    async def sign_out(self, info: NiagaInfo) -> t.SessionsEndedResult:
        sign_ins, who = info.context.services.sign_ins, info.context.principal
        return await _run(lambda: t.SessionsEndedSuccess(sessions_ended=sign_ins.sign_out(who)))

    @strawberry.mutation(description="End every session of the signed-in person.")
    async def sign_out_everywhere(self, info: NiagaInfo) -> t.SessionsEndedResult:
        sign_ins, who = info.context.services.sign_ins, info.context.principal
        return await _run(
            lambda: t.SessionsEndedSuccess(sessions_ended=sign_ins.sign_out_everywhere(who))
        )

    @strawberry.mutation(
        description="E-mail a sign-in link (15 minutes, once); the same answer for any address."
    )
    async def request_magic_link(self, info: NiagaInfo, email: str) -> t.LinkRequestResult:
        sign_ins = info.context.services.sign_ins

        def request() -> t.LinkRequestSuccess:
            sign_ins.request_magic_link(email)
            return t.LinkRequestSuccess(message=_SAME_ANSWER)

        return limited(info, "magic-link") or await _run(request)

    @strawberry.mutation(description="Sign in with the token of a link e-mailed to the person.")
    async def sign_in_with_magic_link(self, info: NiagaInfo, token: str) -> t.SessionResult:
        sign_ins = info.context.services.sign_ins
        return await _run(lambda: _session(sign_ins.sign_in_with_magic_link(token)))

    @strawberry.mutation(
        description="Join a business with an invitation's link while signed out, and get a "
        "session there: a new account for the invited address (`name` and `password`; the "
        "address is verified), or the address's account given its password."
    )
    async def join_with_invitation(
        self, info: NiagaInfo, token: str, password: str, name: str | None = None
    ) -> t.SessionResult:
        joining = info.context.services.joining
        return limited(info, "sign-in") or await _run(
            lambda: _session(joining.join(token, password, name))
        )

    @strawberry.mutation(
        description="E-mail a link to reset the password (15 minutes, once); the same answer "
        "for any address."
    )
    async def request_password_reset(self, info: NiagaInfo, email: str) -> t.LinkRequestResult:
        passwords = info.context.services.passwords

        def request() -> t.LinkRequestSuccess:
            passwords.request_reset(email)
            return t.LinkRequestSuccess(message=_SAME_ANSWER)

        return limited(info, "password-reset") or await _run(request)

    @strawberry.mutation(
        description="A new password with a reset link's token; every session ends."
    )
    async def reset_password(
        self, info: NiagaInfo, token: str, new_password: str
    ) -> t.SessionsEndedResult:
        passwords = info.context.services.passwords
        return await _run(
            lambda: t.SessionsEndedSuccess(sessions_ended=passwords.reset(token, new_password))
        )

    @strawberry.mutation(
        description="A new password, given the current one; every other session ends."
    )
    async def change_password(
        self, info: NiagaInfo, current_password: str, new_password: str
    ) -> t.SessionsEndedResult:
        passwords, who = info.context.services.passwords, info.context.principal

        def change() -> t.SessionsEndedSuccess:
            ended = passwords.change(who, current_password, new_password)
            return t.SessionsEndedSuccess(sessions_ended=ended)

        return await _run(change)

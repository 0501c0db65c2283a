"""A person's access token on the one path every bearer token takes
(`TenantService.authenticate`): verified from memory when possible, so a valid token costs
no database read.

The token's signature and expiry are checked on this process's clock; its session must not
have ended (every process hears of a revocation at once), and its tenant's write state
(locked, moving) is attached as for an API key. A token naming a custom role acts with the
role's permissions as they are now, read like the write state: a changed role holds on the
next request."""

from __future__ import annotations

from application.identity.people import person_actor
from application.identity.ports import (
    AccessClaims,
    AccessTokenCodec,
    CustomRoleGrant,
    CustomRoleGrants,
    SessionRevocations,
    TenantWriteStates,
)
from application.shared.authorization import permissions_named
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.errors import AuthenticationFailed
from domain.shared.tenant_writes import TenantWrites

# Every JWT begins with its base64url-encoded header, `{"` giving `eyJ`: no API key does.
_JWT_START = "eyJ"


class PersonTokens:
    def __init__(
        self,
        codec: AccessTokenCodec,
        sessions: SessionRevocations,
        writes: TenantWriteStates,
        roles: CustomRoleGrants,
        clock: Clock,
    ) -> None:
        self._codec = codec
        self._sessions = sessions
        self._writes = writes
        self._roles = roles
        self._clock = clock

    def recognises(self, token: str) -> bool:
        """Whether the bearer token is an access token (else an API key of some kind)."""
        return token.strip().startswith(_JWT_START)

    def authenticate(self, token: str) -> Principal:
        claims = self._claims(token)
        if self._sessions.is_revoked(claims.session_id):
            raise AuthenticationFailed("this session has ended: sign in again")
        role_id = claims.custom_role_id
        grant = None if role_id is None else self._roles.grant(claims.tenant_id, role_id)
        return _principal(claims, self._writes.writes(claims.tenant_id), grant)

    def authenticate_from_memory(self, token: str) -> Principal | None:
        """The principal if memory alone can tell; None when the database must be asked (then
        call `authenticate`, which also gives the reason of a refusal)."""
        try:
            claims = self._claims(token)
        except AuthenticationFailed:
            return None
        writes = self._writes.kept(claims.tenant_id)
        if writes is None or self._sessions.known(claims.session_id) is not False:
            return None
        if claims.custom_role_id is None:
            return _principal(claims, writes, None)
        grant = self._roles.kept_grant(claims.tenant_id, claims.custom_role_id)
        return None if grant is None else _principal(claims, writes, grant)

    def _claims(self, token: str) -> AccessClaims:
        claims = self._codec.decode(token.strip())
        if self._clock.now() >= claims.expires_at:
            raise AuthenticationFailed("the access token has expired: refresh the session")
        return claims


def _principal(
    claims: AccessClaims, writes: TenantWrites, grant: CustomRoleGrant | None
) -> Principal:
    return Principal(
        claims.tenant_id,
        claims.role,
        person_actor(claims.person_id),
        writes=writes,
        session_id=claims.session_id,
        custom_role=None if grant is None else grant.name,
        permissions=None if grant is None else permissions_named(grant.permissions),
    )

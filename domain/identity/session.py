"""A signed-in session of a person at one tenant, kept alive by a rotating refresh token.

Only the SHA-256 of the current refresh token's secret is kept, as `secret_hash` (the audit log
never shows it), with those it replaced. A refresh token is good once: refreshing records the
next one's hash. Presenting one that was already replaced means it was copied, so the whole
session is revoked at once (reuse detection)."""

from __future__ import annotations

import hmac
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.identity.errors import SessionEnded


class RevokeReason(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere"
    REFRESH_TOKEN_REUSED = "refresh_token_reused"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    PASSWORD_RESET = "password_reset"  # noqa: S105
    # The person's membership of the session's tenant changed: its tokens carry the old role.
    ROLE_CHANGED = "role_changed"
    REMOVED_FROM_BUSINESS = "removed_from_business"
    LEFT_BUSINESS = "left_business"


class Refresh(StrEnum):
    ROTATED = "rotated"
    REUSED = "reused"  # an old token: the session was revoked


class Session(Aggregate):
    class Started(Aggregate.Created):
        person_id: UUID
        tenant_id: UUID
        method: str
        secret_hash: str
        expires_at: datetime

    class Refreshed(Aggregate.Event):
        secret_hash: str
        expires_at: datetime

    class TenantSwitched(Aggregate.Event):
        tenant_id: UUID

    class Revoked(Aggregate.Event):
        reason: str

    @classmethod
    def start(
        cls,
        session_id: UUID,
        person_id: UUID,
        tenant_id: UUID,
        method: str,
        secret_hash: str,
        expires_at: datetime,
    ) -> Session:
        return cls._create(
            cls.Started,
            id=session_id,
            person_id=person_id,
            tenant_id=tenant_id,
            method=method,
            secret_hash=secret_hash,
            expires_at=expires_at,
        )

    @event(Started)
    def __init__(
        self,
        person_id: UUID,
        tenant_id: UUID,
        method: str,
        secret_hash: str,
        expires_at: datetime,
    ) -> None:
        self.person_id, self.tenant_id, self.method = person_id, tenant_id, method
        self.secret_hash, self.expires_at = secret_hash, expires_at
        self.replaced: set[str] = set()
        self.revoked_because: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_because is not None

    def usable(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at

    def refresh(
        self, presented_hash: str, next_hash: str, now: datetime, expires_at: datetime
    ) -> Refresh:
        """Rotate to the next refresh token, or revoke the session when an old one is shown."""
        if self.revoked:
            raise SessionEnded("this session has ended: sign in again")
        if hmac.compare_digest(presented_hash, self.secret_hash):
            if now >= self.expires_at:
                raise SessionEnded("this session has expired: sign in again")
            self._refreshed(secret_hash=next_hash, expires_at=expires_at)
            return Refresh.ROTATED
        if presented_hash in self.replaced:
            self.revoke(RevokeReason.REFRESH_TOKEN_REUSED)
            return Refresh.REUSED
        raise SessionEnded("unknown refresh token")

    @event(Refreshed)
    def _refreshed(self, secret_hash: str, expires_at: datetime) -> None:
        self.replaced.add(self.secret_hash)
        self.secret_hash, self.expires_at = secret_hash, expires_at

    def switch_tenant(self, tenant_id: UUID) -> None:
        if self.revoked:
            raise SessionEnded("this session has ended: sign in again")
        if tenant_id != self.tenant_id:
            self._tenant_switched(tenant_id=tenant_id)

    @event(TenantSwitched)
    def _tenant_switched(self, tenant_id: UUID) -> None:
        self.tenant_id = tenant_id

    def revoke(self, reason: RevokeReason) -> bool:
        """End the session; False when it had ended already."""
        if self.revoked:
            return False
        self._revoked(reason=reason.value)
        return True

    @event(Revoked)
    def _revoked(self, reason: str) -> None:
        self.revoked_because = reason

"""The one check every interface makes before it runs a tenant's command."""

from __future__ import annotations

from application.shared.context import Principal
from application.shared.errors import TenantLocked, TenantMoving
from domain.shared.tenant_writes import TenantWrites


def ensure_writable(principal: Principal) -> None:
    """Refuse a command while the tenant is soft-locked or moving; reads are never refused.

    Called after the caller's permission was checked, so a caller learns of the lock only for
    what it may do."""
    if principal.writes is TenantWrites.MOVING:
        raise TenantMoving(
            f"this business's data is moving to another store; try again in "
            f"{TenantMoving.retry_after} seconds"
        )
    if principal.writes is TenantWrites.LOCKED:
        raise TenantLocked(
            "this business is locked by the platform (an unpaid plan): everything can be read, "
            "nothing can be changed until it is unlocked"
        )

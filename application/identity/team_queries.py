"""What a business's managers read of its team: the members with their roles, and the
invitations still pending. Authorised (`team:read`) and scoped to the caller's tenant."""

from __future__ import annotations

from application.identity.ports import InvitationView, MemberView, TeamReadModels
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal
from application.shared.paging import MAX_PAGE
from application.shared.ports import Page
from domain.shared.errors import InvalidValue


class TeamQueries:
    def __init__(self, read_models: TeamReadModels, clock: Clock) -> None:
        self._read_models = read_models
        self._clock = clock

    def members(
        self, principal: Principal, first: int = 50, after: str | None = None
    ) -> Page[MemberView]:
        """Longest-standing first."""
        authorize(principal, Permission.READ_TEAM)
        _check_page(first)
        return self._read_models.members(principal.tenant_id, first, after)

    def invitations(
        self, principal: Principal, first: int = 50, after: str | None = None
    ) -> Page[InvitationView]:
        """Pending ones, newest first; an expired one stays until it is resent or revoked."""
        authorize(principal, Permission.READ_TEAM)
        _check_page(first)
        return self._read_models.invitations(principal.tenant_id, self._clock.now(), first, after)


def _check_page(first: int) -> None:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidValue(f"first must be between 1 and {MAX_PAGE}", field="first")

"""Where a caller's reads stand: a version that moves whenever anything a read could return moves.

An interface may reuse an answer it computed for the same caller, question and version (GraphQL),
or tell a client that its copy is still current (an ETag on REST), without reading again. The
reads themselves still go through the query services, which authorise them; the version only
says when an answer computed earlier may stand in for a fresh one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.shared.clock import Clock
from application.shared.context import Principal


class ReadPositions(Protocol):
    def of_tenant(self, tenant_id: UUID) -> str:
        """Where everything the tenant's reads depend on stands, as one opaque text: the head
        of the event log and every read model's position, of the tenant's store and of the
        platform store (which holds its settings). It changes with every event recorded and
        every read model moved; equal texts mean equal read models."""


@dataclass(frozen=True)
class ReadVersion:
    audience: str  # who the answers are for (see `audience`)
    positions: str  # ReadPositions.of_tenant
    at: datetime  # the application clock when asked: some answers depend on today


class ReadState:
    """Tells an interface the version of what a caller may read, in one cheap query."""

    def __init__(self, positions: ReadPositions, clock: Clock) -> None:
        self._positions = positions
        self._clock = clock

    def version(self, principal: Principal) -> ReadVersion:
        """The caller's read version, taken before the reads it is to stand for: an answer read
        afterwards is never older than the version it is filed under."""
        at = self._clock.now()
        return ReadVersion(audience(principal), self._positions.of_tenant(principal.tenant_id), at)


def audience(principal: Principal) -> str:
    """Who may be given the same answers: one tenant, one role and one login.

    The login is part of it, not only the role: an agent sees only its own downline, and any
    scope tied to a login (a customer's own view, a technician's own jobs) is then covered
    without this function having to know of it."""
    return f"{principal.tenant_id}/{principal.role.value}/{principal.actor}"

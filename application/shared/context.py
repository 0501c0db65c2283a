"""Who is acting and why: recorded with every stored event.

The application layer opens a `recording(...)` block around each command; the event mapper reads it
when it stores events, so no command can save events without saying who and why.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from domain.shared.recorded import EventMeta
from domain.shared.roles import PlatformRole, Role
from domain.shared.tenant_writes import TenantWrites

if TYPE_CHECKING:
    from application.shared.authorization import Permission


class ActorKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    SYSTEM = "system"
    GATEWAY = "gateway"
    OPERATOR = "operator"  # a platform operator's key
    PERSON = "person"  # a person signed in with an access token (the id is the person's)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.id}"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: acts for one tenant with one role. The platform's operator acts
    for no tenant (`NO_TENANT`) with the role `PlatformRole.OPERATOR`.

    A caller with a custom role carries its name and permissions beside `role`, the built-in
    role it is based on: permissions decide by the custom set, scoping (an agent's own
    vouchers) by the base role."""

    tenant_id: UUID
    role: Role | PlatformRole
    actor: Actor
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    writes: TenantWrites = TenantWrites.OPEN  # as its tenant stood when the key was read
    session_id: UUID | None = None  # a person's session, for signing out and switching tenant
    custom_role: str | None = None  # the custom role's name
    permissions: frozenset[Permission] | None = None  # a custom role's: None, the role's own


# The tenant an operator acts for: none. A tenant-scoped read that ever let an operator through
# would find no rows under this id.
NO_TENANT = UUID(int=0)

_current: ContextVar[EventMeta | None] = ContextVar("niaga_event_meta", default=None)


class MissingCommandContext(RuntimeError):
    """Events were saved outside a `recording` block: nobody said who or why."""


@contextlib.contextmanager
def recording(
    command: str,
    *,
    actor: Actor,
    tenant_id: UUID | None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> Iterator[EventMeta]:
    """Every event stored inside this block records this actor, command and ids."""
    correlation = correlation_id or str(uuid.uuid4())
    meta = EventMeta(
        tenant_id=str(tenant_id) if tenant_id else None,
        actor=str(actor),
        command=command,
        correlation_id=correlation,
        causation_id=causation_id or correlation,
    )
    token = _current.set(meta)
    try:
        yield meta
    finally:
        _current.reset(token)


def current_meta() -> EventMeta:
    meta = _current.get()
    if meta is None:
        raise MissingCommandContext(
            "events must be saved inside application.shared.context.recording()"
        )
    return meta


SYSTEM = Actor(ActorKind.SYSTEM, "niaga")

"""Loading aggregates within a tenant and saving them with who and why, in one place."""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from application.shared.context import Principal, recording
from application.shared.errors import ConcurrentModification, NotFound
from application.shared.event_store import EventStore, Saved
from application.shared.ports import ReadModelSync

A = TypeVar("A")


def load(
    store: EventStore,
    kind: type[A],
    aggregate_id: UUID,
    tenant_id: UUID,
    what: str,
    field: str = "id",
) -> A:
    """The aggregate if it exists, is of that kind and belongs to the tenant; else NotFound
    naming `field`, the argument that carried the id.

    Another tenant's aggregate is reported exactly like a missing one.
    """
    found = find(store, kind, aggregate_id)
    if found is None or getattr(found, "tenant_id", None) != tenant_id:
        raise NotFound(f"no {what} {aggregate_id}", field=field)
    return found


def require(
    store: EventStore, kind: type[A], aggregate_id: UUID, tenant_id: UUID, what: str, field: str
) -> None:
    """Refuse an id a command is about to record (a job, a customer, a router it refers to)
    unless it names the tenant's own aggregate of that kind: NotFound naming `field`.

    A command calls this after authorising and before changing anything, so a refused id
    leaves nothing recorded, and an id from another tenant cannot be told from a random one.
    """
    load(store, kind, aggregate_id, tenant_id, what, field)


def find(store: EventStore, kind: type[A], aggregate_id: UUID) -> A | None:
    try:
        aggregate: object = store.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    return aggregate if isinstance(aggregate, kind) else None


class Saver:
    """Saves aggregates atomically inside a recording block, then waits for the read models."""

    def __init__(self, sync: ReadModelSync) -> None:
        self._sync = sync

    def save(
        self,
        store: EventStore,
        principal: Principal,
        command: str,
        *objs: Any,
        conflict: Exception | None = None,
        wait: bool = True,
    ) -> Saved:
        with recording(
            command,
            actor=principal.actor,
            tenant_id=principal.tenant_id,
            correlation_id=principal.correlation_id,
        ):
            try:
                saved = store.save_and_locate(*objs)
            except IntegrityError as error:
                raise (conflict or _conflict(command)) from error
        if wait:
            self.wait(store, saved)
        return saved

    def wait(self, store: EventStore, upto: Saved | int) -> None:
        self._sync.wait(store, upto)


def _conflict(command: str) -> ConcurrentModification:
    return ConcurrentModification(f"{command} conflicted with a concurrent change; try again")

"""Moving a tenant's data to another tier or server while it keeps working: a few seconds in
which its commands answer TENANT_MOVING (reads go on), and never a moment in which its data is
in both stores or in neither.

The steps, each recorded as it completes so that a mover that died can be resumed
(`niaga tenants move TENANT --resume`): prepared (the target created and migrated) ->
precopied (while the tenant still writes: its events so far copied and verified, and the
target's read models built from them) -> started (Tenant.MoveStarted: the interfaces refuse
the tenant's commands) -> frozen (the source store refuses its events) -> copied (the events
recorded since the first copy, verified with all the others by count and digest) -> rebuilt
(the target's read models caught up with those and compared with the source's) -> switched
(the directory names the target) -> done (Tenant.Placed: commands open again; the source
forgets the tenant's read-model rows) -> removed (the old copy, after the grace period). Only
the steps from started to done make the tenant wait. A failure before `switched` rolls the move
back and the tenant stays where it was; from `switched` on the move can only be finished.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from application.platform.tenants import TenantService
from application.shared.context import SYSTEM, Actor
from application.shared.errors import ApplicationError
from application.shared.ports import Placement
from domain.shared.errors import InvalidValue

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (what, done, total)


class Step(StrEnum):
    PREPARED = "prepared"
    PRECOPIED = "precopied"
    STARTED = "started"
    FROZEN = "frozen"
    COPIED = "copied"
    REBUILT = "rebuilt"
    SWITCHED = "switched"
    DONE = "done"
    ABANDONED = "abandoned"
    REMOVED = "removed"


BEFORE_FREEZE = (Step.PREPARED, Step.PRECOPIED)  # the tenant still writes
BEFORE_SWITCH = (*BEFORE_FREEZE, Step.STARTED, Step.FROZEN, Step.COPIED, Step.REBUILT)


class MoveFailed(ApplicationError):
    code = "MOVE_FAILED"


class TargetUnavailable(MoveFailed):
    code = "SERVER_UNAVAILABLE"


@dataclass(frozen=True)
class Move:
    move_id: UUID
    tenant_id: UUID
    step: Step
    tier: str
    region: str
    source: object  # the mover's own reference to a store
    target: object
    events: int = 0


@dataclass(frozen=True)
class MoveReport:
    move_id: UUID
    outcome: Step  # done or abandoned
    store: str
    events: int
    frozen_seconds: float  # from MoveStarted to the commands opening again (0: never frozen)
    reason: str = ""


class Mover(Protocol):
    """Where the data is moved (adapters/platform/moves.py)."""

    def plan(
        self, tenant_id: UUID, tier: Placement, region: str, server: str | None
    ) -> tuple[object, object, str]:
        """(source, target, target's server); refuses a server outside the region."""

    def store_name(self, ref: object) -> str: ...

    def server_of(self, ref: object) -> str: ...

    def begin(self, move: Move) -> None: ...

    def unfinished(self, tenant_id: UUID) -> Move | None: ...

    def mark(
        self, move: Move, step: Step, *, events: int | None = None, error: str = ""
    ) -> None: ...

    def check_reachable(self, move: Move) -> None: ...

    def prepare(self, move: Move) -> None: ...

    def freeze(self, move: Move) -> None: ...

    def precopy(self, move: Move, progress: Progress | None = None) -> int:
        """Before the freeze: copy what the target lacks and build its read models, where no
        process manager follows the target; the number of events copied so far."""

    def copy(self, move: Move, progress: Progress | None = None) -> int:
        """Copy what the target still lacks and verify all of it; the number of events the
        tenant has."""

    def rebuild(self, move: Move, progress: Progress | None = None) -> list[str]: ...

    def switch(self, move: Move) -> None: ...

    def leave(self, move: Move) -> None:
        """After the switch: the source forgets the tenant's read-model rows."""

    def roll_back(self, move: Move) -> None: ...

    def due_for_removal(self) -> list[Move]: ...

    def remove_source(self, move: Move) -> None: ...


StepWatcher = Callable[[Step], None]  # told after each step is recorded


class TenantMoves:
    """The operator's moves of a tenant between tiers and servers."""

    def __init__(
        self,
        tenants: TenantService,
        mover: Mover,
        default_region: str,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tenants = tenants
        self._mover = mover
        self._default_region = default_region
        self._monotonic = monotonic

    def move(
        self,
        tenant_id: UUID,
        tier: Placement,
        server: str | None = None,
        actor: Actor = SYSTEM,
        progress: Progress | None = None,
        watch: StepWatcher | None = None,
    ) -> MoveReport:
        """Move the tenant's data to `tier` on `server` (the region's first when None)."""
        tenant = self._tenants.tenant(tenant_id)
        if tenant.moving is not None:
            raise MoveFailed(
                f"the tenant is already moving (move {tenant.moving}); finish it with --resume",
                field="tenant",
            )
        region = tenant.region or self._default_region
        source, target, chosen_server = self._mover.plan(tenant_id, tier, region, server)
        if source == target:
            raise InvalidValue(
                f"the tenant is already in {self._mover.store_name(target)}", field="to"
            )
        move = Move(uuid.uuid4(), tenant_id, Step.PREPARED, tier.value, region, source, target)
        self._mover.check_reachable(move)
        self._mover.prepare(move)  # create and migrate the target before anything waits
        self._mover.begin(move)
        if watch:
            watch(Step.PREPARED)
        return self._run(move, chosen_server, actor, progress, watch)

    def resume(
        self,
        tenant_id: UUID,
        actor: Actor = SYSTEM,
        progress: Progress | None = None,
        watch: StepWatcher | None = None,
    ) -> MoveReport:
        """Finish the tenant's unfinished move, or roll it back when it cannot be finished."""
        move = self._mover.unfinished(tenant_id)
        if move is None:
            raise MoveFailed("the tenant has no unfinished move", field="tenant")
        server = self._mover.server_of(move.target)
        return self._run(move, server, actor, progress, watch)

    def remove_old_copies(self) -> list[UUID]:
        """Remove the old copy of every move whose grace period is over."""
        removed: list[UUID] = []
        for move in self._mover.due_for_removal():
            try:
                self._mover.remove_source(move)
            except Exception:
                log.exception(
                    "removing the old copy of move %s failed; tried again later", move.move_id
                )
                continue
            self._mover.mark(move, Step.REMOVED)
            removed.append(move.move_id)
        return removed

    def _run(
        self,
        move: Move,
        server: str,
        actor: Actor,
        progress: Progress | None,
        watch: StepWatcher | None,
    ) -> MoveReport:
        # The wait counts from MoveStarted (or, resumed after it, from the resumption).
        started = None if move.step in BEFORE_FREEZE else self._monotonic()
        if move.step in BEFORE_SWITCH:
            try:
                if move.step in BEFORE_FREEZE:
                    move = self._precopy(move, progress, watch)
                    started = self._monotonic()
                    move = self._start(move, server, actor, watch)
                move = self._up_to_switch(move, progress, watch)
            except Exception as error:
                return self._abandon(move, started, actor, error)
        waited = 0.0
        if move.step is Step.SWITCHED:
            target = self._mover.store_name(move.target)
            self._tenants.finish_move(move.tenant_id, move.region, move.tier, server, target, actor)
            waited = 0.0 if started is None else self._monotonic() - started
            self._mover.leave(move)  # commands are open again already
            move = self._step(move, Step.DONE, watch)
        return MoveReport(
            move.move_id, move.step, self._mover.store_name(move.target), move.events, waited
        )

    def _precopy(self, move: Move, progress: Progress | None, watch: StepWatcher | None) -> Move:
        """While the tenant writes on: the bulk of the copy and of the read models, run again on
        a resumption so that the freeze has only the latest events left to do."""
        self._mover.prepare(move)  # done already, unless resumed on a fresh target
        move = replace(move, events=self._mover.precopy(move, progress))
        return self._step(move, Step.PRECOPIED, watch)

    def _start(self, move: Move, server: str, actor: Actor, watch: StepWatcher | None) -> Move:
        """Tenant.MoveStarted (unless a mover that died recorded it already)."""
        if self._tenants.tenant(move.tenant_id).moving != str(move.move_id):
            self._tenants.start_move(move.tenant_id, str(move.move_id), move.tier, server, actor)
        return self._step(move, Step.STARTED, watch)

    def _up_to_switch(
        self, move: Move, progress: Progress | None, watch: StepWatcher | None
    ) -> Move:
        if move.step is Step.STARTED:
            self._mover.freeze(move)
            move = self._step(move, Step.FROZEN, watch)
        if move.step is Step.FROZEN:
            move = replace(move, events=self._mover.copy(move, progress))
            move = self._step(move, Step.COPIED, watch)
        if move.step is Step.COPIED:
            differing = self._mover.rebuild(move, progress)
            if differing:
                raise MoveFailed(
                    "the read models rebuilt at the target differ from the source's in: "
                    + ", ".join(differing)
                )
            move = self._step(move, Step.REBUILT, watch)
        if move.step is Step.REBUILT:
            self._mover.switch(move)
            move = replace(move, step=Step.SWITCHED)
            if watch:
                watch(Step.SWITCHED)
        return move

    def _step(self, move: Move, step: Step, watch: StepWatcher | None) -> Move:
        self._mover.mark(move, step, events=move.events)
        if watch:
            watch(step)
        return replace(move, step=step)

    def _abandon(
        self, move: Move, started: float | None, actor: Actor, error: Exception
    ) -> MoveReport:
        reason = getattr(error, "message", None) or str(error) or type(error).__name__
        log.warning("move %s of tenant %s rolled back: %s", move.move_id, move.tenant_id, reason)
        self._mover.roll_back(move)
        self._mover.mark(move, Step.ABANDONED, error=reason)
        self._tenants.abandon_move(move.tenant_id, str(move.move_id), reason, actor)
        return MoveReport(
            move.move_id,
            Step.ABANDONED,
            self._mover.store_name(move.source),
            move.events,
            0.0 if started is None else self._monotonic() - started,
            reason,
        )

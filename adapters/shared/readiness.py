"""What `/readyz` reports, part by part: the database takes writes, the projections keep up,
the process managers' backlog, and the heartbeats of the daemons.

A part fails readiness when it cannot do its work: the database refuses a write within the
probe's timeout; a part this process runs has not beaten lately; read models lag with no
projection daemon beating anywhere. The other daemons' heartbeats (recorded by their own
processes) are reported for the operator but fail only `niaga health` of those processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.shared.heartbeats import PARTS, Heartbeats, fresh
from adapters.shared.projection_service import ProjectionService

log = logging.getLogger(__name__)
Backlog = Callable[[], dict[str, int]]


@dataclass(frozen=True)
class PartReport:
    ok: bool
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadinessReport:
    parts: dict[str, PartReport]

    @property
    def failing(self) -> list[str]:
        return [name for name, part in self.parts.items() if not part.ok]

    def as_json(self) -> dict[str, object]:
        database = self.parts["database"]
        return {
            "status": "unavailable" if self.failing else "ok",
            "database": "ok" if database.ok else database.detail.get("error", "unavailable"),
            "failing": self.failing,
            "parts": {name: {"ok": p.ok, **p.detail} for name, p in self.parts.items()},
        }


class Readiness:
    """Checks every part; `check` never raises (a check that fails is a failing part)."""

    def __init__(
        self, heartbeats: Heartbeats, projections: ProjectionService, backlog: Backlog
    ) -> None:
        self._heartbeats = heartbeats
        self._projections = projections
        self._backlog = backlog

    def check(self) -> ReadinessReport:
        database = self._database()
        if not database.ok:  # nothing else can be read
            return ReadinessReport({"database": database})
        recorded = self._recorded_ages()
        parts = {
            "database": database,
            "projections": self._projections_part(recorded),
            "dispatchers": self._dispatchers(),
        }
        for part in PARTS:
            if part not in ("projections", "api"):
                parts[part] = self._daemon(part, recorded)
        return ReadinessReport(parts)

    def _database(self) -> PartReport:
        try:
            self._heartbeats.write("api")  # the write probe, and this API's heartbeat
        except Exception as error:
            log.warning("readiness: the database takes no writes: %s", error)
            return PartReport(False, {"error": str(error) or type(error).__name__})
        return PartReport(True)

    def _recorded_ages(self) -> dict[str, float]:
        try:
            return self._heartbeats.ages_in_database()
        except Exception as error:
            log.warning("readiness: heartbeats unreadable: %s", error)
            return {}

    def _projections_part(self, recorded: dict[str, float]) -> PartReport:
        try:
            lag = sum(entry.status.lag for entry in self._projections.status())
        except Exception as error:
            return PartReport(False, {"error": str(error)})
        age = self._age("projections", recorded)
        detail: dict[str, object] = {"lag": lag, "heartbeat_age": _rounded(age)}
        # Commands that catch up inline keep the read models they answer from current (the
        # rest is the daemon's, which `niaga serve` runs beside them); without inline
        # catch-up, lag nobody works off fails.
        ok = self._projections.inline or lag == 0 or fresh("projections", age)
        if "projections" in self._heartbeats.local_parts():
            ok = fresh("projections", age)
        return PartReport(ok, detail)

    def _dispatchers(self) -> PartReport:
        try:
            return PartReport(True, {"backlog": self._backlog()})
        except Exception as error:
            return PartReport(False, {"error": str(error)})

    def _daemon(self, part: str, recorded: dict[str, float]) -> PartReport:
        age = self._age(part, recorded)
        local = part in self._heartbeats.local_parts()
        detail: dict[str, object] = {"heartbeat_age": _rounded(age), "in_this_process": local}
        return PartReport(fresh(part, age) or not local, detail)

    def _age(self, part: str, recorded: dict[str, float]) -> float | None:
        local = self._heartbeats.age(part)
        return local if local is not None else recorded.get(part)


def _rounded(age: float | None) -> float | None:
    return None if age is None else round(age, 1)

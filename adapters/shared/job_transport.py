"""The two transports of a side effect's jobs (the `Dispatch` port): a small thread pool in this
process (the embedded default) and a dramatiq queue (production, on Redis)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import Generic, TypeVar
from uuid import UUID

from application.shared.process_manager import SideEffect

log = logging.getLogger(__name__)
Job = TypeVar("Job")
# Above this many remembered jobs, finished ones are dropped.
TRACKED = 1000


class LocalPool(Generic[Job]):
    """Runs a side effect's jobs on a few threads of this process. A failure the side effect
    expects (already recorded, to be retried by its process manager) is logged briefly; any
    other is logged with its traceback. Neither stops the pool."""

    def __init__(self, effect: SideEffect[Job], workers: int = 4) -> None:
        self._effect = effect
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=effect.name)
        self._jobs: list[Future[None]] = []

    def submit(self, tenant_id: UUID, job: Job) -> None:
        if len(self._jobs) > TRACKED:
            self._jobs = [future for future in self._jobs if not future.done()]
        self._jobs.append(self._executor.submit(self._run, tenant_id, job))

    def wait(self) -> None:
        jobs, self._jobs = self._jobs, []
        wait_for(jobs)

    def close(self) -> None:
        self._executor.shutdown(wait=True)

    def _run(self, tenant_id: UUID, job: Job) -> None:
        try:
            self._effect.perform(tenant_id, job)
        except self._effect.expected as error:
            log.info("%s job %s will be retried: %s", self._effect.name, job, error)
        except Exception:
            log.exception("%s job %s of tenant %s failed", self._effect.name, job, tenant_id)


class Enqueue(Generic[Job]):
    """Hands a side effect's jobs to dramatiq workers (`send` puts one message on the queue);
    nothing runs here, so there is nothing to wait for or close."""

    def __init__(self, send: Callable[[UUID, Job], None]) -> None:
        self._send = send

    def submit(self, tenant_id: UUID, job: Job) -> None:
        self._send(tenant_id, job)

    def wait(self) -> None:
        return None

    def close(self) -> None:
        return None

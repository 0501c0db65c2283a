"""What every resolver shares: the typed context, and running blocking calls off the loop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from adapters.bootstrap import Services
from api.graphql.shared.errors import (
    STORED_PENDING_READ,
    StoredPendingRead,
    as_error,
    as_graphql_error,
)
from application.shared import commands
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import watching_writes
from domain.shared.errors import DomainError

T = TypeVar("T")
log = logging.getLogger(__name__)


class Context(BaseContext):
    """What a resolver gets: the application services and who is asking."""

    def __init__(self, services: Services, principal: Principal | None) -> None:
        super().__init__()
        self.services = services
        self._principal = principal

    @property
    def authenticated(self) -> bool:
        return self._principal is not None

    def authenticate(self, principal: Principal) -> None:
        """A websocket that authenticated in its connection_init message."""
        self._principal = principal

    @property
    def principal(self) -> Principal:
        if self._principal is None:
            raise as_graphql_error(ApplicationError("authentication required"))
        return self._principal


NiagaInfo = Info[Context, None]


async def query(call: Callable[[], T]) -> T:
    """Run a blocking read off the event loop; domain errors become GraphQL errors."""
    try:
        return await run_in_threadpool(call)
    except DomainError as error:
        raise as_graphql_error(error) from None


async def run_command(call: Callable[[], Any]) -> Any:
    """Run a blocking command off the event loop, through the application's `run_command` (cached
    aggregates trusted, run again after a conflict); refusals become the schema's error types.

    A client is never told a stored write failed: when the command's events were saved and what
    follows (waiting for read models, reading the answer) fails, the answer is
    `StoredPendingRead`, not an error."""
    try:
        return await run_in_threadpool(_answer_once_stored, call)
    except DomainError as error:
        return as_error(error)


def _answer_once_stored(call: Callable[[], Any]) -> Any:
    with watching_writes() as watch:
        try:
            return commands.run_command(call)
        except Exception:
            if not watch.stored:
                raise
            log.warning("a command was stored but its answer could not be read", exc_info=True)
            return StoredPendingRead(message=STORED_PENDING_READ)

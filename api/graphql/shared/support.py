"""What every resolver shares: the typed context, and running blocking calls off the loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from adapters.bootstrap import Services
from api.graphql.shared.errors import as_error, as_graphql_error
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from domain.shared.errors import DomainError

T = TypeVar("T")


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
    """Run a blocking command off the event loop; refusals become the schema's error types."""
    try:
        return await run_in_threadpool(call)
    except DomainError as error:
        return as_error(error)

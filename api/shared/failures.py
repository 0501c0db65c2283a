"""When what lies under a request fails (the database, its connection pool), REST and GraphQL
answer the same way: `UNAVAILABLE`, with a hint of when to retry. The driver's own message can
name tables, columns and values, so it is logged here and never sent to the client."""

from __future__ import annotations

import logging

import psycopg
from eventsourcing.persistence import PersistenceError

log = logging.getLogger(__name__)

UNAVAILABLE = "UNAVAILABLE"
# Long enough for a pool to hand out a connection again or a failover to finish.
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = "the service is briefly unavailable; retry in a few seconds"
# What the database driver and the event store raise (PoolTimeout is a psycopg error too).
STORE_ERRORS: tuple[type[Exception], ...] = (psycopg.Error, PersistenceError)


def is_store_failure(error: BaseException | None) -> bool:
    return isinstance(error, STORE_ERRORS)


def log_store_failure(error: BaseException, where: str) -> None:
    """Keep the cause for operators; the client only learns that it may retry."""
    log.error("%s failed in the database layer: %r", where, error, exc_info=error)

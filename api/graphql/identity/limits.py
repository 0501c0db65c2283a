"""Per client address, in this process: a token bucket for each kind of attempt anyone may
make without a credential (signing in, asking for a link, registering), so that guessing
passwords or flooding someone's mailbox from one address is slow. Several API processes each
allow that much."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from api.graphql.identity.types import TooManyAttemptsError
from api.graphql.shared.support import NiagaInfo
from api.shared.rate_limit import TokenBuckets, retry_after

ATTEMPTS_PER_MINUTE = 10
BURST = 10


def limited(info: NiagaInfo, action: str) -> TooManyAttemptsError | None:
    """The refusal when the caller's address has used up its attempts at `action`; None when
    it may go on (also for a call made in-process, without a connection)."""
    connection = info.context.request
    client = getattr(connection, "client", None)
    if not isinstance(connection, HTTPConnection) or client is None:
        return None
    wait = _buckets(connection).take(f"{action}:{client.host}")
    if wait <= 0:
        return None
    seconds = int(retry_after(wait))
    return TooManyAttemptsError(
        message=f"too many attempts from this address: try again in {seconds} seconds",
        code="TOO_MANY_ATTEMPTS",
        field=None,
        retry_after=seconds,
    )


def _buckets(connection: HTTPConnection) -> TokenBuckets:
    state = connection.app.state
    if getattr(state, "identity_attempts", None) is None:
        state.identity_attempts = TokenBuckets(rate=ATTEMPTS_PER_MINUTE / 60, burst=BURST)
    buckets: TokenBuckets = state.identity_attempts
    return buckets

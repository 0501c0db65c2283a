"""Weak ETags on REST reads: a client that sends back its copy's tag in `If-None-Match` is
answered 304, with no body, while nothing the answer could contain has moved.

The tag is a digest of who asks (tenant, role, login), the path and query string, and where the
tenant's read models stand (the application's ReadState, one SELECT), taken before the answer is
read. Only a successful answer carries it, so a caller is only ever told "still current" about
an answer it was allowed to read.
"""

# Without `from __future__ import annotations`: FastAPI reads the dependency's annotations at run
# time, and one of them names the principal dependency `etag_for` was given.
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from api.shared.answer_cache import answer_key
from api.shared.deps import PrincipalDep, ServicesDep, require_principal
from application.shared.context import Principal

# Some answers depend on the time (a payment link that expired): a tag is current for at most
# one window of the application clock.
TAG_WINDOW_SECONDS = 60.0
# Tells caches to keep the answer for this caller only and to ask again before each reuse.
CACHE_CONTROL = "private, no-cache"

_TAG_MEANING = (
    "A weak tag of this answer: send it as `If-None-Match` to be answered 304 while it is current"
)
ETAG_HEADER: dict[str, Any] = {"ETag": {"description": _TAG_MEANING, "schema": {"type": "string"}}}
ETAG_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"headers": ETAG_HEADER},
    304: {
        "description": "Your copy (its tag sent in `If-None-Match`) is current; no body",
        "headers": {"ETag": {"description": "The tag, unchanged", "schema": {"type": "string"}}},
    },
}

IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description="Tags of copies you hold (from `ETag`); 304 if one is current",
    ),
]


def authenticated(principal: PrincipalDep) -> Principal:
    return require_principal(principal)


class NotModified(HTTPException):
    """The client's copy is current: 304 with its tag and no body."""

    def __init__(self, tag: str) -> None:
        super().__init__(304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})


def etag_for(
    caller: Callable[..., Principal] | Callable[..., Awaitable[Principal]] = authenticated,
) -> Callable[..., Awaitable[str]]:
    """A dependency that tags the answer for the principal `caller` yields (after its checks:
    authentication, rate limit), answers 304 when the client holds that tag, and otherwise
    puts the tag on the (successful) answer."""

    async def tag_or_not_modified(
        request: Request,
        response: Response,
        services: ServicesDep,
        who: Annotated[Principal, Depends(caller)],
        if_none_match: IfNoneMatch = None,
    ) -> str:
        version = await run_in_threadpool(services.read_state.version, who)
        digest = answer_key(version, TAG_WINDOW_SECONDS, request.url.path, request.url.query)
        tag = f'W/"{digest}"'
        if if_none_match and digest in _opaque_tags(if_none_match):
            raise NotModified(tag)
        response.headers["ETag"] = tag
        response.headers["Cache-Control"] = CACHE_CONTROL
        return tag

    return tag_or_not_modified


def tag_headers(tag: str) -> dict[str, str]:
    """The headers of an answer a route builds itself (a Response it returns as is)."""
    return {"ETag": tag, "Cache-Control": CACHE_CONTROL}


def _opaque_tags(header: str) -> set[str]:
    """The tags listed in `If-None-Match`, compared weakly (without `W/`). `*` is not honoured:
    it would answer 304 before the route could refuse the caller."""
    tags = set()
    for item in header.split(","):
        tag = item.strip().removeprefix("W/")
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tags.add(tag[1:-1])
    return tags

"""Typed FastAPI dependencies: the application services and the authenticated principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from adapters.bootstrap import Niaga, Services
from application.shared.context import Principal
from application.shared.errors import AuthenticationFailed, TenantLocked, TenantMoving
from application.shared.tenant_access import ensure_writable


async def get_services(request: HTTPConnection) -> Services:
    """The application services: all a route may use. (Declared async although it waits on
    nothing: FastAPI runs a plain function dependency on a worker thread, a hand-off that
    cost a cached GraphQL answer about a fifth of its time.)"""
    niaga: Niaga = request.app.state.niaga
    return niaga.services


ServicesDep = Annotated[Services, Depends(get_services)]


async def optional_principal(request: HTTPConnection, services: ServicesDep) -> Principal | None:
    """The caller named by `Authorization: Bearer <api key or access token>`; None when no
    header was sent.

    A header that is present but wrong is refused with 401 at once.
    """
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("expected 'Authorization: Bearer <api key or access token>'")
    tenants, token = services.tenants, token.strip()
    try:
        # A key or token verified from memory costs no trip to a worker thread; any other is
        # read there.
        known = tenants.authenticate_from_memory(token)
        return known or await run_in_threadpool(tenants.authenticate, token)
    except AuthenticationFailed as error:
        raise _unauthorised(error.message) from None


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


PrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def require_principal(principal: Principal | None) -> Principal:
    if principal is None:
        raise _unauthorised(
            "authentication required: send 'Authorization: Bearer <api key or access token>'"
        )
    return principal


def require_writer(principal: Principal | None) -> Principal:
    """The caller of a write: refused while its tenant is soft-locked (423) or moving (503 with
    Retry-After), as GraphQL refuses its mutations."""
    who = require_principal(principal)
    try:
        ensure_writable(who)
    except TenantMoving as error:
        detail = {"code": error.code, "message": error.message, "field": None}
        headers = {"Retry-After": str(error.retry_after)}
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail, headers) from None
    except TenantLocked as error:
        detail = {"code": error.code, "message": error.message, "field": None}
        raise HTTPException(status.HTTP_423_LOCKED, detail) from None
    return who

"""RouterGateway on librouteros: one short connection per job, a circuit breaker per router.

Items are always found by name (their `.id`s change when a router reboots) and only the
difference is written, so running a job twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import librouteros
from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError, TrapError

from application.routers import RouterAccess, RouterIdentity, RouterRefused, RouterUnreachable
from domain.provisioning import PppSecret

PPP_SECRETS = "/ppp/secret"
ACTIVE_PATH = "/ppp/active"


class CircuitBreaker:
    """After `threshold` consecutive failures a router is left alone for `cool_down` seconds."""

    def __init__(self, threshold: int = 5, cool_down: float = 30.0) -> None:
        self._threshold = threshold
        self._cool_down = cool_down
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        with self._lock:
            failures, since = self._failures.get(key, (0, 0.0))
        if failures >= self._threshold and time.monotonic() - since < self._cool_down:
            raise RouterUnreachable(f"router {key} failed {failures} times in a row; waiting")

    def record(self, key: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(key, None)
            else:
                failures, _ = self._failures.get(key, (0, 0.0))
                self._failures[key] = (failures + 1, time.monotonic())


class LibrouterosGateway:
    def __init__(self, timeout: float = 10.0, breaker: CircuitBreaker | None = None) -> None:
        self._timeout = timeout
        self._breaker = breaker or CircuitBreaker()

    def identify(self, router: RouterAccess) -> RouterIdentity:
        with self._session(router) as api:
            identity = _first(api.rawCmd("/system/identity/print"))
            resource = _first(api.rawCmd("/system/resource/print"))
        return RouterIdentity(
            str(identity.get("name", "")),
            str(resource.get("version", "")),
            str(resource.get("board-name", "")),
        )

    def sync_secret(self, router: RouterAccess, name: str, desired: PppSecret | None) -> list[str]:
        with self._session(router) as api:
            current = _first(api.rawCmd(f"{PPP_SECRETS}/print", f"?name={name}"), default=None)
            if desired is None:
                return _remove(api, current, name)
            if current is None:
                api_call(api, f"{PPP_SECRETS}/add", **_words(desired))
                return ["added"]
            return _update(api, current, desired)

    def tagged_secrets(self, router: RouterAccess, tag_prefix: str) -> dict[str, PppSecret]:
        with self._session(router) as api:
            rows = list(api.rawCmd(f"{PPP_SECRETS}/print"))
        return {
            str(r["name"]): _secret(r)
            for r in rows
            if str(r.get("comment", "")).startswith(tag_prefix)
        }

    @contextmanager
    def _session(self, router: RouterAccess) -> Iterator[Any]:
        key = f"{router.host}:{router.port}"
        self._breaker.check(key)
        try:
            api = librouteros.connect(
                router.host,
                router.username,
                router.password,
                port=router.port,
                timeout=self._timeout,
                ssl_wrapper=_tls(router),
            )
        except TrapError as error:
            self._breaker.record(key, ok=False)
            raise RouterRefused(f"{router.name}: {error.message}") from None
        except (OSError, LibRouterosError) as error:
            self._breaker.record(key, ok=False)
            raise RouterUnreachable(f"{router.name} ({key}): {error}") from None
        try:
            yield api
            self._breaker.record(key, ok=True)
        except TrapError as error:
            self._breaker.record(key, ok=True)  # it answered: the router is up
            raise RouterRefused(f"{router.name}: {error.message}") from None
        except (OSError, ConnectionClosed, FatalError, LibRouterosError) as error:
            self._breaker.record(key, ok=False)
            raise RouterUnreachable(f"{router.name} ({key}): {error}") from None
        finally:
            _close(api)


def api_call(api: Any, command: str, **values: str) -> list[dict[str, Any]]:
    return list(api.rawCmd(command, *(f"={k}={v}" for k, v in values.items())))


def _remove(api: Any, current: dict[str, Any] | None, name: str) -> list[str]:
    if current is None:
        return []
    api_call(api, f"{PPP_SECRETS}/remove", **{".id": str(current[".id"])})
    _kick(api, name)
    return ["removed"]


def _update(api: Any, current: dict[str, Any], desired: PppSecret) -> list[str]:
    have = _secret(current)
    changes = {
        field: value for field, value in _words(desired).items() if _words(have).get(field) != value
    }
    if changes:
        api_call(api, f"{PPP_SECRETS}/set", **{".id": str(current[".id"])}, **changes)
    if have.profile != desired.profile or have.disabled != desired.disabled:
        _kick(api, desired.name)  # the new profile or state applies to the next session
        return [*sorted(changes), "kicked"]
    return sorted(changes)


def _kick(api: Any, name: str) -> None:
    for session in api.rawCmd(f"{ACTIVE_PATH}/print", f"?name={name}"):
        api_call(api, f"{ACTIVE_PATH}/remove", **{".id": str(session[".id"])})


def _words(secret: PppSecret) -> dict[str, str]:
    return {
        "name": secret.name,
        "password": secret.password,
        "service": "pppoe",
        "profile": secret.profile,
        "disabled": "yes" if secret.disabled else "no",
        "comment": secret.comment,
    }


def _secret(row: dict[str, Any]) -> PppSecret:
    # librouteros types replies: "123456" comes back as an int and "true"/"yes" as True.
    return PppSecret(
        name=str(row.get("name", "")),
        password=str(row.get("password", "")),
        profile=str(row.get("profile", "")),
        disabled=row.get("disabled") in (True, "true", "yes"),
        comment=str(row.get("comment", "")),
    )


def _first(rows: Any, default: Any = ...) -> Any:
    for row in rows:
        return row
    if default is ...:
        return {}
    return default


def _tls(router: RouterAccess) -> Callable[[socket.socket], socket.socket] | None:
    if not router.tls:
        return None
    context = (
        ssl.create_default_context(cadata=router.ca_pem)
        if router.ca_pem
        else ssl.create_default_context()
    )
    if not router.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

    def wrap(sock: socket.socket) -> socket.socket:
        return context.wrap_socket(sock, server_hostname=router.host)

    return wrap


def _close(api: Any) -> None:
    with contextlib.suppress(OSError, LibRouterosError):
        api.close()

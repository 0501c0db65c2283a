"""RouterGateway on librouteros: a few logged-in connections kept per router, a circuit breaker
per router.

Items are always found by name (their `.id`s change when a router reboots) and only the
difference is written, so running a job twice changes nothing the second time. That is also why
a job that fails on a kept connection (the router dropped it) is simply run again once on a
fresh one.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import librouteros
from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError, TrapError

from application.routers.routers import (
    AddressEntry,
    AddressUnknown,
    HotspotUsage,
    RouterAccess,
    RouterIdentity,
    RouterRefused,
    RouterUnreachable,
)
from domain.routers.provisioning import HotspotUser, PppSecret, duration_seconds

PPP_SECRETS = "/ppp/secret"
ACTIVE_PATH = "/ppp/active"
ADDRESS_LIST = "/ip/firewall/address-list"
HOTSPOT_USERS = "/ip/hotspot/user"
HOTSPOT_ACTIVE = "/ip/hotspot/active"
LIST_ONCE_FROM = 20  # users in a batch from which the router's users are listed once
T = TypeVar("T")


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


class ConnectionPool:
    """Idle logged-in API connections per router login, so a job skips connect and login.

    librouteros runs one command at a time on a connection, so a connection is lent to one job
    at a time; at most `idle_per_router` are kept, each for at most `max_idle` seconds."""

    def __init__(self, idle_per_router: int = 8, max_idle: float = 30.0) -> None:
        self._idle_per_router = idle_per_router
        self._max_idle = max_idle
        self._idle: dict[tuple[object, ...], list[tuple[float, Any]]] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple[object, ...]) -> Any | None:
        now, stale = time.monotonic(), []
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                since, api = idle.pop()
                if now - since <= self._max_idle:
                    break
                stale.append(api)
            else:
                api = None
        for old in stale:
            _close(old)
        return api

    def give_back(self, key: tuple[object, ...], api: Any) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self._idle_per_router:
                idle.append((time.monotonic(), api))
                return
        _close(api)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for _, api in connections:
                _close(api)


class LibrouterosGateway:
    def __init__(
        self,
        timeout: float = 10.0,
        breaker: CircuitBreaker | None = None,
        pool: ConnectionPool | None = None,
    ) -> None:
        self._timeout = timeout
        self._breaker = breaker or CircuitBreaker()
        self._pool = pool or ConnectionPool()

    def close(self) -> None:
        self._pool.close()

    def identify(self, router: RouterAccess) -> RouterIdentity:
        def read(api: Any) -> RouterIdentity:
            identity = _first(api.rawCmd("/system/identity/print"))
            resource = _first(api.rawCmd("/system/resource/print"))
            return RouterIdentity(
                str(identity.get("name", "")),
                str(resource.get("version", "")),
                str(resource.get("board-name", "")),
            )

        return self._run(router, read)

    def sync_secret(self, router: RouterAccess, name: str, desired: PppSecret | None) -> list[str]:
        def sync(api: Any) -> list[str]:
            changes, kick = _sync_secret(api, name, desired)
            if kick:
                _kick(api, ACTIVE_PATH, "name", name)
                changes.append("kicked")
            return changes

        return self._run(router, sync)

    def sync_subscriber(
        self,
        router: RouterAccess,
        name: str,
        desired: PppSecret | None,
        tag: str,
        isolir_list: str | None,
    ) -> list[str]:
        def sync(api: Any) -> list[str]:
            # The address is read before any kick: a dynamic one is known only while connected.
            changes, kick = _sync_secret(api, name, desired)
            listed = _sync_address(api, name, tag, isolir_list if desired else None)
            if (kick or listed) and desired is not None:
                _kick(api, ACTIVE_PATH, "name", name)
                return [*changes, *listed, "kicked"]
            return [*changes, *listed]

        return self._run(router, sync)

    def sync_isolir_address(
        self, router: RouterAccess, name: str | None, tag: str, isolir_list: str | None
    ) -> list[str]:
        def sync(api: Any) -> list[str]:
            listed = _sync_address(api, name, tag, isolir_list)
            if listed and name:
                _kick(api, ACTIVE_PATH, "name", name)
                return [*listed, "kicked"]
            return listed

        return self._run(router, sync)

    def tagged_secrets(self, router: RouterAccess, tag_prefix: str) -> dict[str, PppSecret]:
        rows = self._run(router, lambda api: list(api.rawCmd(f"{PPP_SECRETS}/print")))
        return {str(r["name"]): _secret(r) for r in rows if _tagged(r, tag_prefix)}

    def tagged_addresses(self, router: RouterAccess, tag_prefix: str) -> list[AddressEntry]:
        rows = self._run(router, lambda api: list(api.rawCmd(f"{ADDRESS_LIST}/print")))
        return [
            AddressEntry(str(r.get("list", "")), str(r.get("address", "")), str(r["comment"]))
            for r in rows
            if _tagged(r, tag_prefix)
        ]

    def sync_hotspot_user(
        self, router: RouterAccess, name: str, desired: HotspotUser | None
    ) -> list[str]:
        return self._run(
            router, lambda api: _sync_hotspot_user(api, name, desired, _lookup(api, name))
        )

    def sync_hotspot_users(
        self, router: RouterAccess, users: Sequence[tuple[str, HotspotUser | None]]
    ) -> list[list[str] | RouterRefused]:
        def sync(api: Any) -> list[list[str] | RouterRefused]:
            results: list[list[str] | RouterRefused] = []
            # A large batch reads every user once instead of looking each one up: half the
            # round trips, and a router answers one listing faster than a thousand queries.
            listed = _users_by_name(api) if len(users) >= LIST_ONCE_FROM else None
            for name, desired in users:
                current = listed.get(name) if listed is not None else _lookup(api, name)
                try:
                    results.append(_sync_hotspot_user(api, name, desired, current))
                except TrapError as error:  # this user is refused; the others go on
                    results.append(RouterRefused(error.message))
            return results

        return self._run(router, sync)

    def tagged_hotspot_users(self, router: RouterAccess, tag_prefix: str) -> dict[str, HotspotUser]:
        rows = self._run(router, lambda api: list(api.rawCmd(f"{HOTSPOT_USERS}/print")))
        return {str(r["name"]): _hotspot_user(r) for r in rows if _tagged(r, tag_prefix)}

    def hotspot_usage(self, router: RouterAccess, tag_prefix: str) -> list[HotspotUsage]:
        proplist = "=.proplist=name,comment,uptime,bytes-in,bytes-out"
        rows = self._run(router, lambda api: list(api.rawCmd(f"{HOTSPOT_USERS}/print", proplist)))
        return [_usage(r) for r in rows if _tagged(r, tag_prefix)]

    def _run(self, router: RouterAccess, work: Callable[[Any], T]) -> T:
        """Run `work` on a kept connection, or once more on a fresh one if the kept one has
        gone stale (the router rebooted or dropped it); every job is idempotent."""
        key = f"{router.host}:{router.port}"
        self._breaker.check(key)
        login = _login_key(router)
        kept = self._pool.take(login)
        if kept is not None:
            try:
                return self._work(router, key, login, kept, work, reused=True)
            except _Stale:
                pass
        return self._work(router, key, login, self._connect(router, key), work)

    def _work(
        self,
        router: RouterAccess,
        key: str,
        login: tuple[object, ...],
        api: Any,
        work: Callable[[Any], T],
        *,
        reused: bool = False,
    ) -> T:
        try:
            result = work(api)
        except RouterRefused as error:
            self._breaker.record(key, ok=True)
            self._pool.give_back(login, api)
            raise type(error)(f"{router.name}: {error.message}") from None
        except TrapError as error:
            self._breaker.record(key, ok=True)  # it answered: the router is up
            self._pool.give_back(login, api)
            raise RouterRefused(f"{router.name}: {error.message}") from None
        except (OSError, ConnectionClosed, FatalError, LibRouterosError) as error:
            _close(api)
            if reused:
                raise _Stale from None
            self._breaker.record(key, ok=False)
            raise RouterUnreachable(f"{router.name} ({key}): {_describe(error)}") from None
        self._breaker.record(key, ok=True)
        self._pool.give_back(login, api)
        return result

    def _connect(self, router: RouterAccess, key: str) -> Any:
        try:
            return librouteros.connect(
                router.host,
                router.username,
                router.password,
                port=router.port,
                timeout=self._timeout,
                ssl_wrapper=_tls(router),
            )
        except TrapError as error:
            # The login was refused (wrong credentials): the router is up, and its own message
            # must reach the record rather than an open circuit's.
            self._breaker.record(key, ok=True)
            raise RouterRefused(f"{router.name}: {error.message}") from None
        except ssl.SSLError as error:
            # Retrying will not make a certificate verify: a refusal, not an outage.
            self._breaker.record(key, ok=False)
            raise RouterRefused(
                f"{router.name} ({key}): TLS failed: {_tls_problem(error)}"
            ) from None
        except (OSError, LibRouterosError) as error:
            self._breaker.record(key, ok=False)
            raise RouterUnreachable(f"{router.name} ({key}): {_describe(error)}") from None


class _Stale(Exception):
    """A kept connection failed: the job is run again on a fresh one."""


def _login_key(router: RouterAccess) -> tuple[object, ...]:
    return (
        router.host,
        router.port,
        router.username,
        router.password,
        router.tls,
        router.verify_tls,
        router.ca_pem,
    )


def api_call(api: Any, command: str, **values: str) -> list[dict[str, Any]]:
    return list(api.rawCmd(command, *(f"={k}={v}" for k, v in values.items())))


# --- PPP secrets ---------------------------------------------------------------------------


def _sync_secret(api: Any, name: str, desired: PppSecret | None) -> tuple[list[str], bool]:
    """Write the difference; also say whether the active session must be kicked."""
    current = _first(api.rawCmd(f"{PPP_SECRETS}/print", f"?name={name}"), default=None)
    if desired is None:
        if current is None:
            return [], False
        api_call(api, f"{PPP_SECRETS}/remove", **{".id": str(current[".id"])})
        _kick(api, ACTIVE_PATH, "name", name)
        return ["removed"], False
    if current is None:
        api_call(api, f"{PPP_SECRETS}/add", **_words(desired))
        return ["added"], False
    have = _secret(current)
    changes = {
        field: value for field, value in _words(desired).items() if _words(have).get(field) != value
    }
    if changes:
        api_call(api, f"{PPP_SECRETS}/set", **{".id": str(current[".id"])}, **changes)
    # A new profile or enabled state applies only to the next session.
    kick = have.profile != desired.profile or have.disabled != desired.disabled
    return sorted(changes), kick


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
        disabled=_truth(row.get("disabled")),
        comment=str(row.get("comment", "")),
    )


# --- isolir address list -------------------------------------------------------------------


def _sync_address(api: Any, name: str | None, tag: str, wanted_list: str | None) -> list[str]:
    """Keep exactly one entry tagged `tag`, in `wanted_list` (none when None); its address is
    the secret's static remote-address, else the address of its active session."""
    entries = list(api.rawCmd(f"{ADDRESS_LIST}/print", f"?comment={tag}"))
    keep = next((e for e in entries if str(e.get("list", "")) == wanted_list), None)
    changes = []
    for entry in entries:
        if entry is not keep:
            api_call(api, f"{ADDRESS_LIST}/remove", **{".id": str(entry[".id"])})
            changes.append(f"address-list {entry.get('list')} removed")
    if wanted_list is None:
        return changes
    address = _address_of(api, name or "", wanted_list)
    if keep is None:
        api_call(api, f"{ADDRESS_LIST}/add", list=wanted_list, address=address, comment=tag)
        changes.append(f"address-list {wanted_list} added")
    elif str(keep.get("address", "")) != address:
        api_call(api, f"{ADDRESS_LIST}/set", **{".id": str(keep[".id"])}, address=address)
        changes.append(f"address-list {wanted_list} address")
    return changes


def _address_of(api: Any, name: str, wanted_list: str) -> str:
    secret = _first(api.rawCmd(f"{PPP_SECRETS}/print", f"?name={name}"), default=None)
    if secret is not None and secret.get("remote-address"):
        return str(secret["remote-address"])
    session = _first(api.rawCmd(f"{ACTIVE_PATH}/print", f"?name={name}"), default=None)
    if session is not None and session.get("address"):
        return str(session["address"])
    raise AddressUnknown(
        f"{name} has no remote-address and no active session: no address to put on "
        f"address list {wanted_list}"
    )


# --- hotspot users -------------------------------------------------------------------------


def _lookup(api: Any, name: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = _first(
        api.rawCmd(f"{HOTSPOT_USERS}/print", f"?name={name}"), default=None
    )
    return found


def _users_by_name(api: Any) -> dict[str, dict[str, Any]]:
    return {str(row.get("name", "")): row for row in api.rawCmd(f"{HOTSPOT_USERS}/print")}


def _sync_hotspot_user(
    api: Any, name: str, desired: HotspotUser | None, current: dict[str, Any] | None
) -> list[str]:
    if desired is None:
        if current is None:
            return []
        api_call(api, f"{HOTSPOT_USERS}/remove", **{".id": str(current[".id"])})
        _kick(api, HOTSPOT_ACTIVE, "user", name)
        return ["removed"]
    if current is None:
        words = {k: v for k, v in _hotspot_words(desired).items() if v is not None}
        api_call(api, f"{HOTSPOT_USERS}/add", **words)
        return ["added"]
    have = _hotspot_user(current)
    item = {".id": str(current[".id"])}
    changes = _hotspot_changes(have, desired)
    cleared = [field for field, value in changes.items() if value is None]
    written = {field: value for field, value in changes.items() if value is not None}
    if written:
        api_call(api, f"{HOTSPOT_USERS}/set", **item, **written)
    for field in cleared:
        api_call(api, f"{HOTSPOT_USERS}/unset", **item, **{"value-name": field})
    if desired.disabled and not have.disabled:
        _kick(api, HOTSPOT_ACTIVE, "user", name)
        return [*sorted(changes), "kicked"]
    return sorted(changes)


def _hotspot_changes(have: HotspotUser, desired: HotspotUser) -> dict[str, str | None]:
    """The words to write; None for a limit to clear."""
    ours, theirs = _hotspot_words(desired), _hotspot_words(have)
    changes = {f: v for f, v in ours.items() if f != "limit-uptime" and theirs.get(f) != v}
    if duration_seconds(have.limit_uptime) != duration_seconds(desired.limit_uptime):
        changes["limit-uptime"] = desired.limit_uptime
    return changes


def _hotspot_words(user: HotspotUser) -> dict[str, str | None]:
    return {
        "name": user.name,
        "password": user.password,
        "profile": user.profile,
        "limit-uptime": user.limit_uptime,
        "limit-bytes-total": (
            None if user.limit_bytes_total is None else str(user.limit_bytes_total)
        ),
        "disabled": "yes" if user.disabled else "no",
        "comment": user.comment,
    }


def _hotspot_user(row: dict[str, Any]) -> HotspotUser:
    uptime, total = row.get("limit-uptime"), row.get("limit-bytes-total")
    return HotspotUser(
        name=str(row.get("name", "")),
        password=str(row.get("password", "")),
        profile=str(row.get("profile", "")),
        limit_uptime=None if uptime in (None, "", "0s") else str(uptime),
        limit_bytes_total=None if total in (None, "", 0, "0") else int(str(total)),
        disabled=_truth(row.get("disabled")),
        comment=str(row.get("comment", "")),
    )


def _usage(row: dict[str, Any]) -> HotspotUsage:
    # librouteros turns "0" into 0 and leaves "1h2m" a string; a bare number is seconds.
    uptime = row.get("uptime")
    seconds = uptime if isinstance(uptime, int) else duration_seconds(str(uptime or "0s"))
    return HotspotUsage(
        name=str(row.get("name", "")),
        comment=str(row.get("comment", "")),
        uptime_seconds=int(seconds or 0),
        bytes_in=int(str(row.get("bytes-in") or 0)),
        bytes_out=int(str(row.get("bytes-out") or 0)),
    )


# --- shared --------------------------------------------------------------------------------


def _kick(api: Any, path: str, key: str, name: str) -> None:
    for session in api.rawCmd(f"{path}/print", f"?{key}={name}"):
        api_call(api, f"{path}/remove", **{".id": str(session[".id"])})


def _tagged(row: dict[str, Any], tag_prefix: str) -> bool:
    return str(row.get("comment", "")).startswith(tag_prefix)


def _truth(value: Any) -> bool:
    return value in (True, "true", "yes")


def _first(rows: Any, default: Any = ...) -> Any:
    for row in rows:
        return row
    if default is ...:
        return {}
    return default


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__


def _tls_problem(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed ({error.verify_message})"
    return str(error.reason or error)


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

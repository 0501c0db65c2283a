"""What every process must know at once about people's access tokens, kept in memory: which
sessions have ended, whether each tenant may write (locked, moving), and what each custom role
held by a member grants.

The transaction that records `Session.Revoked` in the platform store announces the session on
`niaga_sessions` (migrations/sql/platform/0007); a Tenant or CustomRoles event is announced on
`niaga_api_keys` with its position, as for API keys (adapters/shared/api_key_cache.py). Every
process LISTENs on a connection of its own, so a signed-out session's access tokens are refused
on the next request everywhere, a tenant locked or moving has its mutations refused as for its
keys, and a custom role's new permissions hold on its members' next request.

A session is asked of the database once per process (is there a `Revoked` event for it?) and
then known to go on until a notice says otherwise; an ended one is remembered for as long as
its access tokens could still be valid. While the listener is not connected nothing is kept:
every request asks the database.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.utils import get_topic
from psycopg import Connection, Notify, sql

from adapters.shared.api_key_cache import CHANNEL as TENANT_CHANNEL
from adapters.shared.api_key_cache import READ_MODEL as TENANTS_READ_MODEL
from adapters.shared.database import Database
from adapters.shared.notice_listener import NoticeListener
from application.identity.ports import CustomRoleGrant
from domain.identity.session import Session
from domain.shared.tenant_writes import TenantWrites
from projections.shared.runner import TRACKING_TABLE

SESSION_CHANNEL = "niaga_sessions"

Connect = Callable[[], AbstractContextManager[Connection[Any]]]


V = TypeVar("V")


@dataclass(frozen=True)
class _Kept(Generic[V]):
    value: V
    position: int  # the `tenants` read model's position when it was read
    until: float  # time.monotonic()


class AccessWatch:
    """Implements SessionRevocations, TenantWriteStates and CustomRoleGrants. Its listener
    thread starts with the first look-up that reads the database and stops with `close`."""

    def __init__(
        self, database: Database, schema: str, ttl: float, size: int, remember: float
    ) -> None:
        self._pooled: Connect = database.connection
        self._listener = NoticeListener(
            database.url,
            (SESSION_CHANNEL, TENANT_CHANNEL),
            "niaga-access-watch",
            "sessions are read from it on every request",
            self._heard_from_start,
            self._heard,
            self._deaf,
        )
        self._schema, self._ttl, self._size, self._remember = schema, ttl, size, remember
        self._revoked_statement = _revoked_statement(schema)
        self._writes_statement = _writes_statement(schema)
        self._role_statement = _role_statement(schema)
        self._revoked: OrderedDict[UUID, float] = OrderedDict()  # heard at, time.monotonic()
        self._live: OrderedDict[UUID, None] = OrderedDict()
        self._writes: OrderedDict[UUID, _Kept[TenantWrites]] = OrderedDict()
        self._roles: OrderedDict[tuple[UUID, UUID], _Kept[CustomRoleGrant]] = OrderedDict()
        self._lock = threading.Lock()
        self._listening = False
        self._epoch = 0  # moves whenever the listener (re)connects: reads from before are void
        self._floor = 0  # the highest Tenant event position announced since it connected

    @property
    def listening(self) -> bool:
        return self._listening

    # -- sessions -----------------------------------------------------------------------------

    def known(self, session_id: UUID) -> bool | None:
        with self._lock:
            if not self._listening:
                return None
            self._forget_old_revocations()
            if session_id in self._revoked:
                return True
            return False if session_id in self._live else None

    def is_revoked(self, session_id: UUID) -> bool:
        self._listener.start()
        known = self.known(session_id)
        if known is not None:
            return known
        with self._lock:
            epoch = self._epoch
        revoked = self._read_revoked(session_id)
        with self._lock:
            if revoked:
                self._heard_revoked(session_id)
            elif self._listening and epoch == self._epoch:
                self._keep_live(session_id)
            return session_id in self._revoked or revoked

    def revoked_here(self, session_ids: Iterable[UUID]) -> None:
        with self._lock:
            for session_id in session_ids:
                self._heard_revoked(session_id)

    # -- tenants' write states ----------------------------------------------------------------

    def kept(self, tenant_id: UUID) -> TenantWrites | None:
        with self._lock:
            kept = self._fresh(self._writes, tenant_id)
        return None if kept is None else kept.value

    def writes(self, tenant_id: UUID) -> TenantWrites:
        return self._through(self._writes, tenant_id, lambda: self._read_writes(tenant_id))

    # -- custom roles held by members ---------------------------------------------------------

    def kept_grant(self, tenant_id: UUID, role_id: UUID) -> CustomRoleGrant | None:
        with self._lock:
            kept = self._fresh(self._roles, (tenant_id, role_id))
        return None if kept is None else kept.value

    def grant(self, tenant_id: UUID, role_id: UUID) -> CustomRoleGrant:
        key = (tenant_id, role_id)
        return self._through(self._roles, key, lambda: self._read_role(tenant_id, role_id))

    def close(self) -> None:
        self._listener.close()

    # -- memory (callers hold the lock) -------------------------------------------------------

    def _heard_revoked(self, session_id: UUID) -> None:
        self._revoked[session_id] = time.monotonic()
        self._revoked.move_to_end(session_id)
        self._live.pop(session_id, None)

    def _keep_live(self, session_id: UUID) -> None:
        self._live[session_id] = None
        self._live.move_to_end(session_id)
        _bound(self._live, self._size)

    def _forget_old_revocations(self) -> None:
        """An ended session's access tokens all expire within their lifetime: after that it
        need not be remembered (asked again, the database says it ended)."""
        oldest = time.monotonic() - self._remember
        while self._revoked and next(iter(self._revoked.values())) < oldest:
            self._revoked.popitem(last=False)

    def _fresh(self, kept: OrderedDict[Any, _Kept[V]], key: Any) -> _Kept[V] | None:
        found = kept.get(key)
        if found is None or not self._listening or found.until <= time.monotonic():
            return None
        kept.move_to_end(key)
        return found

    def _tenant_changed_at(self, position: int) -> None:
        self._floor = max(self._floor, position)
        _drop_before(self._writes, position)
        _drop_before(self._roles, position)

    def _through(
        self, kept: OrderedDict[Any, _Kept[V]], key: Any, read: Callable[[], tuple[V, int]]
    ) -> V:
        """From memory, else read and kept unless a change was announced since the read."""
        if self._ttl <= 0 or self._size <= 0:
            return read()[0]
        self._listener.start()
        with self._lock:
            found = self._fresh(kept, key)
            epoch = self._epoch
        if found is not None:
            return found.value
        value, position = read()
        with self._lock:
            if self._listening and epoch == self._epoch and position >= self._floor:
                kept[key] = _Kept(value, position, time.monotonic() + self._ttl)
                _bound(kept, self._size)
        return value

    # -- the database -------------------------------------------------------------------------

    def _read_revoked(self, session_id: UUID) -> bool:
        with self._pooled() as conn:
            row = conn.execute(self._revoked_statement, (session_id, REVOKED_TOPIC)).fetchone()
        return bool(row and row[0])

    def _read_writes(self, tenant_id: UUID) -> tuple[TenantWrites, int]:
        with self._pooled() as conn:
            row = conn.execute(self._writes_statement, (TENANTS_READ_MODEL, tenant_id)).fetchone()
        position, writes = row if row else (0, None)
        return TenantWrites(writes or TenantWrites.OPEN), int(position or 0)

    def _read_role(self, tenant_id: UUID, role_id: UUID) -> tuple[CustomRoleGrant, int]:
        """A role gone (or of another tenant) grants nothing rather than its base role's."""
        with self._pooled() as conn:
            row = conn.execute(
                self._role_statement, (TENANTS_READ_MODEL, role_id, tenant_id)
            ).fetchone()
        position, name, permissions = row if row else (0, None, None)
        grant = CustomRoleGrant(name or "deleted role", tuple(permissions or ()))
        return grant, int(position or 0)

    # -- the listener -------------------------------------------------------------------------

    def _heard_from_start(self) -> None:
        """Listening from now on: what was read before may predate a change nobody heard."""
        with self._lock:
            self._live.clear()
            self._writes.clear()
            self._roles.clear()
            self._epoch += 1
            self._floor = 0
            self._listening = True

    def _heard(self, notice: Notify) -> None:
        schema, _, subject = notice.payload.rpartition(":")
        if schema != self._schema:
            return
        with self._lock:
            if notice.channel == SESSION_CHANNEL:
                self._heard_revoked(UUID(subject))
            elif subject.isdigit():
                self._tenant_changed_at(int(subject))

    def _deaf(self) -> None:
        with self._lock:
            self._listening = False
            self._live.clear()
            self._writes.clear()
            self._roles.clear()
            self._epoch += 1


REVOKED_TOPIC = get_topic(Session.Revoked)


def _drop_before(kept: OrderedDict[Any, _Kept[Any]], position: int) -> None:
    for key in [k for k, found in kept.items() if found.position < position]:
        del kept[key]


def _bound(kept: OrderedDict[Any, Any], size: int) -> None:
    while len(kept) > size:
        kept.popitem(last=False)


def _revoked_statement(schema: str) -> bytes:
    return (
        sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE originator_id = %s AND topic = %s)")
        .format(sql.Identifier(schema, "niaga_events"))
        .as_bytes()
    )


def _writes_statement(schema: str) -> bytes:
    """The tenant's write state and the position its read model had reached, in one snapshot."""
    statement = sql.SQL(
        "SELECT (SELECT position FROM {tracking} WHERE projection = %s), "
        "(SELECT writes FROM {tenants} WHERE id = %s)"
    )
    tracking = sql.Identifier(schema, TRACKING_TABLE)
    tenants = sql.Identifier(schema, "tenant_list")
    return statement.format(tracking=tracking, tenants=tenants).as_bytes()


def _role_statement(schema: str) -> bytes:
    """A custom role's name and permissions and the position its read model had reached."""
    statement = sql.SQL(
        "SELECT (SELECT position FROM {tracking} WHERE projection = %s), r.name, r.permissions "
        "FROM (VALUES (1)) AS one LEFT JOIN {roles} AS r ON r.id = %s AND r.tenant_id = %s"
    )
    tracking = sql.Identifier(schema, TRACKING_TABLE)
    roles = sql.Identifier(schema, "custom_roles")
    return statement.format(tracking=tracking, roles=roles).as_bytes()

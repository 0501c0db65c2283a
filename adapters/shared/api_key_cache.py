"""API keys verified from memory for a few seconds, and never after a change was recorded.

Every request names its API key; reading it from PostgreSQL each time costs a round trip. Keys
read here are kept for `ttl` seconds, each with the position the `tenants` read model had
reached when it was read. The transaction that records a Tenant event (a key issued or revoked)
announces its position on `niaga_api_keys` (migrations/sql/store/0004_tenant_change_notices.sql);
every process LISTENs on a connection of its own and from then on trusts only what was read at
or after that position. So a revocation holds on the next request in every process, as soon as
its read model says so, whichever process recorded it.

While the listener is not connected (starting, or the database restarting) nothing would tell
of a change, so nothing is kept: every lookup asks the database. Unknown keys are never kept.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from psycopg import Connection, Notify, sql

from adapters.shared.database import Database
from adapters.shared.notice_listener import NoticeListener
from application.shared.ports import ApiKeyRecord
from projections.shared.runner import TRACKING_TABLE

CHANNEL = "niaga_api_keys"
LISTENER_NAME = "niaga-api-key-listener"
READ_MODEL = "tenants"  # the projection that writes `api_keys`

# A key whose custom role is gone grants nothing rather than its base role's permissions.
CUSTOM_ROLE_COLUMNS = (
    "r.name, CASE WHEN k.custom_role_id IS NULL THEN NULL "
    "ELSE coalesce(r.permissions, ARRAY[]::text[]) END"
)

Connect = Callable[[], AbstractContextManager[Connection[Any]]]


@dataclass(frozen=True)
class _Kept:
    record: ApiKeyRecord
    position: int  # the `tenants` read model's position when the record was read
    until: float  # time.monotonic()


class CachedApiKeys:
    """Implements ApiKeyLookup: records of the platform's `api_keys` read model, kept briefly.

    Lookups borrow the database's pooled connections; the listener has a connection of its own
    (named `niaga-api-key-listener` in pg_stat_activity). Its thread starts with the first
    lookup and stops with `close`."""

    def __init__(self, database: Database, schema: str, ttl: float, size: int) -> None:
        self._pooled: Connect = database.connection
        self._listener = NoticeListener(
            database.url,
            (CHANNEL,),
            LISTENER_NAME,
            "keys are read from it on every request",
            self._heard_from_start,
            self._heard,
            self._deaf,
        )
        self._schema, self._ttl, self._size = schema, ttl, size
        self._statement = _lookup_statement(schema)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._listening = False
        self._epoch = 0  # moves whenever the listener (re)connects: reads from before are void
        self._floor = 0  # the highest Tenant event position announced since it connected

    def kept(self, key_id: str) -> ApiKeyRecord | None:
        with self._lock:
            kept = self._fresh(key_id)
        return None if kept is None else kept.record

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        if self._ttl <= 0 or self._size <= 0:
            return self._read(key_id)[0]
        self._listener.start()
        with self._lock:
            kept = self._fresh(key_id)
            epoch = self._epoch
        if kept is not None:
            return kept.record
        record, position = self._read(key_id)
        if record is not None:
            self._keep(key_id, _Kept(record, position, time.monotonic() + self._ttl), epoch)
        return record

    @property
    def listening(self) -> bool:
        """Whether changes are being heard now (and so whether anything is kept)."""
        return self._listening

    def close(self) -> None:
        self._listener.close()

    def _fresh(self, key_id: str) -> _Kept | None:
        kept = self._kept.get(key_id)
        if kept is None or not self._listening or kept.until <= time.monotonic():
            return None
        self._kept.move_to_end(key_id)
        return kept

    def _keep(self, key_id: str, kept: _Kept, epoch: int) -> None:
        """Keep a record only if nothing announced since the read could have changed it."""
        with self._lock:
            if not self._listening or epoch != self._epoch or kept.position < self._floor:
                return
            self._kept[key_id] = kept
            self._kept.move_to_end(key_id)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)

    def _read(self, key_id: str) -> tuple[ApiKeyRecord | None, int]:
        with self._pooled() as conn:
            row = conn.execute(self._statement, (READ_MODEL, key_id)).fetchone()
        if row is None:  # the statement always answers one row
            return None, 0
        position, *columns = row
        record = key_record(columns) if columns[0] is not None else None
        return record, int(position or 0)

    def _heard(self, notice: Notify) -> None:
        schema, _, position = notice.payload.rpartition(":")
        if schema == self._schema and position.isdigit():
            self._changed_at(int(position))

    def _heard_from_start(self) -> None:
        """Listening from now on: what was read before may predate a change nobody heard."""
        with self._lock:
            self._kept.clear()
            self._epoch += 1
            self._floor = 0
            self._listening = True

    def _changed_at(self, position: int) -> None:
        with self._lock:
            self._floor = max(self._floor, position)
            for key_id in [k for k, kept in self._kept.items() if kept.position < position]:
                del self._kept[key_id]

    def _deaf(self) -> None:
        with self._lock:
            self._listening = False
            self._kept.clear()
            self._epoch += 1


def _lookup_statement(schema: str) -> bytes:
    """The key (if any) and the position its read model had reached, in one snapshot."""
    statement = sql.SQL(
        "SELECT (SELECT position FROM {tracking} WHERE projection = %s), k.key_id, "
        "k.tenant_id, k.role, k.label, k.secret_hash, k.revoked, k.created_at, "
        f"coalesce(t.writes, 'open'), {CUSTOM_ROLE_COLUMNS} "
        "FROM (VALUES (1)) AS one LEFT JOIN {keys} AS k ON k.key_id = %s "
        "LEFT JOIN {tenants} AS t ON t.id = k.tenant_id "
        "LEFT JOIN {roles} AS r ON r.id = k.custom_role_id"
    )
    tracking, keys = sql.Identifier(schema, TRACKING_TABLE), sql.Identifier(schema, "api_keys")
    tenants = sql.Identifier(schema, "tenant_list")
    roles = sql.Identifier(schema, "custom_roles")
    return statement.format(tracking=tracking, keys=keys, tenants=tenants, roles=roles).as_bytes()


def key_record(row: Sequence[Any]) -> ApiKeyRecord:
    """A record from the key's columns, its tenant's write state and `CUSTOM_ROLE_COLUMNS`."""
    key_id, tenant_id, role, label, secret_hash, revoked, created_at, writes, name, granted = row
    permissions = None if granted is None else tuple(granted)
    return ApiKeyRecord(
        key_id, tenant_id, role, label, secret_hash, revoked, created_at, writes, name, permissions
    )

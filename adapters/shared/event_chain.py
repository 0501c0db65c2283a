"""A hash chain over a store's event log, extended as events are recorded.

Each link hashes the link before it with one event exactly as stored (see
migrations/sql/store/0003_event_chain.sql, which backfills stores recorded before the chain).
Changing an event's bytes, deleting it or inserting one outside the recorder breaks the chain at
that event; adapters/audit/chain_verification.py finds and names it.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg import sql

GENESIS = bytes(32)
CHAIN_TABLE = "niaga_event_chain"
# notification id, originator id, originator version, topic length: the fixed part of a link
_FIXED = struct.Struct(">q16sqi")


def link(
    previous: bytes,
    notification_id: int,
    originator_id: UUID,
    originator_version: int,
    topic: str | None,
    state: bytes | None,
) -> bytes:
    """The link of one event: the same bytes the migration's SQL hashes."""
    topic_bytes = (topic or "").encode()
    fixed = _FIXED.pack(notification_id, originator_id.bytes, originator_version, len(topic_bytes))
    return hashlib.sha256(b"".join((previous, fixed, topic_bytes, state or b""))).digest()


class Links(NamedTuple):
    """New links as three columns, ready to be sent as arrays."""

    notification_ids: list[int]
    previous_ids: list[int]
    hashes: list[bytes]


def extend(
    head: tuple[int, bytes] | None, notification_ids: Sequence[int], stored: Sequence[StoredEvent]
) -> Links:
    """The links for events just inserted in this order, after `head` (None: no link yet)."""
    previous_id, previous = head or (0, GENESIS)
    links = Links([], [], [])
    for notification_id, event in zip(notification_ids, stored, strict=True):
        previous = link(
            previous,
            notification_id,
            _uuid(event.originator_id),
            event.originator_version,
            event.topic,
            event.state,
        )
        links.notification_ids.append(notification_id)
        links.previous_ids.append(previous_id)
        links.hashes.append(previous)
        previous_id = notification_id
    return links


def head_statement(schema: str) -> sql.Composed:
    return sql.SQL(
        "SELECT notification_id, hash FROM {}.{} ORDER BY notification_id DESC LIMIT 1"
    ).format(sql.Identifier(schema), sql.Identifier(CHAIN_TABLE))


def insert_statement(schema: str) -> sql.Composed:
    """Links from three arrays (see `Links`); each event's id and version are taken from the
    row itself, which costs the server an index look-up and spares encoding them again."""
    return sql.SQL(
        "INSERT INTO {0}.{1} "
        "SELECT l.notification_id, l.previous_id, e.originator_id, e.originator_version, l.hash "
        "FROM unnest(%b::bigint[], %b::bigint[], %b::bytea[]) "
        "AS l (notification_id, previous_id, hash) "
        "JOIN {0}.niaga_events e USING (notification_id)"
    ).format(sql.Identifier(schema), sql.Identifier(CHAIN_TABLE))


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)

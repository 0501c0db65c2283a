"""Verifying a store's hash chain: the log and the chain read side by side in one snapshot,
every link recomputed, every breach named by notification id, aggregate and version."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from uuid import UUID

from psycopg import Connection, sql

from adapters.shared.event_chain import CHAIN_TABLE, GENESIS, link

_PAGE = 2000


class Breach(StrEnum):
    ALTERED = "altered"  # the event's bytes (or its link) no longer hash to the link
    DELETED = "deleted"  # a link names an event that is gone
    INSERTED = "inserted"  # an event without a link: written outside the recorder
    UNLINKED = "unlinked"  # a link's predecessor is gone with its event
    UNANCHORED = "unanchored"  # a head recorded earlier is no longer in the chain


@dataclass(frozen=True)
class ChainProblem:
    breach: Breach
    notification_id: int
    originator_id: UUID | None
    originator_version: int | None
    topic: str | None

    @property
    def aggregate_type(self) -> str | None:
        """`Customer` for topic `domain.customers.customer:Customer.Registered`."""
        if not self.topic:
            return None
        return self.topic.rpartition(":")[2].split(".", 1)[0]

    def describe(self) -> str:
        what = {
            Breach.ALTERED: "altered (its stored bytes do not match the chain)",
            Breach.DELETED: "deleted (its link remains)",
            Breach.INSERTED: "inserted out of band (it has no link)",
            Breach.UNLINKED: "deleted together with its link (the next link names it)",
            Breach.UNANCHORED: "no longer carries the link recorded for it earlier "
            "(the chain was rewritten or cut short)",
        }[self.breach]
        subject = ""
        if self.originator_id is not None:
            kind = self.aggregate_type or "aggregate"
            subject = f" {kind} {self.originator_id} version {self.originator_version}"
        return f"notification {self.notification_id}{subject}: {what}"


@dataclass
class ChainReport:
    store: str
    checked: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    head_id: int = 0
    head_hash: bytes = GENESIS

    @property
    def intact(self) -> bool:
        return not self.problems


Progress = Callable[[int, int], None]  # (events checked, events in the log)


def verify(
    conn: Connection[Any],
    schema: str,
    store: str,
    progress: Progress | None = None,
    anchors: dict[int, bytes] | None = None,
) -> ChainReport:
    """Walk the log and the chain side by side, in one snapshot, a page at a time.

    `anchors` are heads printed by earlier runs and kept elsewhere (notification id -> link):
    anyone able to write the tables could recompute the whole chain, but not those copies.
    """
    report = ChainReport(store)
    unmet = dict(anchors or {})
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        total = _count(conn, schema)
        departed = _departed(conn, schema)
        events = _stream(conn, schema, "niaga_events", _EVENT_COLUMNS)
        links = _stream(conn, schema, CHAIN_TABLE, _LINK_COLUMNS)
        previous_id, previous = 0, GENESIS
        for event, chained in _merge(events, links):
            if event is not None:
                report.checked += 1
            problem = _check(event, chained, previous_id, previous, departed)
            if problem is not None:
                report.problems.append(problem)
            if chained is not None:
                previous_id, previous = chained[0], bytes(chained[4])
                if unmet.pop(previous_id, previous) != previous:
                    report.problems.append(
                        _problem(Breach.UNANCHORED, previous_id, None, None, None)
                    )
            if progress and report.checked % _PAGE == 0:
                progress(report.checked, total)
    report.head_id, report.head_hash = previous_id, previous
    report.problems += [_problem(Breach.UNANCHORED, i, None, None, None) for i in sorted(unmet)]
    if progress:
        progress(report.checked, total)
    return report


def _departed(conn: Connection[Any], schema: str) -> frozenset[int]:
    """Events removed from this store after their tenant moved out (their links stay)."""
    rows = conn.execute(
        sql.SQL("SELECT notification_id FROM {}.niaga_departures").format(sql.Identifier(schema))
    ).fetchall()
    return frozenset(int(r[0]) for r in rows)


_EVENT_COLUMNS = ("notification_id", "originator_id", "originator_version", "topic", "state")
_LINK_COLUMNS = ("notification_id", "previous_id", "originator_id", "originator_version", "hash")
Row = tuple[Any, ...]


def _check(
    event: Row | None,
    chained: Row | None,
    previous_id: int,
    previous: bytes,
    departed: frozenset[int] = frozenset(),
) -> ChainProblem | None:
    if chained is None:
        if event is None:
            return None
        return _problem(Breach.INSERTED, event[0], event[1], event[2], event[3])
    notification_id, linked_after, originator_id, version, stored_hash = chained
    if linked_after != previous_id:
        # The link before this one is gone, event and all: its id is all that is left of it.
        return _problem(Breach.UNLINKED, linked_after, None, None, None)
    if event is None:
        if notification_id in departed:
            return None  # its tenant moved to another store: removed after the grace period
        return _problem(Breach.DELETED, notification_id, originator_id, version, None)
    _, event_originator, event_version, topic, state = event
    expected = link(previous, notification_id, event_originator, event_version, topic, _b(state))
    if expected != bytes(stored_hash):
        return _problem(Breach.ALTERED, notification_id, event_originator, event_version, topic)
    return None


def _problem(
    breach: Breach, notification_id: int, originator: Any, version: Any, topic: Any
) -> ChainProblem:
    return ChainProblem(breach, int(notification_id), originator, version, topic)


def _stream(
    conn: Connection[Any], schema: str, table: str, columns: Sequence[str]
) -> Iterator[Row]:
    """Rows in notification order through a server-side cursor: constant memory."""
    query = sql.SQL("SELECT {} FROM {}.{} ORDER BY notification_id").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.Identifier(schema),
        sql.Identifier(table),
    )
    with conn.cursor(name=f"chain_{table}") as cur:
        cur.itersize = _PAGE
        cur.execute(query)
        for row in cur:
            yield tuple(row.values()) if isinstance(row, dict) else tuple(row)


def _merge(events: Iterator[Row], links: Iterator[Row]) -> Iterator[tuple[Row | None, Row | None]]:
    """Pairs of (event, link) with the same notification id, either missing, in order."""
    event, chained = next(events, None), next(links, None)
    while event is not None or chained is not None:
        if chained is None or (event is not None and event[0] < chained[0]):
            yield event, None
            event = next(events, None)
        elif event is None or chained[0] < event[0]:
            yield None, chained
            chained = next(links, None)
        else:
            yield event, chained
            event, chained = next(events, None), next(links, None)


def _count(conn: Connection[Any], schema: str) -> int:
    row = conn.execute(
        sql.SQL("SELECT count(*) FROM {}.niaga_events").format(sql.Identifier(schema))
    ).fetchone()
    if row is None:
        return 0
    return int(next(iter(row.values())) if isinstance(row, dict) else row[0])


def _b(value: Any) -> bytes:
    return bytes(value) if value is not None else b""

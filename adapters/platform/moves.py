"""Moving a tenant's data from one store to another, a step at a time, each step safe to run
again (application/platform/moves.py says in which order, and what a failure means).

- freeze: a gate row in the source store (migrations/sql/store/0005_tenant_gates.sql), written
  under the event table's lock, so every event the tenant has there is committed and no other
  can follow;
- copy: the tenant's aggregates streamed with COPY from the source into the target in one
  target transaction, their personal-data keys with them, the target's hash chain extended over
  them, and verified before that transaction commits (count, and a digest of every event's
  aggregate, version, topic and bytes computed on both sides; into an empty store the
  notification ids are kept, so the target's chain head equals the source's when the source
  held this tenant alone);
- rebuild: the target's read models caught up, and each of the tenant's read-model tables
  compared with the source's (position columns aside);
- switch: the directory names the target, in one platform transaction with the move's step;
- remove: after the grace period, the source copy goes (a store of its own is dropped; in the
  shared store the tenant's events are deleted and their links kept, listed as departed so that
  the chain still verifies).
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import Connection, sql

from adapters.shared import event_chain
from adapters.shared.database import Database
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import (
    PLATFORM_RESIDENT_TOPICS,
    PostgresStores,
    StoreRef,
    resides_on_platform,
)
from application.platform.moves import Move, MoveFailed, Step, TargetUnavailable
from application.shared.ports import Placement
from domain.shared.topics import topics_of

log = logging.getLogger(__name__)
Progress = Callable[[str, int, int], None]  # (what, done, total)
_POSITION_COLUMNS = ("position", "created_position")
_EVENT_TYPES = ("int8", "uuid", "int8", "text", "bytea")
_DIGEST = struct.Struct(">16sqi")


class PostgresMover:
    """Implements the Mover port on PostgreSQL stores."""

    def __init__(
        self, stores: PostgresStores, projections: ProjectionService, grace: timedelta
    ) -> None:
        self._stores = stores
        self._projections = projections
        self._grace = grace

    def plan(
        self, tenant_id: UUID, tier: Placement, region: str, server: str | None
    ) -> tuple[object, object, str]:
        chosen = self._stores.topology.server_for(region, server)
        source = self._stores.ref_for(tenant_id)
        return source, self._stores.ref_of(tenant_id, tier, chosen), chosen

    def store_name(self, ref: object) -> str:
        return _ref(ref).name

    def server_of(self, ref: object) -> str:
        return _ref(ref).server_name

    # -- the record of each move (platform table tenant_moves) ------------------------------

    def begin(self, move: Move) -> None:
        with self._platform() as conn:
            try:
                conn.execute(
                    self._moves_sql(
                        "INSERT INTO {moves} (move_id, tenant_id, step, tier, region, "
                        "source_schema, source_server, source_database, target_schema, "
                        "target_server, target_database) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    ),
                    (
                        move.move_id,
                        move.tenant_id,
                        Step.STARTED.value,
                        move.tier,
                        move.region,
                        *_ref_columns(_ref(move.source)),
                        *_ref_columns(_ref(move.target)),
                    ),
                )
            except psycopg.errors.UniqueViolation as error:
                raise MoveFailed("the tenant is already moving", field="tenant") from error

    def unfinished(self, tenant_id: UUID) -> Move | None:
        with self._platform() as conn:
            row = conn.execute(
                self._moves_sql(
                    "SELECT move_id, tenant_id, step, tier, region, source_schema, source_server, "
                    "source_database, target_schema, target_server, target_database, events "
                    "FROM {moves} WHERE tenant_id = %s AND step NOT IN ('done', 'abandoned', "
                    "'removed')"
                ),
                (tenant_id,),
            ).fetchone()
        return None if row is None else _move(row)

    def due_for_removal(self) -> list[Move]:
        with self._platform() as conn:
            rows = conn.execute(
                self._moves_sql(
                    "SELECT move_id, tenant_id, step, tier, region, source_schema, source_server, "
                    "source_database, target_schema, target_server, target_database, events "
                    "FROM {moves} WHERE step = 'done' AND remove_after <= now() "
                    "ORDER BY remove_after"
                )
            ).fetchall()
        return [_move(r) for r in rows]

    def mark(self, move: Move, step: Step, *, events: int | None = None, error: str = "") -> None:
        with self._platform() as conn:
            conn.execute(
                self._moves_sql(
                    "UPDATE {moves} SET step = %s, events = coalesce(%s, events), error = %s, "
                    "updated_at = now() WHERE move_id = %s"
                ),
                (step.value, events, error[:2000], move.move_id),
            )

    # -- the steps ----------------------------------------------------------------------------

    def check_reachable(self, move: Move) -> None:
        """Refuse a target whose server does not answer, before anything is frozen."""
        url = self._stores.server_url(_ref(move.target).server_name)
        try:
            with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            raise TargetUnavailable(
                f"server {_ref(move.target).server_name!r} does not answer: {error}",
                field="server",
            ) from error

    def prepare(self, move: Move) -> None:
        self._stores.prepare(_ref(move.target))

    def freeze(self, move: Move) -> None:
        source = _ref(move.source)
        with self._connection(source) as conn, conn.transaction():
            conn.execute(_sql("LOCK TABLE {}.niaga_events IN EXCLUSIVE MODE", source.schema))
            conn.execute(
                _sql(
                    "INSERT INTO {}.tenant_gates (tenant_id, state, move_id) "
                    "VALUES (%s, 'moving', %s) ON CONFLICT (tenant_id) DO NOTHING",
                    source.schema,
                ),
                (move.tenant_id, str(move.move_id)),
            )

    def copy(self, move: Move, progress: Progress | None = None) -> int:
        source, target = _ref(move.source), _ref(move.target)
        with (
            self._connection(source) as src,
            self._connection(target) as dst,
            src.transaction(),
            dst.transaction(),
        ):
            src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            dst.execute(_sql("LOCK TABLE {}.niaga_events IN EXCLUSIVE MODE", target.schema))
            aggregates = _aggregates_of(src, source.schema, move.tenant_id)
            _clear_leftovers(dst, target.schema, move, aggregates)
            head = _chain_head(dst, target.schema)
            keep_ids = head is None  # a store that never held an event: keep the ids
            count, digest = _stream_events(
                src, dst, source.schema, target.schema, aggregates, keep_ids, progress
            )
            if keep_ids:
                _advance_sequence(dst, target.schema)
            _copy_keys(src, dst, source.schema, target.schema, aggregates)
            linked = _link_new_events(dst, target.schema, head)
            found, found_digest = _digest_at(dst, target.schema, aggregates)
            if (found, found_digest) != (count, digest):
                raise MoveFailed(
                    f"verification failed: {count} events at the source, {found} at the "
                    "target, or their digests differ; nothing was kept at the target"
                )
            same_head = None
            if keep_ids and source != self._stores.platform_ref:
                same_head = _chain_head(src, source.schema) == (
                    None if linked is None else (linked[0], linked[1])
                )
                if not same_head:
                    raise MoveFailed("verification failed: the chain heads differ")
        log.info(
            "move %s copied %d events of tenant %s (digest %s, chain head %s)",
            move.move_id,
            count,
            move.tenant_id,
            digest.hex()[:16],
            "not comparable" if same_head is None else "equal",
        )
        return count

    def rebuild(self, move: Move, progress: Progress | None = None) -> list[str]:
        """Catch the target's read models up and compare the tenant's rows with the source's;
        the tables that differ (none when the move may go on)."""
        source, target = _ref(move.source), _ref(move.target)
        target_store = self._stores.open(target)
        catch_up_progress = (
            (lambda done, total: progress("read models", done, total)) if progress else None
        )
        self._projections.catch_up(target_store, catch_up_progress)
        self._projections.catch_up(self._stores.open(source))
        with self._connection(source) as src:
            aggregates = _aggregates_of(src, source.schema, move.tenant_id)
        differing: list[str] = []
        for table in self._tenant_tables():
            if self._fingerprint(source, table, move.tenant_id, aggregates) != self._fingerprint(
                target, table, move.tenant_id, aggregates
            ):
                differing.append(table)
        return differing

    def switch(self, move: Move) -> None:
        """The directory names the target (with the move's step, in one transaction); the source
        keeps the tenant's gate as `moved`, and its read-model rows of the tenant go."""
        target = _ref(move.target)
        with self._platform() as conn, conn.transaction():
            conn.execute(
                self._moves_sql(
                    "UPDATE {directory} SET store = %s, schema_name = %s, server = %s, "
                    "database_name = %s, tier = %s WHERE tenant_id = %s"
                ),
                (target.name, *_ref_columns(target), move.tier, move.tenant_id),
            )
            conn.execute(
                self._moves_sql(
                    "UPDATE {moves} SET step = 'switched', updated_at = now(), "
                    "remove_after = now() + %s WHERE move_id = %s"
                ),
                (self._grace, move.move_id),
            )
        self._stores.forget_placement(move.tenant_id)
        self._leave(move)

    def roll_back(self, move: Move) -> None:
        """Before the switch: the target's copy goes (its own store is dropped; in the shared
        store the copied events stay, unreachable behind a gate, and are reused by a later move
        there), and the source opens again."""
        target, source = _ref(move.target), _ref(move.source)
        try:
            if target != self._stores.platform_ref:
                self._drop(target)
            else:
                self._close_gate_behind(move, target)
        finally:
            with self._connection(source) as conn:
                conn.execute(
                    _sql(
                        "DELETE FROM {}.tenant_gates WHERE tenant_id = %s AND move_id = %s",
                        source.schema,
                    ),
                    (move.tenant_id, str(move.move_id)),
                )

    def remove_source(self, move: Move) -> None:
        """After the grace period: the old copy goes."""
        source = _ref(move.source)
        self._stores.forget_placement(move.tenant_id)
        if self._stores.ref_for(move.tenant_id) == source:
            return  # it moved back there since: what is there is its data now
        if source != self._stores.platform_ref:
            if not self._anyone_placed_in(source):
                self._drop(source)
        else:
            self._depart(move, source)

    # -- helpers ------------------------------------------------------------------------------

    def _leave(self, move: Move) -> None:
        source = _ref(move.source)
        with self._connection(source) as conn, conn.transaction():
            conn.execute(
                _sql(
                    "UPDATE {}.tenant_gates SET state = 'moved' WHERE tenant_id = %s", source.schema
                ),
                (move.tenant_id,),
            )
            self._forget_read_models(conn, source.schema, move.tenant_id)

    def _close_gate_behind(self, move: Move, target: StoreRef) -> None:
        with self._connection(target) as conn, conn.transaction():
            conn.execute(
                _sql(
                    "INSERT INTO {}.tenant_gates (tenant_id, state, move_id) VALUES "
                    "(%s, 'abandoned', %s) ON CONFLICT (tenant_id) DO UPDATE SET "
                    "state = 'abandoned', move_id = excluded.move_id",
                    target.schema,
                ),
                (move.tenant_id, str(move.move_id)),
            )
            self._forget_read_models(conn, target.schema, move.tenant_id)

    def _forget_read_models(self, conn: Connection[Any], schema: str, tenant_id: UUID) -> None:
        """Delete the tenant's rows from a store's read models (it no longer lives there)."""
        aggregates = _aggregates_of(conn, schema, tenant_id)
        for table in self._tenant_tables():
            where, params = _tenant_rows(conn, schema, table, tenant_id, aggregates)
            if where is not None:
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(schema, table), where),
                    params,
                )

    def _depart(self, move: Move, source: StoreRef) -> None:
        """The tenant's events leave the shared store (see `_depart_on`)."""
        with self._connection(source) as conn, conn.transaction():
            conn.execute(_sql("LOCK TABLE {}.niaga_events IN EXCLUSIVE MODE", source.schema))
            aggregates = _aggregates_of(conn, source.schema, move.tenant_id)
            _depart_on(conn, source.schema, move.move_id, move.tenant_id, aggregates)

    def _drop(self, ref: StoreRef) -> None:
        if ref.database is not None:
            self._stores.close_database(ref)
            url = self._stores.server_url(ref.server_name)
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(ref.database)
                    )
                )
            return
        with self._connection(ref) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(ref.schema))
            )

    def _anyone_placed_in(self, ref: StoreRef) -> bool:
        with self._platform() as conn:
            row = conn.execute(
                self._moves_sql(
                    "SELECT 1 FROM {directory} WHERE schema_name = %s "
                    "AND server IS NOT DISTINCT FROM %s AND database_name IS NOT DISTINCT FROM %s"
                ),
                _ref_columns(ref),
            ).fetchone()
        return row is not None

    def _tenant_tables(self) -> list[str]:
        """The read-model tables that hold a tenant's rows derived from events that move."""
        tables: list[str] = []
        for projection in self._projections.projections:
            topics = [t for cls in projection.event_types for t in topics_of(cls)]
            if topics and all(resides_on_platform(t) for t in topics):
                continue  # fed by the platform's own records, which stay
            tables += [t for t in projection.tables if t not in tables]
        return tables

    def _fingerprint(
        self, ref: StoreRef, table: str, tenant_id: UUID, aggregates: list[UUID]
    ) -> tuple[int, str]:
        with self._connection(ref) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            where, params = _tenant_rows(conn, ref.schema, table, tenant_id, aggregates)
            if where is None:
                return 0, ""
            dropped = sql.SQL("").join(
                sql.SQL(" - {}").format(sql.Literal(c)) for c in _POSITION_COLUMNS
            )
            row = conn.execute(
                sql.SQL(
                    "SELECT count(*), coalesce(md5(string_agg(r, '|' ORDER BY r)), '') FROM "
                    "(SELECT (to_jsonb(t){})::text AS r FROM {} t WHERE {}) s"
                ).format(dropped, sql.Identifier(ref.schema, table), where),
                params,
            ).fetchone()
        return (int(row[0]), str(row[1])) if row else (0, "")

    @contextmanager
    def _connection(self, ref: StoreRef) -> Iterator[Connection[Any]]:
        database: Database = self._stores.database_of(ref)
        with database.connection() as conn:
            yield conn

    @contextmanager
    def _platform(self) -> Iterator[Connection[Any]]:
        with self._stores.database.connection() as conn:
            yield conn

    def _moves_sql(self, statement: str) -> sql.Composed:
        schema = self._stores.platform_ref.schema
        return sql.SQL(statement).format(
            moves=sql.Identifier(schema, "tenant_moves"),
            directory=sql.Identifier(schema, "tenant_directory"),
        )


# -- the copy -------------------------------------------------------------------------------

_RESIDENT_PATTERNS = [p.replace("_", "\\_") + "%" for p in PLATFORM_RESIDENT_TOPICS]
_TENANT_OF = "convert_from(state, 'UTF8')::jsonb -> '__meta__' ->> 'tenant_id'"


def _aggregates_of(conn: Connection[Any], schema: str, tenant_id: UUID) -> list[UUID]:
    """The tenant's aggregates in a store: those any of whose events was recorded for it, but
    not the platform's own records of it (they stay in the platform store)."""
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT originator_id FROM {} WHERE {} = %s AND NOT topic LIKE ANY(%s)"
        ).format(sql.Identifier(schema, "niaga_events"), sql.SQL(_TENANT_OF)),
        (str(tenant_id), _RESIDENT_PATTERNS),
    ).fetchall()
    return sorted(r[0] for r in rows)


def _clear_leftovers(
    conn: Connection[Any], schema: str, move: Move, aggregates: list[UUID]
) -> None:
    """What an earlier stay of the tenant left in the target (it moved out and now back within
    the grace period, or a move there was rolled back): those events depart, so that the copy
    brings every event anew, and the gate they were kept behind opens."""
    _depart_on(conn, schema, move.move_id, move.tenant_id, aggregates)
    conn.execute(
        _sql("DELETE FROM {}.tenant_gates WHERE tenant_id = %s", schema), (move.tenant_id,)
    )


def _depart_on(
    conn: Connection[Any], schema: str, move_id: UUID, tenant_id: UUID, aggregates: list[UUID]
) -> None:
    """Delete these aggregates' events from a store, keeping their chain links and listing
    them as departed (adapters/audit/chain_verification.py accepts exactly those gaps), with
    their personal-data keys."""
    conn.execute(
        _sql(
            "INSERT INTO {0}.niaga_departures (notification_id, move_id, tenant_id) "
            "SELECT notification_id, %s, %s FROM {0}.niaga_events "
            "WHERE originator_id = ANY(%s) ON CONFLICT DO NOTHING",
            schema,
        ),
        (move_id, tenant_id, aggregates),
    )
    conn.execute(
        _sql("DELETE FROM {}.niaga_events WHERE originator_id = ANY(%s)", schema), (aggregates,)
    )
    conn.execute(
        _sql("DELETE FROM {}.personal_data_keys WHERE subject_id = ANY(%s)", schema),
        (aggregates,),
    )


def _chain_head(conn: Connection[Any], schema: str) -> tuple[int, bytes] | None:
    row = conn.execute(event_chain.head_statement(schema)).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def _stream_events(
    src: Connection[Any],
    dst: Connection[Any],
    source: str,
    target: str,
    aggregates: list[UUID],
    keep_ids: bool,
    progress: Progress | None,
) -> tuple[int, bytes]:
    """COPY the aggregates' events out of the source and into the target, in log order; how
    many the source has and their digest."""
    counted = src.execute(
        _sql("SELECT count(*) FROM {}.niaga_events WHERE originator_id = ANY(%s)", source),
        (aggregates,),
    ).fetchone()
    total = int(counted[0]) if counted else 0
    columns = "notification_id, originator_id, originator_version, topic, state"
    out_sql = sql.SQL(
        "COPY (SELECT {} FROM {} WHERE originator_id = ANY({}) ORDER BY notification_id) "
        "TO STDOUT (FORMAT BINARY)"
    ).format(
        sql.SQL(columns),
        sql.Identifier(source, "niaga_events"),
        sql.Literal("{" + ",".join(str(a) for a in aggregates) + "}") + sql.SQL("::uuid[]"),
    )
    in_columns = columns if keep_ids else columns.removeprefix("notification_id, ")
    in_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(target, "niaga_events"), sql.SQL(in_columns)
    )
    digest = event_chain.GENESIS
    count = 0
    with src.cursor().copy(out_sql) as out, dst.cursor().copy(in_sql) as into:
        out.set_types(list(_EVENT_TYPES))
        into.set_types(list(_EVENT_TYPES if keep_ids else _EVENT_TYPES[1:]))
        for row in out.rows():
            digest = _fold(digest, row[1], int(row[2]), row[3], bytes(row[4]))
            count += 1
            into.write_row(row if keep_ids else row[1:])
            if progress and count % 5000 == 0:
                progress("events", count, int(total))
    if progress:
        progress("events", count, int(total))
    return count, digest


def _fold(
    digest: bytes, originator_id: UUID, version: int, topic: str | None, state: bytes
) -> bytes:
    """The tenant digest: like the chain, without notification ids (they differ by store)."""
    topic_bytes = (topic or "").encode()
    fixed = _DIGEST.pack(originator_id.bytes, version, len(topic_bytes))
    return hashlib.sha256(b"".join((digest, fixed, topic_bytes, state))).digest()


def _advance_sequence(conn: Connection[Any], schema: str) -> None:
    conn.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, 'notification_id'), "
            "greatest((SELECT max(notification_id) FROM {}), 1))"
        ).format(sql.Literal(f'"{schema}".niaga_events'), sql.Identifier(schema, "niaga_events"))
    )


def _copy_keys(
    src: Connection[Any], dst: Connection[Any], source: str, target: str, aggregates: list[UUID]
) -> None:
    rows = src.execute(
        _sql(
            "SELECT subject_id, key, created_at, destroyed_at FROM {}.personal_data_keys "
            "WHERE subject_id = ANY(%s)",
            source,
        ),
        (aggregates,),
    ).fetchall()
    if rows:
        with dst.cursor() as cur:
            cur.executemany(
                _sql(
                    "INSERT INTO {}.personal_data_keys (subject_id, key, created_at, destroyed_at) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (subject_id) DO NOTHING",
                    target,
                ),
                rows,
            )


def _link_new_events(
    conn: Connection[Any], schema: str, head: tuple[int, bytes] | None
) -> tuple[int, bytes] | None:
    """Extend the target's chain over the events just copied; the new head."""
    after = head[0] if head else 0
    rows = conn.execute(
        _sql(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {}.niaga_events WHERE notification_id > %s ORDER BY notification_id",
            schema,
        ),
        (after,),
    ).fetchall()
    if not rows:
        return head
    stored = [StoredEvent(r[1], int(r[2]), r[3], bytes(r[4])) for r in rows]
    links = event_chain.extend(head, [int(r[0]) for r in rows], stored)
    conn.execute(event_chain.insert_statement(schema), links)
    return links.notification_ids[-1], links.hashes[-1]


def _digest_at(conn: Connection[Any], schema: str, aggregates: list[UUID]) -> tuple[int, bytes]:
    digest, count = event_chain.GENESIS, 0
    with conn.cursor(name="niaga_move_verify") as cur:
        cur.execute(
            _sql(
                "SELECT originator_id, originator_version, topic, state FROM {}.niaga_events "
                "WHERE originator_id = ANY(%s) ORDER BY notification_id",
                schema,
            ),
            (aggregates,),
        )
        for originator_id, version, topic, state in cur:
            digest = _fold(digest, originator_id, int(version), topic, bytes(state))
            count += 1
    return count, digest


def _tenant_rows(
    conn: Connection[Any], schema: str, table: str, tenant_id: UUID, aggregates: list[UUID]
) -> tuple[sql.Composable | None, tuple[Any, ...]]:
    """Which rows of a read-model table are the tenant's moving data."""
    columns = _columns(conn, schema, table)
    if "tenant_id" in columns and "aggregate_id" in columns:
        return sql.SQL("tenant_id = %s AND aggregate_id = ANY(%s)"), (tenant_id, aggregates)
    if "tenant_id" in columns:
        return sql.SQL("tenant_id = %s"), (tenant_id,)
    if "aggregate_id" in columns:
        return sql.SQL("aggregate_id = ANY(%s)"), (aggregates,)
    return None, ()


def _columns(conn: Connection[Any], schema: str, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s",
        (schema, table),
    ).fetchall()
    return {r[0] for r in rows}


def _sql(statement: str, schema: str) -> sql.Composed:
    return sql.SQL(statement).format(sql.Identifier(schema))


def _ref(value: object) -> StoreRef:
    """The store a move names: always one this mover made (the port keeps it opaque)."""
    if not isinstance(value, StoreRef):
        raise MoveFailed(f"not a store of this mover: {value!r}")
    return value


def _ref_columns(ref: StoreRef) -> tuple[str, str | None, str | None]:
    return ref.schema, ref.server, ref.database


def _move(row: Sequence[Any]) -> Move:
    return Move(
        move_id=row[0],
        tenant_id=row[1],
        step=Step(row[2]),
        tier=row[3],
        region=row[4],
        source=StoreRef(row[5], row[6], row[7]),
        target=StoreRef(row[8], row[9], row[10]),
        events=int(row[11]),
    )

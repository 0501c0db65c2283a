"""Moving a tenant's data from one store to another, a step at a time, each step safe to run
again (application/platform/moves.py says in which order, and what a failure means).

- precopy (the tenant still writes): what the target lacks of the tenant's events is copied as
  in `copy`, and the target's read models are caught up with it. Only into a store no process
  manager follows (one not named in the tenant directory, as a new store of its own is until
  the switch): a dispatcher there could otherwise send a WhatsApp message or webhook for a
  copied row. A gate row `arriving` in the target marks what this move has copied so far;
- freeze: a gate row in the source store (migrations/sql/store/0005_tenant_gates.sql), written
  under the event table's lock, so every event the tenant has there is committed and no other
  can follow;
- copy: the events the target lacks (after the first copy: those recorded since) streamed with
  COPY from the source into the target in one target transaction, the personal-data keys
  brought up to date, the target's hash chain extended over the new events, and all of the
  tenant's events verified before that transaction commits (count, and a digest of every
  event's aggregate, version, topic and bytes computed in SQL on both sides); into a store that
  held nothing else the notification ids are kept, so the target's chain head equals the
  source's when the source held this tenant alone;
- rebuild: the target's read models caught up, and each of the tenant's read-model tables
  compared with the source's (position columns aside) by a count and a sum of row hashes
  computed in SQL, both stores at once;
- switch: the directory names the target, in one platform transaction with the move's step;
- leave: the source forgets the tenant's read-model rows (after the commands opened again);
- remove: after the grace period, the source copy goes (a store of its own is dropped; in the
  shared store the tenant's events are deleted and their links kept, listed as departed so that
  the chain still verifies).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
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
_KEY_TYPES = ("uuid", "bytea", "timestamptz", "timestamptz")
ARRIVING = "arriving"  # the target's gate while a move copies into it before the freeze


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
                        move.step.value,
                        move.tier,
                        move.region,
                        *_ref_columns(_ref(move.source)),
                        *_ref_columns(_ref(move.target)),
                    ),
                )
            except psycopg.errors.UniqueViolation as error:
                raise MoveFailed(
                    "the tenant is already moving; finish it with --resume", field="tenant"
                ) from error

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

    def precopy(self, move: Move, progress: Progress | None = None) -> int:
        target = _ref(move.target)
        if self._followed(target):
            log.info("move %s copies into %s during the freeze only", move.move_id, target.name)
            return 0
        count = self._copy(move, progress, final=False)
        self._projections.catch_up(self._stores.open(target), _read_models_progress(progress))
        return count

    def copy(self, move: Move, progress: Progress | None = None) -> int:
        return self._copy(move, progress, final=True)

    def rebuild(self, move: Move, progress: Progress | None = None) -> list[str]:
        """Catch the target's read models up and compare the tenant's rows with the source's;
        the tables that differ (none when the move may go on)."""
        source, target = _ref(move.source), _ref(move.target)
        self._projections.catch_up(self._stores.open(target), _read_models_progress(progress))
        self._projections.catch_up(self._stores.open(source))
        aggregates = self._moved_aggregates(move)
        tables = self._tenant_tables()
        with ThreadPoolExecutor(max_workers=2) as both:
            at_source, at_target = both.map(
                lambda ref: self._fingerprints(ref, tables, move.tenant_id, aggregates),
                (source, target),
            )
        return [t for t in tables if at_source.get(t) != at_target.get(t)]

    def switch(self, move: Move) -> None:
        """The directory names the target (with the move's step, in one transaction); the source
        keeps the tenant's gate as `moved`."""
        target, source = _ref(move.target), _ref(move.source)
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
        with self._connection(source) as conn:
            conn.execute(
                _sql(
                    "UPDATE {}.tenant_gates SET state = 'moved' WHERE tenant_id = %s", source.schema
                ),
                (move.tenant_id,),
            )

    def leave(self, move: Move) -> None:
        """The source's read-model rows of the tenant go (it no longer lives there)."""
        source = _ref(move.source)
        aggregates = self._moved_aggregates(move)
        with self._connection(source) as conn, conn.transaction():
            self._forget_read_models(conn, source.schema, move.tenant_id, aggregates)

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
            aggregates = _aggregates_of(conn, target.schema, move.tenant_id)
            self._forget_read_models(conn, target.schema, move.tenant_id, aggregates)

    def _forget_read_models(
        self, conn: Connection[Any], schema: str, tenant_id: UUID, aggregates: list[UUID]
    ) -> None:
        """Delete the tenant's rows from a store's read models (it no longer lives there)."""
        columns = _columns_of(conn, schema)
        moved = sql.SQL("SELECT unnest({}::uuid[])").format(sql.Placeholder("aggregates"))
        for table in self._tenant_tables():
            where = _tenant_filter(columns.get(table, []), sql.Placeholder("tenant"), moved)
            if where is not None:
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(schema, table), where),
                    {"tenant": tenant_id, "aggregates": aggregates},
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

    def _fingerprints(
        self, ref: StoreRef, tables: list[str], tenant_id: UUID, aggregates: list[UUID]
    ) -> dict[str, tuple[int, int]]:
        """Per table, the count of the tenant's rows and the sum of their hashes (position
        columns aside): one statement, computed where the rows are."""
        with self._connection(ref) as conn, conn.transaction():
            # Rows hashed as text: the same settings on both sides make the same text.
            conn.execute("SET LOCAL TIME ZONE 'UTC'")
            conn.execute("SET LOCAL extra_float_digits = 3")
            conn.execute("SET LOCAL DateStyle = 'ISO, YMD'")
            conn.execute("SET LOCAL IntervalStyle = 'postgres'")
            columns = _columns_of(conn, ref.schema)
            parts = [
                _fingerprint_of(ref.schema, table, columns[table], where)
                for table in tables
                if table in columns
                and (
                    where := _tenant_filter(
                        columns[table], sql.Placeholder("tenant"), sql.SQL("SELECT id FROM moved")
                    )
                )
                is not None
            ]
            if not parts:
                return {}
            rows = conn.execute(
                sql.SQL("WITH moved AS MATERIALIZED (SELECT unnest(%(aggregates)s::uuid[]) AS id) ")
                + sql.SQL(" UNION ALL ").join(parts),
                {"tenant": tenant_id, "aggregates": aggregates},
            ).fetchall()
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def _followed(self, ref: StoreRef) -> bool:
        """Whether process managers follow the store: the shared store, or one the directory
        names for some tenant (the daemon and its dispatchers go through the directory)."""
        return ref == self._stores.platform_ref or self._anyone_placed_in(ref)

    def _moved_aggregates(self, move: Move) -> list[UUID]:
        """The tenant's aggregates, once they are all copied: a store of its own holds nothing
        else, so its aggregates are read off its primary key instead of every event's metadata."""
        own = _ref(move.target)
        if own == self._stores.platform_ref:
            own = _ref(move.source)
            if own == self._stores.platform_ref:
                raise MoveFailed("not a move: source and target are both the shared store")
        with self._connection(own) as conn:
            rows = conn.execute(
                _sql("SELECT DISTINCT originator_id FROM {}.niaga_events", own.schema)
            ).fetchall()
        return sorted(r[0] for r in rows)

    def _copy(self, move: Move, progress: Progress | None, *, final: bool) -> int:
        """Copy what the target lacks of the tenant's events, bring its keys up to date, link
        and verify everything in one target transaction; before the freeze (not `final`) the
        target keeps an `arriving` gate so that the next pass knows what is this move's."""
        source, target = _ref(move.source), _ref(move.target)
        with (
            self._connection(source) as src,
            self._connection(target) as dst,
            src.transaction(),
            dst.transaction(),
        ):
            src.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            dst.execute(_sql("LOCK TABLE {}.niaga_events IN EXCLUSIVE MODE", target.schema))
            after, aggregates = self._copied_so_far(src, dst, move)
            head = _chain_head(dst, target.schema)
            # Ids are kept where the target holds nothing but this move's own copy.
            keep_ids = head is None or (after > 0 and not _has_departures(dst, target.schema))
            copied = _stream_events(
                src, dst, source.schema, target.schema, aggregates, after, keep_ids, progress
            )
            if keep_ids:
                _advance_sequence(dst, target.schema)
            _copy_keys(src, dst, source.schema, target.schema, aggregates)
            linked = _link_new_events(dst, target.schema, head)
            count = _verify(src, dst, source.schema, target.schema, aggregates)
            same_head = None
            if keep_ids and source != self._stores.platform_ref:
                same_head = _chain_head(src, source.schema) == linked
                if not same_head:
                    raise MoveFailed("verification failed: the chain heads differ")
            _mark_arrival(dst, target.schema, move, arriving=not final)
        log.info(
            "move %s copied %d events of tenant %s (%d now, chain head %s)",
            move.move_id,
            count,
            move.tenant_id,
            copied,
            "not comparable" if same_head is None else "equal",
        )
        return count

    def _copied_so_far(
        self, src: Connection[Any], dst: Connection[Any], move: Move
    ) -> tuple[int, list[UUID]]:
        """The source position up to which this move copied the tenant's events already (0:
        none), and the tenant's aggregates. What an earlier stay or an abandoned move left in
        the target departs first (with its read-model rows), so that it is copied anew."""
        source, target = _ref(move.source), _ref(move.target)
        after = _arrived_up_to(src, dst, source.schema, target.schema, move)
        if after:
            copied = dst.execute(
                _sql("SELECT DISTINCT originator_id FROM {}.niaga_events", target.schema)
            ).fetchall()
            since = _aggregates_of(src, source.schema, move.tenant_id, after=after)
            return after, sorted({r[0] for r in copied} | set(since))
        aggregates = _aggregates_of(src, source.schema, move.tenant_id)
        _clear_leftovers(dst, target.schema, move, aggregates)
        if not self._followed(target):  # a followed store's rows went when the tenant left it
            self._forget_read_models(dst, target.schema, move.tenant_id, aggregates)
        return 0, aggregates

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


def _aggregates_of(
    conn: Connection[Any], schema: str, tenant_id: UUID, *, after: int = 0
) -> list[UUID]:
    """The tenant's aggregates in a store (with an event after position `after`): those any of
    whose events was recorded for it, but not the platform's own records of it (they stay in
    the platform store). Every event's metadata is read: a scan of the store's log from there."""
    rows = conn.execute(
        sql.SQL(
            "SELECT DISTINCT originator_id FROM {} WHERE notification_id > %s AND {} = %s "
            "AND NOT topic LIKE ANY(%s)"
        ).format(sql.Identifier(schema, "niaga_events"), sql.SQL(_TENANT_OF)),
        (after, str(tenant_id), _RESIDENT_PATTERNS),
    ).fetchall()
    return sorted(r[0] for r in rows)


def _arrived_up_to(
    src: Connection[Any], dst: Connection[Any], source: str, target: str, move: Move
) -> int:
    """The source position of the last event this move copied into the target before the
    freeze (0: none). Copies go in log order, so every event of the tenant up to there is in."""
    gate = dst.execute(
        _sql("SELECT state, move_id FROM {}.tenant_gates WHERE tenant_id = %s", target),
        (move.tenant_id,),
    ).fetchone()
    if gate is None or (gate[0], gate[1]) != (ARRIVING, str(move.move_id)):
        return 0
    last = dst.execute(
        _sql(
            "SELECT originator_id, originator_version FROM {}.niaga_events "
            "ORDER BY notification_id DESC LIMIT 1",
            target,
        )
    ).fetchone()
    if last is None:
        return 0
    found = src.execute(
        _sql(
            "SELECT notification_id FROM {}.niaga_events "
            "WHERE originator_id = %s AND originator_version = %s",
            source,
        ),
        (last[0], last[1]),
    ).fetchone()
    if found is None:
        raise MoveFailed("verification failed: the target holds an event the source does not")
    return int(found[0])


def _mark_arrival(conn: Connection[Any], schema: str, move: Move, *, arriving: bool) -> None:
    """Before the freeze the target's gate names this move (and refuses the tenant's events
    there); the final copy opens it."""
    if not arriving:
        conn.execute(
            _sql("DELETE FROM {}.tenant_gates WHERE tenant_id = %s", schema), (move.tenant_id,)
        )
        return
    conn.execute(
        _sql(
            "INSERT INTO {}.tenant_gates (tenant_id, state, move_id) VALUES (%s, %s, %s) "
            "ON CONFLICT (tenant_id) DO UPDATE SET state = excluded.state, "
            "move_id = excluded.move_id",
            schema,
        ),
        (move.tenant_id, ARRIVING, str(move.move_id)),
    )


def _has_departures(conn: Connection[Any], schema: str) -> bool:
    row = conn.execute(_sql("SELECT 1 FROM {}.niaga_departures LIMIT 1", schema)).fetchone()
    return row is not None


def _stream_events(
    src: Connection[Any],
    dst: Connection[Any],
    source: str,
    target: str,
    aggregates: list[UUID],
    after: int,
    keep_ids: bool,
    progress: Progress | None,
) -> int:
    """COPY the aggregates' events after position `after` out of the source and into the
    target, in log order; how many."""
    total = _count_events(src, source, aggregates) if progress and not after else 0
    columns = "notification_id, originator_id, originator_version, topic, state"
    out_sql = sql.SQL(
        "COPY (SELECT {} FROM {} WHERE notification_id > {} AND originator_id = ANY({}) "
        "ORDER BY notification_id) TO STDOUT (FORMAT BINARY)"
    ).format(
        sql.SQL(columns),
        sql.Identifier(source, "niaga_events"),
        sql.Literal(after),
        _uuid_array(aggregates),
    )
    in_columns = columns if keep_ids else columns.removeprefix("notification_id, ")
    in_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(target, "niaga_events"), sql.SQL(in_columns)
    )
    count = 0
    with src.cursor().copy(out_sql) as out, dst.cursor().copy(in_sql) as into:
        out.set_types(list(_EVENT_TYPES))
        into.set_types(list(_EVENT_TYPES if keep_ids else _EVENT_TYPES[1:]))
        for row in out.rows():
            count += 1
            into.write_row(row if keep_ids else row[1:])
            if progress and count % 5000 == 0:
                progress("events", count, max(total, count))
    if progress:
        progress("events", count, max(total, count))
    return count


def _count_events(conn: Connection[Any], schema: str, aggregates: list[UUID]) -> int:
    """For the progress of a first copy (a later one, in the freeze, is small: not counted)."""
    row = conn.execute(
        _sql(
            "SELECT count(*) FROM {}.niaga_events "
            "WHERE originator_id IN (SELECT unnest(%s::uuid[]))",
            schema,
        ),
        (aggregates,),
    ).fetchone()
    return int(row[0]) if row else 0


def _uuid_array(ids: list[UUID]) -> sql.Composable:
    """A literal array (COPY takes no parameters)."""
    return sql.Literal("{" + ",".join(str(i) for i in ids) + "}") + sql.SQL("::uuid[]")


def _copy_keys(
    src: Connection[Any], dst: Connection[Any], source: str, target: str, aggregates: list[UUID]
) -> None:
    """The target's personal-data keys of these aggregates made the source's: new ones added,
    and one destroyed at the source since an earlier pass destroyed here too."""
    out_sql = sql.SQL(
        "COPY (SELECT subject_id, key, created_at, destroyed_at FROM {} "
        "WHERE subject_id = ANY({})) TO STDOUT (FORMAT BINARY)"
    ).format(sql.Identifier(source, "personal_data_keys"), _uuid_array(aggregates))
    dst.execute(
        _sql(
            "CREATE TEMP TABLE niaga_move_keys (LIKE {}.personal_data_keys) ON COMMIT DROP", target
        )
    )
    with (
        src.cursor().copy(out_sql) as out,
        dst.cursor().copy(
            "COPY niaga_move_keys (subject_id, key, created_at, destroyed_at) FROM STDIN "
            "(FORMAT BINARY)"
        ) as into,
    ):
        for block in out:
            into.write(block)
    dst.execute(
        _sql(
            "INSERT INTO {}.personal_data_keys AS k (subject_id, key, created_at, destroyed_at) "
            "SELECT subject_id, key, created_at, destroyed_at FROM niaga_move_keys "
            "ON CONFLICT (subject_id) DO UPDATE SET key = excluded.key, "
            "destroyed_at = excluded.destroyed_at "
            "WHERE (k.key, k.destroyed_at) IS DISTINCT FROM (excluded.key, excluded.destroyed_at)",
            target,
        )
    )


def _verify(
    src: Connection[Any], dst: Connection[Any], source: str, target: str, aggregates: list[UUID]
) -> int:
    """Every event of the tenant, compared on both sides at once by count and a digest of its
    aggregate, version, topic and bytes (a sum of hashes: the order of the log does not enter,
    the notification ids differ by store); the count."""
    with ThreadPoolExecutor(max_workers=2) as both:
        at_source = both.submit(_digest, src, source, aggregates)
        at_target = both.submit(_digest, dst, target, aggregates)
        (count, digest), (found, found_digest) = at_source.result(), at_target.result()
    if (found, found_digest) != (count, digest):
        raise MoveFailed(
            f"verification failed: {count} events at the source, {found} at the target, or "
            "their digests differ; nothing was kept at the target"
        )
    return count


def _digest(conn: Connection[Any], schema: str, aggregates: list[UUID]) -> tuple[int, int]:
    row = conn.execute(
        _sql(
            "SELECT count(*), coalesce(sum(('x' || left(encode(sha256(uuid_send(originator_id) "
            "|| int8send(originator_version) || int4send(octet_length(coalesce(topic, ''))) "
            "|| convert_to(coalesce(topic, ''), 'UTF8') || coalesce(state, '')), 'hex'), 16))"
            "::bit(64)::bigint), 0) FROM {}.niaga_events "
            "WHERE originator_id IN (SELECT unnest(%s::uuid[]))",
            schema,
        ),
        (aggregates,),
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def _tenant_filter(
    columns: Sequence[str], tenant: sql.Composable, aggregates: sql.Composable
) -> sql.Composable | None:
    """Which rows of a read-model table are the tenant's moving data (`aggregates`: a query
    of their ids)."""
    if "tenant_id" in columns and "aggregate_id" in columns:
        return sql.SQL("tenant_id = {} AND aggregate_id IN ({})").format(tenant, aggregates)
    if "tenant_id" in columns:
        return sql.SQL("tenant_id = {}").format(tenant)
    if "aggregate_id" in columns:
        return sql.SQL("aggregate_id IN ({})").format(aggregates)
    return None


def _fingerprint_of(
    schema: str, table: str, columns: Sequence[str], where: sql.Composable
) -> sql.Composed:
    """The table's name, count of rows and sum of their hashes (hashtextextended: stable
    across PostgreSQL versions, hash partitioning relies on it)."""
    kept = [c for c in columns if c not in _POSITION_COLUMNS]
    row = sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(c)) for c in kept)
    return sql.SQL(
        "SELECT {}::text, count(*), coalesce(sum(hashtextextended(ROW({})::text, 0)), 0) "
        "FROM {} t WHERE {}"
    ).format(sql.Literal(table), row, sql.Identifier(schema, table), where)


def _columns_of(conn: Connection[Any], schema: str) -> dict[str, list[str]]:
    """Every table's columns in the schema, in order."""
    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        (schema,),
    ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(str(table), []).append(str(column))
    return columns


def _read_models_progress(progress: Progress | None) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress("read models", done, total)


def _clear_leftovers(
    conn: Connection[Any], schema: str, move: Move, aggregates: list[UUID]
) -> None:
    """What an earlier stay of the tenant left in the target (it moved out and now back within
    the grace period, or a move there was rolled back): those events depart, so that the copy
    brings every event anew, and the gate they were kept behind opens."""
    _depart_on(conn, schema, move.move_id, move.tenant_id, aggregates)
    _mark_arrival(conn, schema, move, arriving=False)


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


def _advance_sequence(conn: Connection[Any], schema: str) -> None:
    conn.execute(
        sql.SQL(
            "SELECT setval(pg_get_serial_sequence({}, 'notification_id'), "
            "greatest((SELECT max(notification_id) FROM {}), 1))"
        ).format(sql.Literal(f'"{schema}".niaga_events'), sql.Identifier(schema, "niaga_events"))
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

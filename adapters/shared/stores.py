"""The tenant directory and the event stores it points to, all on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import (
    InfrastructureFactory,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    Recording,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, retry
from psycopg import Cursor, sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Identifier

from adapters.shared import event_chain
from adapters.shared.database import Database
from adapters.shared.personal_keys import PostgresPersonalDataKeys
from application.shared.context import current_meta
from application.shared.errors import TenantMoving, UnknownTenant
from application.shared.event_store import EventStore
from application.shared.ports import Placed, Placement
from domain.shared.errors import InvalidValue
from domain.shared.recorded import RecordedEvent
from migrations import runner as migrations

STORE_SETS = ("store", "read_models")
# Aggregates that stay in the platform store whatever tier their tenant is on: the tenant itself,
# its AI budget, the shop codes claimed across all tenants, its subscription to the platform.
PLATFORM_RESIDENT_TOPICS = (
    "domain.platform.",
    "domain.ai.budget:",
    "domain.vouchers.voucher_order:ShopCode",
)
TENANT_MOVING_SQLSTATE = "NT001"
PLATFORM_SETS = (*STORE_SETS, "platform")
_ONE_STATEMENT_UP_TO = 8  # events per save recorded by one call of niaga_record
_PIPELINED_UP_TO = 500  # events per save up to which the library's pipelined insert is safe


MAIN_SERVER = "main"  # the server of the platform database


@dataclass(frozen=True)
class StoreRef:
    """Where a store lives: a schema in a database on a server (None: the platform database)."""

    schema: str
    server: str | None = None
    database: str | None = None  # None: the server's own database (named by its DSN)

    @property
    def name(self) -> str:
        if self.server is None:
            return self.schema
        return f"{self.server}/{self.database or ''}#{self.schema}"

    @property
    def server_name(self) -> str:
        return self.server or MAIN_SERVER


@dataclass(frozen=True)
class Topology:
    """The PostgreSQL servers tenants may be placed on, and which of them each region allows.

    `servers` maps a name to a DSN; `main` is always the platform database's server."""

    servers: dict[str, str]
    regions: dict[str, tuple[str, ...]]
    default_region: str

    def region(self, region: str | None) -> str:
        chosen = self.default_region if region is None else region
        if chosen not in self.regions:
            known = ", ".join(sorted(self.regions))
            raise InvalidValue(f"unknown region {chosen!r}; regions: {known}", field="region")
        return chosen

    def server_for(self, region: str, server: str | None) -> str:
        allowed = self.regions[region]
        chosen = allowed[0] if server is None else server
        if chosen not in self.servers and chosen != MAIN_SERVER:
            raise InvalidValue(f"unknown server {chosen!r}", field="server")
        if chosen not in allowed:
            raise InvalidValue(
                f"server {chosen!r} is not allowed for region {region!r} "
                f"(allowed: {', '.join(allowed)})",
                field="server",
            )
        return chosen


def single_server() -> Topology:
    """One server for every region: the platform database's."""
    return Topology({}, {"id": (MAIN_SERVER,), "global": (MAIN_SERVER,)}, "id")


class PostgresEventStore(EventStore):
    """An EventStore whose recorder uses a datastore handed to it (and so a shared pool)."""

    name = EventStore.name  # the table is `niaga_events` whatever the subclass

    def __init__(
        self,
        datastore: PostgresDatastore,
        ref: StoreRef,
        departed: Callable[[UUID], None] = lambda _tenant_id: None,
    ) -> None:
        self._datastore = datastore
        self.ref = ref
        self._departed = departed
        super().__init__(
            {"CREATE_TABLE": "n"},
            personal_data_keys=lambda _store: PostgresPersonalDataKeys(datastore, ref.schema),
        )

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """As `Application.save`, but collects the events of aggregates without the library's
        two runtime `Protocol` checks per object (about 27 us each time on Python 3.11: half a
        second over a billing run's 20,000 aggregates). Anything else goes the library's way."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, BaseAggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated, but Application.save still calls it
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        try:
            return super()._record(processing_event)
        except Exception as error:
            if not departing_tenant(error):
                raise
            tenant_id = current_meta().tenant_id
            if tenant_id is not None:
                self._departed(UUID(tenant_id))  # the next attempt looks the tenant up anew
            raise TenantMoving(
                "this business's data is moving to another store; try again in "
                f"{TenantMoving.retry_after} seconds"
            ) from error

    def get_many(self, ids: list[UUID]) -> dict[UUID, Any]:
        """Load many aggregates with one query instead of one per aggregate."""
        query = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.niaga_events "
            "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version"
        ).format(Identifier(self.ref.schema))
        with self._datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute(query, (ids,)).fetchall()
        stored = [StoredEvent(r[0], r[1], r[2], bytes(r[3])) for r in rows]
        self.niaga_mapper.prefetch_keys(stored)
        aggregates: dict[UUID, Any] = {}
        for event in map(self.mapper.to_domain_event, stored):
            aggregate_id = event.originator_id
            aggregates[aggregate_id] = event.mutate(aggregates.get(aggregate_id))  # type: ignore[attr-defined]
        return aggregates

    def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        """Every event of one aggregate with its position in the log."""
        query = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {}.niaga_events WHERE originator_id = %s ORDER BY originator_version"
        ).format(Identifier(self.ref.schema))
        with self._datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
            rows = cur.execute(query, (aggregate_id,)).fetchall()
        stored = [(r[0], StoredEvent(r[1], r[2], r[3], bytes(r[4]))) for r in rows]
        self.niaga_mapper.refresh_keys(s for _, s in stored)
        return [self.niaga_mapper.decode(position, s) for position, s in stored]

    def construct_factory(self, env: Environment) -> InfrastructureFactory:
        return _DatastoreFactory(env, self._datastore)  # type: ignore[return-value]


class _ArrayInsertRecorder(PostgresApplicationRecorder):
    """Inserts events from four plain arrays instead of an array of a composite type, and extends
    the store's hash chain (adapters/shared/event_chain.py) in the same transaction, under the
    same table lock.

    Stores share one connection pool, and a composite type per schema would need a type adapter
    per schema on every connection; plain arrays need none. The arrays go in binary format (%b):
    psycopg builds a text-format array in Python, escaping each element with regular expressions,
    which made a billing run's 1,500-event insert take 68 ms instead of 15 ms.

    The chain costs no extra round trip. A command's few events and their links go in one call
    of the store's `niaga_record` function, which hashes in SQL. Many events (a billing run) are
    inserted from arrays; the head
    link is read in the same pipeline, the links are computed in Python once the insert returns
    the notification ids, and their INSERT goes out in the pipeline with the COMMIT.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.insert_events_statement = SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(%b::uuid[], %b::bigint[], %b::text[], %b::bytea[]) "
            "RETURNING notification_id, originator_version"
        ).format(Identifier(datastore.schema), Identifier(events_table_name))
        self._record = SQL(
            "SELECT {}.niaga_record(%s, %s, %b::uuid[], %b::bigint[], %b::text[], %b::bytea[])"
        ).format(Identifier(datastore.schema))
        self._chain_head = event_chain.head_statement(datastore.schema)
        self._chain_insert = event_chain.insert_statement(datastore.schema)
        self._writable = SQL("SELECT {}.niaga_writable(%s)").format(Identifier(datastore.schema))
        # The head cursor of a many-event insert in flight on this thread, read after the sync.
        self._in_flight = threading.local()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """A command's few events go in one statement; a batch of up to a few hundred through the
        library's pipelined insert. Many go without pipeline mode:
        with a large insert in flight, psycopg's pipeline can wait on the server while the server
        waits on it (seen over Unix sockets, whose buffers are small: the embedded default), and
        the store's table lock would be held the whole time."""
        if len(stored_events) <= _ONE_STATEMENT_UP_TO:
            recorded: Sequence[int] = self._record_in_one_statement(stored_events)
            return recorded
        if len(stored_events) <= _PIPELINED_UP_TO:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        with self.datastore.get_connection() as conn, conn.transaction():
            with conn.cursor() as curs:
                self._insert_events(curs, stored_events, **kwargs)
            with conn.cursor() as curs:
                self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _record_in_one_statement(self, stored_events: Sequence[StoredEvent]) -> Sequence[int]:
        """A command's few events in one prepared call of `niaga_record`
        (migrations/sql/store/0006_record_function.sql): lock, gate, NOTIFY, rows and chain links
        in the statement's own transaction, one round trip.

        The library's insert nests psycopg's `transaction()` in a pipeline, and every nested
        pipeline ends in a sync of its own: several round trips per save, most of a command's
        time, and the table lock held across them."""
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            rows = curs.execute(
                self._record,
                (
                    self._gated_tenant(stored_events),
                    self.datastore.lock_timeout,
                    [e.originator_id for e in stored_events],
                    [e.originator_version for e in stored_events],
                    [e.topic for e in stored_events],
                    [e.state for e in stored_events],
                ),
                prepare=True,
            ).fetchall()
        if len(rows) != len(stored_events):
            raise ProgrammingError("the store recorded a different number of events than given")
        return [int(r[0]) for r in rows]

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> None:
        self._lock_table(curs)
        self._refuse_a_departing_tenant(curs, stored_events)
        self._notify_channel(curs)
        self._in_flight.head = None
        head = curs.connection.cursor(row_factory=tuple_row)
        head.execute(self._chain_head)  # after the lock: no other writer can move the head
        self._in_flight.head = head
        curs.execute(
            self.insert_events_statement,
            (
                [e.originator_id for e in stored_events],
                [e.originator_version for e in stored_events],
                [e.topic for e in stored_events],
                [e.state for e in stored_events],
            ),
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        # Notification ids are drawn as rows are inserted, so in id order the rows pair with the
        # events as given; each one's version confirms it. (Were they ever paired wrongly, the
        # chain would not verify: a false alarm, never a silent gap.)
        rows = sorted(curs.fetchall(), key=lambda r: int(r["notification_id"]))
        if [r["originator_version"] for r in rows] != [e.originator_version for e in stored_events]:
            raise ProgrammingError("the insert did not return its events in order; not linking")
        notification_ids = [r["notification_id"] for r in rows]
        head_cursor: Cursor[Any] | None = self._in_flight.head
        if head_cursor is not None:  # many events: link them here
            self._in_flight.head = None
            head = head_cursor.fetchone()
            head_cursor.close()
            links = event_chain.extend(
                (int(head[0]), bytes(head[1])) if head else None, notification_ids, stored_events
            )
            curs.execute(self._chain_insert, links)
        return notification_ids

    def _refuse_a_departing_tenant(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent]
    ) -> None:
        """Under the table lock: no event of a tenant whose data is moving out of this store (or
        has moved) is recorded here (migrations/sql/store/0005_tenant_gates.sql). Pipelined with
        the insert, so it costs no round trip of its own."""
        tenant_id = self._gated_tenant(stored_events)
        if tenant_id is not None:
            curs.execute(self._writable, (tenant_id,), prepare=True)

    @staticmethod
    def _gated_tenant(stored_events: Sequence[StoredEvent]) -> str | None:
        """The tenant whose gate a save must pass, if any. The platform's own records of a
        tenant stay in the platform store and are never refused."""
        tenant_id = current_meta().tenant_id
        if tenant_id is None or all(resides_on_platform(e.topic) for e in stored_events):
            return None
        return tenant_id


def resides_on_platform(topic: str | None) -> bool:
    return topic is not None and topic.startswith(PLATFORM_RESIDENT_TOPICS)


def departing_tenant(error: BaseException) -> bool:
    """Whether a save failed because its tenant is moving out of the store."""
    cause: BaseException | None = error
    while cause is not None:
        if getattr(cause, "sqlstate", None) == TENANT_MOVING_SQLSTATE:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class _DatastoreFactory(PostgresFactory):
    application_recorder_class = _ArrayInsertRecorder  # type: ignore[assignment]

    def __init__(self, env: Environment, datastore: PostgresDatastore) -> None:
        InfrastructureFactory.__init__(self, env)
        self.datastore = datastore

    def close(self) -> None:
        """The datastore's pool is owned by its Database."""


class PostgresStores:
    """Implements the Stores port: resolves tenants to stores, opening each store once."""

    def __init__(
        self,
        database: Database,
        platform_schema: str,
        other_pool_max: int = 3,
        topology: Topology | None = None,
    ) -> None:
        self.database = database
        self.platform_ref = StoreRef(platform_schema)
        self.topology = topology or single_server()
        self._other_pool_max = other_pool_max
        self._databases: dict[str, Database] = {}
        self._stores: dict[StoreRef, PostgresEventStore] = {}
        self._directory: dict[UUID, StoreRef] = {}
        self._lock = threading.RLock()

    def migrate_platform(self) -> list[str]:
        with self.database.connection() as conn:
            return migrations.apply(conn, self.platform_ref.schema, PLATFORM_SETS)

    def migrate_all(self) -> dict[str, list[str]]:
        """Apply pending migrations to the platform store and every store in the directory."""
        report = {self.platform_ref.name: self.migrate_platform()}
        for ref in self.refs():
            if ref != self.platform_ref:
                with self._database(ref).connection() as conn:
                    report[ref.name] = migrations.apply(conn, ref.schema, STORE_SETS)
        return report

    def platform(self) -> EventStore:
        return self.open(self.platform_ref)

    def for_tenant(self, tenant_id: UUID) -> EventStore:
        return self.open(self.ref_for(tenant_id))

    def ref_for(self, tenant_id: UUID) -> StoreRef:
        ref = self._directory.get(tenant_id)
        if ref is None:
            ref = self._lookup(tenant_id)
            self._directory[tenant_id] = ref
        return ref

    def place(
        self,
        tenant_id: UUID,
        placement: Placement,
        *,
        region: str | None = None,
        server: str | None = None,
    ) -> Placed:
        """Choose a store in the tenant's region, create and migrate it, and record it."""
        chosen_region = self.topology.region(region)
        chosen_server = self.topology.server_for(chosen_region, server)
        ref = self.ref_of(tenant_id, placement, chosen_server)
        self.prepare(ref)
        with self.database.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {}.tenant_directory (tenant_id, store, schema_name, server, "
                    "database_name, tier, region) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                ).format(sql.Identifier(self.platform_ref.schema)),
                (
                    tenant_id,
                    ref.name,
                    ref.schema,
                    ref.server,
                    ref.database,
                    placement.value,
                    chosen_region,
                ),
            )
        self._directory[tenant_id] = ref
        return Placed(chosen_region, chosen_server, ref.name)

    def ref_of(self, tenant_id: UUID, placement: Placement, server: str) -> StoreRef:
        """The store a tenant in this tier on this server gets."""
        own = f"t_{tenant_id.hex[:16]}"
        if placement is Placement.OWN_DATABASE:
            return StoreRef(own, server, f"niaga_{own}")
        if placement is Placement.OWN_SCHEMA:
            return StoreRef(own, None if server == MAIN_SERVER else server)
        if server != MAIN_SERVER:
            raise InvalidValue("the shared store is on the main server", field="server")
        return self.platform_ref

    def prepare(self, ref: StoreRef) -> None:
        """Create the store's database (if it has its own) and apply its migrations."""
        if ref == self.platform_ref:
            return
        if ref.database is not None:
            self._create_database(ref)
        with self._database(ref).connection() as conn:
            migrations.apply(conn, ref.schema, STORE_SETS)

    def _create_database(self, ref: StoreRef) -> None:
        if ref.database is None:
            return
        server_url = self.server_url(ref.server_name)
        with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (ref.database,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(ref.database)))

    def server_url(self, server: str) -> str:
        """The DSN of a server by name (`main`: the platform database's)."""
        if server == MAIN_SERVER:
            return self.database.url
        url = self.topology.servers.get(server)
        if url is None:
            raise InvalidValue(f"unknown server {server!r}", field="server")
        return url

    def url_of(self, ref: StoreRef) -> str:
        """The DSN of the database a store is in."""
        url = self.server_url(ref.server_name)
        if ref.database is None:
            return url
        return make_conninfo(url, dbname=ref.database)

    def forget_placement(self, tenant_id: UUID) -> None:
        """Look the tenant up in the directory again next time (it moved, or is moving)."""
        self._directory.pop(tenant_id, None)

    def refs(self) -> list[StoreRef]:
        """The platform store and every store a tenant is placed in."""
        with self.database.connection() as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT DISTINCT schema_name, server, database_name FROM {}.tenant_directory"
                ).format(sql.Identifier(self.platform_ref.schema))
            ).fetchall()
        refs = {StoreRef(r[0], r[1], r[2]) for r in rows} - {self.platform_ref}
        return [self.platform_ref, *sorted(refs, key=lambda r: r.name)]

    def open(self, ref: StoreRef) -> PostgresEventStore:
        with self._lock:
            store = self._stores.get(ref)
            if store is None:
                datastore = self._database(ref).schema_datastore(ref.schema)
                store = PostgresEventStore(datastore, ref, self.forget_placement)
                self._stores[ref] = store
            return store

    def open_stores(self) -> Iterator[PostgresEventStore]:
        for ref in self.refs():
            yield self.open(ref)

    def database_for(self, store: EventStore) -> Database:
        return self._database(_ref(store))

    def database_of(self, ref: StoreRef) -> Database:
        """The database a store lives in (its pool opened on first use), without opening the
        store: schema sync migrates stores whose tables may not exist yet."""
        return self._database(ref)

    def close_database(self, ref: StoreRef) -> None:
        """Close the pool of a store's own database (before it is dropped), and forget the store."""
        with self._lock:
            self._stores.pop(ref, None)
            database = self._databases.pop(self.url_of(ref), None) if ref.server else None
        if database is not None:
            database.close()

    def close(self) -> None:
        for database in self._databases.values():
            database.close()

    def _lookup(self, tenant_id: UUID) -> StoreRef:
        with self.database.connection() as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT schema_name, server, database_name FROM {}.tenant_directory "
                    "WHERE tenant_id = %s"
                ).format(sql.Identifier(self.platform_ref.schema)),
                (tenant_id,),
            ).fetchone()
        if row is None:
            raise UnknownTenant(f"no tenant {tenant_id}")
        return StoreRef(row[0], row[1], row[2])

    def _database(self, ref: StoreRef) -> Database:
        if ref.server is None:
            return self.database
        url = self.url_of(ref)
        with self._lock:
            database = self._databases.get(url)
            if database is None:  # each other database has a pool of its own, bounded
                database = Database(url, 0, self._other_pool_max)
                self._databases[url] = database
            return database


def _ref(store: Any) -> StoreRef:
    ref: StoreRef = store.ref
    return ref

"""The baseline Niaga must beat by far: eventsourcing's own ProjectionRunner, one commit per event.

A `Projection` writes one row per event into a PostgreSQL table with its `PostgresTrackingRecorder`,
as the library's documentation shows, reading the same Niaga store (same mapper, same keys).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from adapters.shared.personal_keys import PostgresPersonalDataKeys
from application.shared.event_store import EventStore


class BenchRowsView(PostgresTrackingRecorder):
    """A materialised view with one row per event, tracked in the same transaction."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = sql.SQL("{}.bench_rows").format(sql.Identifier(datastore.schema))
        self.sql_create_statements.append(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, "
                "aggregate_id uuid NOT NULL, version bigint NOT NULL, action text NOT NULL)"
            ).format(table)
        )
        self.insert_row_statement = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(table)

    def insert_row(self, event: Any, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                self.insert_row_statement,
                (
                    tracking.notification_id,
                    event.originator_id,
                    event.originator_version,
                    type(event).__qualname__,
                ),
                prepare=True,
            )
            self._insert_tracking(curs, tracking)


class BenchRowsProjection(Projection[BenchRowsView]):
    name = "bench_rows"

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_row(domain_event, tracking)


def _store_class(schema: str) -> type[EventStore]:
    """An EventStore the library can construct from an env alone, decoding like Niaga does."""

    class LibraryNiagaStore(EventStore):
        name = EventStore.name  # the library names tables and tracking after it

        def __init__(self, env: Any = None) -> None:
            super().__init__(
                env,
                personal_data_keys=lambda app: PostgresPersonalDataKeys(
                    app.factory.datastore, schema
                ),
            )

    return LibraryNiagaStore


def run_library_projection(url: str, store_schema: str, upto: int, timeout: float = 600.0) -> float:
    """Seconds the library's runner takes to project the log up to position `upto`, from zero,
    into a fresh schema (dropped afterwards)."""
    import psycopg

    view_schema = f"lib_{uuid.uuid4().hex[:10]}"
    params = conninfo_to_dict(url)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname")),
        "POSTGRES_HOST": str(params.get("host") or "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "NIAGA_POSTGRES_SCHEMA": store_schema,
        "NIAGA_CREATE_TABLE": "n",  # Niaga's migrations own the events table
        "BENCH_ROWS_POSTGRES_SCHEMA": view_schema,
        "BENCH_ROWS_CREATE_TABLE": "y",
    }
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(view_schema)))
    try:
        started = time.perf_counter()
        with ProjectionRunner(
            application_class=_store_class(store_schema),
            projection_class=BenchRowsProjection,
            view_class=BenchRowsView,
            env=env,
        ) as runner:
            while (runner.view.max_tracking_id(EventStore.name) or 0) < upto:
                runner.run_forever(timeout=0.005)  # re-raises an error of the runner's thread
                if time.perf_counter() - started > timeout:
                    raise TimeoutError(f"the library runner did not reach {upto} in {timeout}s")
            elapsed = time.perf_counter() - started
        runner.view.datastore.close()
        return elapsed
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(view_schema))
            )

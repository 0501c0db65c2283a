"""Niaga's catch-up from zero, measured in a process of its own, as `niaga projections rebuild`
would run: cold key cache, and memory growth that the seeding process cannot hide."""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from psycopg import sql

from adapters.shared.database import Database
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresStores, StoreRef
from bench.common import PeakRss
from migrations import runner as migrations
from projections.catalog import by_name


@dataclass(frozen=True)
class CatchUp:
    seconds: float
    applied: int
    rss_start: int
    rss_growth: int


def catch_up_in_new_process(
    url: str, platform_schema: str, store_schema: str, projection: str, page_size: int
) -> CatchUp:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(
            catch_up, url, platform_schema, store_schema, projection, page_size
        ).result()


def catch_up(
    url: str, platform_schema: str, store_schema: str, projection: str, page_size: int
) -> CatchUp:
    """Build one projection from zero into a scratch schema (dropped afterwards)."""
    database = Database(url, 1, 4)
    stores = PostgresStores(database, platform_schema)
    service = ProjectionService(stores, page_size, inline=False)
    store = stores.open(StoreRef(store_schema))
    scratch = f"bench_{uuid.uuid4().hex[:10]}"
    with database.connection() as conn:
        migrations.apply(conn, scratch, ("read_models",))
    try:
        runner = service.runner(store, scratch)
        target = by_name(projection)
        with PeakRss() as rss:
            started = time.perf_counter()
            applied = runner.catch_up(target)
            elapsed = time.perf_counter() - started
        status = runner.status(target)
        if status.lag:
            raise RuntimeError(f"{projection} stopped at {status.position} of {status.head}")
        return CatchUp(elapsed, applied, rss.start, rss.growth)
    finally:
        with database.connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(scratch)))
        stores.close()
        database.close()

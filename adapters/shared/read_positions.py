"""Where a tenant's read models stand, in one SELECT per database (usually one in all)."""

from __future__ import annotations

from functools import cache
from itertools import groupby
from uuid import UUID

from psycopg import sql

from adapters.shared.stores import PostgresStores, StoreRef
from projections.shared.runner import PARKED_TABLE, TRACKING_TABLE

# Of one store: its log's head (an index-only look at the highest notification id), each read
# model's tracking position, and how many events are parked (retrying one changes a read model
# without moving a position).
_ONE_STORE = (
    "concat_ws('/', "
    "(SELECT coalesce(max(notification_id), 0) FROM {schema}.niaga_events), "
    "(SELECT string_agg(projection || '=' || position, ',' ORDER BY projection) "
    "FROM {schema}.{tracking}), "
    "(SELECT count(*) FROM {schema}.{parked}))"
)


class PostgresReadPositions:
    """Implements ReadPositions: the tenant's store and the platform store, read together.

    The head is part of it because some reads come from the log itself (an aggregate's history,
    settings read from an aggregate) and a read model may one day be written with the events;
    the positions because the daemon moves read models after the events are recorded."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def of_tenant(self, tenant_id: UUID) -> str:
        refs = dict.fromkeys((self._stores.ref_for(tenant_id), self._stores.platform_ref))
        parts: list[str] = []
        for _, same_database in groupby(
            refs, key=lambda ref: (ref.server or "", ref.database or "")
        ):
            parts.extend(self._read(tuple(same_database)))
        return ";".join(parts)

    def _read(self, refs: tuple[StoreRef, ...]) -> list[str]:
        database = self._stores.database_for(self._stores.open(refs[0]))
        with database.connection() as conn:
            row = conn.execute(_statement(tuple(ref.schema for ref in refs))).fetchone()
        return [str(value) for value in row or ()]


@cache
def _statement(schemas: tuple[str, ...]) -> bytes:
    """Composed once per set of schemas: composing costs more than the query itself."""
    columns = [
        sql.SQL(_ONE_STORE).format(
            schema=sql.Identifier(schema),
            tracking=sql.Identifier(TRACKING_TABLE),
            parked=sql.Identifier(PARKED_TABLE),
        )
        for schema in schemas
    ]
    return sql.SQL("SELECT {}").format(sql.SQL(", ").join(columns)).as_bytes()


def _database_of(ref: StoreRef) -> tuple[str, str]:
    return ref.server or "", ref.database or ""

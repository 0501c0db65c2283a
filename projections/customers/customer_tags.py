"""`customer_tags`: which tags each customer carries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor, sql

from domain.customers.customer_tags import CustomerTags
from domain.shared.recorded import RecordedEvent
from projections.shared.base import table


class CustomerTagsProjection:
    name: str = "customer_tags"
    event_types: tuple[type, ...] = (CustomerTags.Tagged, CustomerTags.Untagged)
    tables: tuple[str, ...] = ("customer_tags",)

    def apply(self, cur: Cursor[Any], schema: str, events: Sequence[RecordedEvent]) -> None:
        tags = table(schema, "customer_tags")
        for r in events:
            e = r.event
            if isinstance(e, CustomerTags.Tagged):
                cur.execute(
                    sql.SQL(
                        "INSERT INTO {} (customer_id, tag, tenant_id) VALUES (%s, %s, %s) "
                        "ON CONFLICT DO NOTHING"
                    ).format(tags),
                    (e.customer_id, e.tag, e.tenant_id),
                )
            else:
                cur.execute(
                    sql.SQL("DELETE FROM {} WHERE customer_id = %s AND tag = %s").format(tags),
                    (e.customer_id, e.tag),
                )

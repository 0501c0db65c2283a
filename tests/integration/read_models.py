"""Helpers for integration tests: raw rows, rebuilds into scratch schemas, comparisons."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresEventStore
from projections.catalog import by_name
from projections.shared.base import Projection
from projections.shared.runner import TRACKING_TABLE

PRIMARY_KEYS: dict[str, str | tuple[str, ...]] = {
    "customer_list": "id",
    "customer_counts": "tenant_id",
    "audit_log": "position",
    "audit_state": "aggregate_id",
    "tenant_list": "id",
    "api_keys": "key_id",
    "plan_list": "id",
    "subscription_list": "id",
    "invoice_list": "id",
    "invoice_counts": ("tenant_id", "status"),
    "customer_ledger": "position",
    "payment_list": "id",
    "transfer_list": "id",
    "customer_credit": "customer_id",
    "repair_jobs": "id",
    "repair_job_history": "position",
    "technicians": "id",
    "inventory_items": "id",
    "stock_movements": "position",
    "purchase_orders": "id",
    "promotions": "id",
    "daily_sales": ("tenant_id", "sold_on", "payment_method", "cashier"),
    "webhook_endpoints": "id",
    "webhook_deliveries": "id",
    "voucher_profiles": "id",
    "voucher_stock": "id",
    "agent_list": "id",
    "agent_ledger": ("agent_id", "version"),
    "provisioning_status": "subscription_id",
    "hotspot_users_wanted": "target_id",
    "payment_link_list": "id",
    "payment_callback_log": "id",
    "gateway_account_list": "id",
    "message_log": "id",
    "message_subjects": "id",
    "email_log": "id",
    "email_subjects": "id",
    "notification_outbox": "id",
    "whatsapp_channels": "tenant_id",
    "campaign_list": "id",
    "customer_tags": ("customer_id", "tag"),
    "ai_key_list": "id",
    "ceo_digests": "id",
    "ai_costs": "id",
    "ai_budgets": "id",
    "concierge_conversations": "id",
    "concierge_turns": ("conversation_id", "number"),
    "kb_documents": "id",
    "media_folders": "id",
    "media_files": "id",
    "support_tickets": "id",
    "support_ticket_timeline": ("ticket_id", "number"),
    "quotations": "id",
    "projects": "id",
    "project_invoices": "invoice_id",
    "kb_chunks": ("document_id", "seq"),
    "kb_terms": ("tenant_id", "lexeme"),
    "platform_meter_reports": "id",
    "platform_subscriptions": "id",
    "people": "id",
    "person_memberships": ("person_id", "tenant_id"),
    "person_sessions": "id",
    "team_invitations": "id",
    "custom_roles": "id",
    TRACKING_TABLE: "projection",
}


def rows(niaga: Niaga, schema: str, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, ordered by its primary key."""
    key = PRIMARY_KEYS[table]
    columns = (key,) if isinstance(key, str) else key
    with niaga.database.connection() as conn:
        return conn.execute(
            sql.SQL("SELECT * FROM {}.{} ORDER BY {}").format(
                sql.Identifier(schema),
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
            )
        ).fetchall()


def snapshot(niaga: Niaga, schema: str, projection: Projection) -> dict[str, list[tuple[Any, ...]]]:
    """The projection's tables and its tracking position, as plain rows."""
    tables = {name: rows(niaga, schema, name) for name in projection.tables}
    tables[TRACKING_TABLE] = [  # without updated_at: when it got there is not part of the model
        r[:2] for r in rows(niaga, schema, TRACKING_TABLE) if r[0] == projection.name
    ]
    return tables


def tracking_position(niaga: Niaga, schema: str, projection: Projection) -> int:
    [row] = snapshot(niaga, schema, projection)[TRACKING_TABLE] or [("", 0)]
    return int(row[1])


def event_count(niaga: Niaga, schema: str) -> int:
    with niaga.database.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {}.niaga_events").format(sql.Identifier(schema))
        ).fetchone()
    assert row is not None
    return int(row[0])


def store_of(niaga: Niaga, tenant_id: uuid.UUID) -> PostgresEventStore:
    store = niaga.stores.for_tenant(tenant_id)
    assert isinstance(store, PostgresEventStore)
    return store


@contextmanager
def scratch_schema(niaga: Niaga) -> Iterator[str]:
    schema = f"scratch_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        with niaga.database.connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def rebuilt(
    niaga: Niaga,
    store: PostgresEventStore,
    projection_name: str,
    service: ProjectionService | None = None,
) -> dict[str, list[tuple[Any, ...]]]:
    """The projection rebuilt from zero into a scratch schema (dropped afterwards)."""
    projection = by_name(projection_name)
    with scratch_schema(niaga) as schema:
        (service or niaga.projections).rebuild_into(store, schema, projection)
        return snapshot(niaga, schema, projection)


def assert_live_equals_rebuild(
    niaga: Niaga, store: PostgresEventStore, names: tuple[str, ...] = ("customer_list", "audit_log")
) -> None:
    """Each named read model, as maintained live, equals a rebuild from zero, row for row, at
    the same log position. Background work (a dispatcher recording a send) may add an event
    between the two snapshots; then both are taken again, at most a few times."""
    for name in names:
        for _ in range(5):
            niaga.projections.catch_up(store)
            live = snapshot(niaga, store.ref.schema, by_name(name))
            again = rebuilt(niaga, store, name)
            if live[TRACKING_TABLE] == again[TRACKING_TABLE]:
                break
        assert live == again, f"{name}: live differs from a rebuild"

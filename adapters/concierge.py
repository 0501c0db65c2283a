"""The WhatsApp concierge wired: the shop's records it answers from (the repair board and the
inventory read models), its queue's read models, and the sweep that escalates chats left
waiting. It composes the repairs and AI areas, so it sits beside the wiring.

The shop's knowledge is a narrow port (`ShopKnowledge`); until it is connected to the knowledge
base, `NoShopKnowledge` answers with no passages. Connect it by handing `concierge_services`
a `knowledge` that implements it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from psycopg import sql

from adapters.ai.concierge_read_models import PostgresConciergeReadModels
from adapters.shared.paging import like_pattern, table
from adapters.shared.stores import PostgresStores
from application.ai.concierge.concierge import Concierge
from application.ai.concierge.desk import ConciergeDesk
from application.ai.concierge.escalation import ConciergeEscalations, HandOver
from application.ai.concierge.ports import CatalogueItem, NoShopKnowledge, ShopKnowledge
from application.ai.concierge.queries import ConciergeQueries
from application.ai.ports import Ai
from application.shared.clock import Clock
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync

log = logging.getLogger(__name__)
SWEEP_EVERY = 30.0  # seconds between looks for chats left waiting


class PostgresShopRecords:
    """Implements `ShopRecords` over repair_jobs, technicians and inventory_items."""

    def __init__(self, stores: PostgresStores) -> None:
        self._stores = stores

    def runs_repair_shop(self, store: EventStore, tenant_id: UUID) -> bool:
        query = sql.SQL(
            "SELECT EXISTS (SELECT 1 FROM {} WHERE tenant_id = %s) "
            "OR EXISTS (SELECT 1 FROM {} WHERE tenant_id = %s)"
        ).format(table(store, "technicians"), table(store, "repair_jobs"))
        with self._stores.database_for(store).connection() as conn:
            row = conn.execute(query, [tenant_id, tenant_id]).fetchone()
        return bool(row and row[0])

    def jobs_of(
        self, store: EventStore, tenant_id: UUID, customer_id: UUID, limit: int
    ) -> list[UUID]:
        query = sql.SQL(
            "SELECT id FROM {} WHERE tenant_id = %s AND customer_id = %s "
            "ORDER BY received_at DESC, id LIMIT %s"
        ).format(table(store, "repair_jobs"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, customer_id, limit]).fetchall()
        return [row[0] for row in rows]

    def catalogue(
        self, store: EventStore, tenant_id: UUID, words: Sequence[str], limit: int
    ) -> list[CatalogueItem]:
        if not words:
            return []
        patterns = [like_pattern(word) for word in words]
        query = sql.SQL(
            "SELECT sku, name, price, on_hand - reserved FROM {} WHERE tenant_id = %s "
            "AND (lower(sku) LIKE ANY(%s) OR lower(name) LIKE ANY(%s)) ORDER BY name, sku "
            "LIMIT %s"
        ).format(table(store, "inventory_items"))
        with self._stores.database_for(store).connection() as conn:
            rows = conn.execute(query, [tenant_id, patterns, patterns, limit]).fetchall()
        return [CatalogueItem(*row) for row in rows]


class EscalationSweep:
    """Runs the escalation over every store, at most every `SWEEP_EVERY` seconds: a step of
    the process managers' tick (bootstrap's `SideEffects`)."""

    def __init__(self, stores: PostgresStores, escalations: ConciergeEscalations) -> None:
        self._stores = stores
        self._escalations = escalations
        self._last = float("-inf")

    def sweep_when_due(self) -> int:
        if time.monotonic() - self._last < SWEEP_EVERY:
            return 0
        self._last = time.monotonic()
        return self.sweep()

    def sweep(self) -> int:
        escalated = 0
        for store in self._stores.open_stores():
            escalated += len(self._escalations.escalate_due(store))
        if escalated:
            log.info("%d concierge chats escalated", escalated)
        return escalated


@dataclass(frozen=True)
class ConciergeWiring:
    inbound: Concierge  # registered with the WhatsApp inbound dispatcher
    desk: ConciergeDesk
    queries: ConciergeQueries
    escalations: ConciergeEscalations
    sweep: EscalationSweep


def concierge_services(
    stores: PostgresStores,
    sync: ReadModelSync,
    clock: Clock,
    ai: Ai,
    escalate_minutes: int,
    knowledge: ShopKnowledge | None = None,
    defer: Callable[[UUID, str], bool] | None = None,
    hand_over: HandOver | None = None,
) -> ConciergeWiring:
    """`knowledge`: the shop's documents (none until the knowledge base is connected);
    `defer`: messages another handler after the concierge should have (voucher commands);
    `hand_over`: what an escalation saves besides its own events (a support ticket)."""
    read_models = PostgresConciergeReadModels(stores)
    inbound = Concierge(
        stores,
        sync,
        clock,
        ai,
        PostgresShopRecords(stores),
        knowledge or NoShopKnowledge(),
        defer,
    )
    escalations = ConciergeEscalations(
        stores, sync, clock, read_models, escalate_minutes, hand_over
    )
    return ConciergeWiring(
        inbound,
        ConciergeDesk(stores, sync, clock),
        ConciergeQueries(stores, read_models),
        escalations,
        EscalationSweep(stores, escalations),
    )

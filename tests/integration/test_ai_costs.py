"""The AI cost read model on PostgreSQL: every metered event's usage lands in its tenant's row of
the day (WIB), feature and model, pages add up, failures are counted by outcome, the operator's
view lists every tenant top spender first, and live equals a rebuild in every store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from psycopg import sql

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from application.ai.precheck_documents import DraftLine, InvoiceDraft
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal
from application.shared.ports import Placement
from domain.ai.budget import parse_month
from domain.ai.precheck import Precheck, Subject
from domain.ai.usage import AiUsage
from domain.shared.recorded import EventMeta, RecordedEvent
from migrations import runner as migrations
from projections.ai.costs import AiCostsProjection
from projections.ai.metered import METERED_EVENTS
from tests.ai_support import (  # noqa: F401 - fixtures
    FLASH,
    OPERATOR,
    ai_settings,
    gemini_fixture,
    platform_key,
)
from tests.conftest import principal_for
from tests.integration.read_models import assert_live_equals_rebuild, scratch_schema, store_of

TENANT = UUID("0b7c4d1e-1f7a-4c8e-9a55-2d1e3c4b5a60")
META = EventMeta(str(TENANT), "user:test", "Precheck", "c", "c")


def _usage(model: str | None, tokens_in: int, tokens_out: int, cost: int, outcome: str) -> AiUsage:
    return AiUsage(TENANT, "precheck", model, None, tokens_in, tokens_out, cost, 40, outcome)


def _done(position: int, at: datetime, usage: AiUsage) -> RecordedEvent:
    """A pre-check's event as recorded at `at` (its own time is the clock's)."""
    check = Precheck.record(TENANT, Subject.INVOICE, uuid4(), [], usage.outcome, usage)
    [event] = check.collect_events()
    return RecordedEvent(position, replace(cast(Any, event), timestamp=at), META)


@pytest.fixture
def schema(niaga: Niaga) -> Iterator[str]:
    with scratch_schema(niaga) as name:
        with niaga.database.connection() as conn:
            migrations.apply(conn, name, ("read_models",))
        yield name


def _rows(niaga: Niaga, schema: str) -> list[tuple[Any, ...]]:
    with niaga.database.connection() as conn:
        return conn.execute(
            sql.SQL(
                "SELECT day, model, calls, input_tokens, output_tokens, cost_micro_idr, "
                "latency_ms, failures FROM {}.ai_costs ORDER BY day, model"
            ).format(sql.Identifier(schema))
        ).fetchall()


def _apply(niaga: Niaga, schema: str, events: list[RecordedEvent]) -> None:
    with niaga.database.connection() as conn, conn.cursor() as cur:
        AiCostsProjection().apply(cur, schema, events)


def test_the_read_model_reads_exactly_the_metered_events() -> None:
    assert AiCostsProjection().event_types == METERED_EVENTS
    assert Precheck.Done in METERED_EVENTS


def test_calls_add_up_per_wib_day_and_model_across_pages_with_failures_by_outcome(
    niaga: Niaga, schema: str
) -> None:
    evening_utc = datetime(2026, 3, 31, 16, 59, tzinfo=UTC)  # 23:59 WIB, 31 March
    late_utc = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 00:00 WIB, 1 April
    _apply(
        niaga,
        schema,
        [
            _done(1, evening_utc, _usage(FLASH, 100, 20, 1_280_000, "ok")),
            _done(2, evening_utc, _usage(FLASH, 50, 0, 240_000, "invalid_answer")),
            _done(3, late_utc, _usage(None, 0, 0, 0, "off")),
        ],
    )
    _apply(  # a later page adds to the rows the first one wrote
        niaga,
        schema,
        [
            _done(4, evening_utc, _usage(FLASH, 10, 2, 128_000, "ok")),
            _done(5, evening_utc, _usage(FLASH, 0, 0, 0, "quota")),
            _done(6, late_utc, _usage(None, 0, 0, 0, "off")),
        ],
    )
    assert _rows(niaga, schema) == [
        (date(2026, 3, 31), FLASH, 4, 160, 22, 1_648_000, 160,
         {"invalid_answer": 1, "quota": 1}),
        (date(2026, 4, 1), "", 2, 0, 0, 0, 80, {"off": 2}),
    ]  # fmt: skip


def test_the_operator_sees_every_tenant_top_spender_first_with_revenue_unknown(
    niaga: Niaga, gemini: FakeGemini, owner: Principal
) -> None:
    platform_key(niaga, "key-a")
    own = niaga.tenants.create("Servis HP Jaya", Placement.OWN_SCHEMA)
    idle = niaga.tenants.create("Voucher Murah", Placement.SHARED)
    for principal, checks in ((owner, 1), (principal_for(own), 2)):
        customer = niaga.services.customers.register(
            principal, RegisterCustomer("Siti Aminah", f"08123456780{checks}")
        )
        draft = InvoiceDraft(customer, [DraftLine("Paket Rumah 20 Mbps", 150_000)])
        for _ in range(checks):
            niaga.services.prechecks.draft(principal, draft)
    niaga.services.ai_budgets.set(own, 50_000, OPERATOR)

    lines = niaga.services.ai_costs.platform()

    assert [line.tenant_id for line in lines][:2] == [own, owner.tenant_id]
    assert {line.tenant_id for line in lines} == {own, owner.tenant_id, idle}
    by_tenant = {line.tenant_id: line for line in lines}
    assert [by_tenant[t].cost.calls for t in (own, owner.tenant_id, idle)] == [2, 1, 0]
    assert by_tenant[own].cost.budget_idr == 50_000
    assert all(line.revenue_idr is None and line.margin_micro_idr is None for line in lines)
    month = lines[0].cost.month
    assert niaga.services.ai_costs.platform(f"{month:%Y-%m}") == lines
    assert niaga.services.ai_costs.platform("2020-01")[0].cost.calls == 0
    assert parse_month(f"{month:%Y-%m}") == month
    for tenant in (own, owner.tenant_id):
        assert_live_equals_rebuild(niaga, store_of(niaga, tenant), ("ai_costs", "ai_budgets"))

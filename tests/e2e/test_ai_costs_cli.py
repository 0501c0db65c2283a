"""The operator's view of AI cost from the command line: `niaga ai budget` sets a tenant's monthly
limit, `niaga ai costs` lists every tenant's month with its budget, and revenue and margin stay
unknown while the platform does not record what tenants pay."""

from __future__ import annotations

from adapters.ai.fakes import FakeGemini
from adapters.bootstrap import Niaga
from adapters.shared.settings import Settings
from application.ai.precheck_documents import DraftLine, InvoiceDraft
from application.customers.customers import RegisterCustomer
from application.shared.context import Principal
from tests.ai_support import ai_settings, gemini_fixture, platform_key  # noqa: F401 - fixtures
from tests.e2e.cli import run_niaga


def test_the_operator_sets_a_budget_and_reads_every_tenants_ai_month(
    niaga: Niaga, settings: Settings, owner: Principal, gemini: FakeGemini
) -> None:
    platform_key(niaga, "key-a")
    customer = niaga.services.customers.register(owner, RegisterCustomer("Siti", "081234567801"))
    draft = InvoiceDraft(customer, [DraftLine("Paket Rumah 20 Mbps", 150_000)])
    niaga.services.prechecks.draft(owner, draft)
    tenant = str(owner.tenant_id)

    neither = run_niaga(settings, "ai", "budget", tenant)
    assert neither.returncode == 2
    unknown = run_niaga(settings, "ai", "budget", "00000000-0000-4000-8000-000000000000",
                        "--rupiah", "1")  # fmt: skip
    assert (unknown.returncode, "UNKNOWN_TENANT" in unknown.stderr) == (1, True)
    budget = run_niaga(settings, "ai", "budget", tenant, "--rupiah", "50000")
    assert budget.returncode == 0, budget.stderr
    assert "Rp50.000 a month" in budget.stdout

    listed = run_niaga(settings, "ai", "costs")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if tenant in line]
    assert "Warung Net Sejahtera" in row
    assert "50,000" in row
    assert row.count("unknown") == 2  # revenue and margin
    assert "margin unknown" in listed.stdout
    earlier = run_niaga(settings, "ai", "costs", "--month", "2020-01")
    [old] = [line for line in earlier.stdout.splitlines() if tenant in line]
    assert " 0 " in old
    bad = run_niaga(settings, "ai", "costs", "--month", "2026-13")
    assert (bad.returncode, "month" in bad.stderr) == (1, True)

    cleared = run_niaga(settings, "ai", "budget", tenant, "--unlimited")
    assert "no limit" in cleared.stdout
    [line] = [x for x in niaga.services.ai_costs.platform() if x.tenant_id == owner.tenant_id]
    assert line.cost.budget_idr is None

"""Days and times people read follow the tenant's calendar (Jakarta here), on real PostgreSQL:
an agent's WhatsApp report and history, and the repair shop's pick-up reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.bootstrap import Niaga
from application.customers.customers import RegisterCustomer
from application.repairs.repairs import QuoteLabour, ReceiveJob
from application.shared.clock import FixedClock
from application.shared.context import Principal
from domain.repairs.repair_job import RepairPolicy
from tests.integration.vouchers import Desk

AGENT = "081211110001"
WIB = timedelta(hours=7)
# 18:00 UTC on 31 January is 01:00 on 1 February in Jakarta.
FIRST_OF_FEBRUARY_WIB = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)


def test_an_agents_report_and_history_follow_the_jakarta_calendar(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    desk = Desk(niaga, owner)
    desk.profile("3JAM", selling_price=3000, agent_prices=(2000,))
    clock.set_now(FIRST_OF_FEBRUARY_WIB)
    agent = desk.agent("Budi", AGENT, balance=10_000)

    def say(text: str) -> str:
        return niaga.vouchers.commands.handle(owner.tenant_id, AGENT, text)

    assert say("gen 3jam 3").startswith("Berhasil membuat 3 voucher")
    report = say("laporan")
    assert report.startswith("Laporan 02/2026 Budi:")
    assert "3JAM: 3 voucher, Rp6.000" in report

    # The ledger records when each movement happened; the agent reads it on Jakarta's clock.
    entries = niaga.vouchers.queries.ledger(owner, agent, first=10).items
    bought = next(e for e in entries if e.kind == "purchase")
    assert f"{bought.occurred_at + WIB:%d/%m %H:%M} Beli voucher -Rp6.000" in say("transaksi")


def test_a_pickup_reminder_counts_days_on_the_shops_calendar(
    niaga: Niaga, owner: Principal, clock: FixedClock
) -> None:
    niaga.repairs.set_policy(owner, RepairPolicy(collection_reminder_days=(1, 20, 30)))
    customer = niaga.customers.register(owner, RegisterCustomer("Siti Rahma", "081298765432"))
    technician = niaga.repairs.add_technician(owner, "Andi")
    clock.set_now(datetime(2026, 1, 5, 15, 0, tzinfo=UTC))  # 22:00 WIB
    job = niaga.repairs.receive(
        owner,
        ReceiveJob(
            customer, "smartphone", "Samsung", "A50", "layar retak", technician_id=technician
        ),
    )
    niaga.repairs.diagnose(owner, job, "LCD pecah")
    niaga.repairs.quote(owner, job, [], [QuoteLabour("Ganti LCD", 100_000)])
    niaga.repairs.answer_quote(owner, job, approve=True)
    niaga.repairs.start(owner, job)
    niaga.repairs.complete(owner, job)

    clock.set_now(datetime(2026, 1, 5, 16, 59, tzinfo=UTC))  # 23:59 WIB, still the same day
    assert niaga.repairs.run_timers(owner).pickup_reminders == 0
    clock.set_now(datetime(2026, 1, 5, 17, 30, tzinfo=UTC))  # 00:30 WIB: the next day
    assert niaga.repairs.run_timers(owner).pickup_reminders == 1
    assert niaga.repairs.run_timers(owner).pickup_reminders == 0  # once only

"""The CEO digest's aggregate and its words: one digest per tenant and day with exactly three
insights, recipients checked and sealed, and three rule-based observations of the figures."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from application.ai.digest_text import figures_text, observations, prompt_text
from application.shared.event_payloads import payload_transcodings
from domain.ai.digest import (
    AgentSales,
    CeoDigest,
    CustomerSpend,
    DigestFigures,
    DigestInsight,
    DigestMode,
    DigestRecipients,
    LowStockItem,
)
from domain.ai.usage import AiUsage
from domain.shared.errors import InvalidValue
from domain.shared.personal_data import FORGOTTEN

TENANT = uuid.UUID("7d1e0f9a-6c1b-4a52-9a51-1f7cb0a5c001")
DAY = date(2026, 1, 4)
BUDI, AGUS = uuid.uuid4(), uuid.uuid4()
FIGURES = DigestFigures(
    revenue_issued=400_000,
    invoices_issued=2,
    revenue_collected=250_000,
    payments_received=2,
    top_customers=(CustomerSpend(BUDI, 150_000, 1),),
    overdue_total=250_000,
    overdue_count=1,
    new_subscriptions=3,
    churned_subscriptions=1,
    voucher_sales=(AgentSales(AGUS, 2, 4_000), AgentSales(None, 1, 3_000)),
    repairs_pending=2,
    repairs_past_sla=0,
    low_stock=(),
)
USAGE = AiUsage(TENANT, "ceo_digest", "gemini-2.5-flash", None, 10, 20, 30, 40, "ok")
THREE = [DigestInsight(f"Judul {n}", f"Saran {n}.") for n in range(3)]


def test_a_digest_is_one_per_tenant_and_day_with_its_figures_insights_and_usage() -> None:
    digest = CeoDigest.compile(TENANT, DAY, FIGURES, THREE, DigestMode.AI, USAGE, 1)
    [compiled] = digest.collect_events()
    assert isinstance(compiled, CeoDigest.Compiled)
    assert digest.id == CeoDigest.id_for(TENANT, DAY) != CeoDigest.id_for(TENANT, date(2026, 1, 5))
    assert (compiled.mode, compiled.ai_status, compiled.messages) == ("ai", "ok", 1)
    assert (compiled.figures, compiled.insights, compiled.ai_usage) == (FIGURES, THREE, USAGE)


def test_a_template_digest_says_why_ai_did_not_answer() -> None:
    quota = replace(USAGE, model=None, outcome="quota")
    digest = CeoDigest.compile(TENANT, DAY, FIGURES, THREE, DigestMode.TEMPLATE, quota)
    assert (digest.mode, digest.ai_status) == (DigestMode.TEMPLATE, "quota")


@pytest.mark.parametrize(
    "insights",
    [
        THREE[:2],
        [*THREE, THREE[0]],
        [DigestInsight("dua\nbaris", "x"), *THREE[1:]],
        [DigestInsight("judul", "nul\x00"), *THREE[1:]],
        [DigestInsight(" ", "kosong"), *THREE[1:]],
    ],
    ids=["two", "four", "title of two lines", "NUL", "blank title"],
)
def test_a_digest_refuses_other_than_three_storable_insights(
    insights: list[DigestInsight],
) -> None:
    with pytest.raises(InvalidValue) as refused:
        CeoDigest.compile(TENANT, DAY, FIGURES, insights, DigestMode.AI, USAGE)
    assert refused.value.field.startswith("insights")


def test_recipients_are_normalised_once_each_and_sealed() -> None:
    recipients = DigestRecipients.start(TENANT)
    shown = recipients.change(["0811-2233-4455", "+62 811 2233 4455", "6281299990001"], str.upper)
    assert shown == ["+6281122334455", "+6281299990001"]
    assert recipients.phones_sealed == shown  # "sealed" by the test's stand-in
    with pytest.raises(InvalidValue):
        recipients.change(["0811000001", "0811000002", "0811000003", "0811000004"], str)
    with pytest.raises(InvalidValue):
        recipients.change(["12345"], str)
    assert recipients.phones_sealed == shown


def test_the_figures_read_in_indonesian_with_names_and_own_sales() -> None:
    names = {BUDI: "Budi Santoso", AGUS: "Agus Salim"}
    text = figures_text(FIGURES, names)
    assert "- Tagihan terbit: Rp400.000 (2 tagihan)" in text
    assert "- Pelanggan teratas: Budi Santoso Rp150.000" in text
    assert "Agus Salim 2 voucher (Rp4.000), penjualan langsung 1 voucher (Rp3.000)" in text
    assert "Voucher terjual: 3 (Rp7.000)" in text
    assert "(pelanggan dihapus)" in figures_text(FIGURES, {BUDI: FORGOTTEN})
    assert prompt_text(DAY, FIGURES, names).startswith("Angka bisnis tanggal 04/01/2026:")


def test_three_observations_by_rule_when_ai_cannot_answer() -> None:
    first, second, third = observations(FIGURES)
    assert first.detail == "Pembayaran masuk Rp250.000 atau 62% dari tagihan terbit Rp400.000."
    assert second.detail.startswith("1 tagihan senilai Rp250.000 lewat jatuh tempo")
    assert (third.title, third.detail) == (
        "Pertumbuhan pelanggan",
        "Langganan baru 3, berhenti 1 (bersih +2); voucher terjual 3.",
    )
    late = replace(FIGURES, repairs_past_sla=1, low_stock=(LowStockItem("A", "B", 1, 5),))
    assert observations(late)[2].title == "Servis terlambat"
    assert observations(replace(late, repairs_past_sla=0))[2].title == "Stok menipis"
    quiet = replace(FIGURES, revenue_issued=0, revenue_collected=0, overdue_count=0)
    assert observations(quiet)[0].detail.startswith("Tidak ada tagihan terbit")
    assert observations(quiet)[1].detail == "Tidak ada tagihan yang lewat jatuh tempo."
    for insights in (observations(FIGURES), observations(late), observations(quiet)):
        CeoDigest.compile(TENANT, DAY, FIGURES, insights, DigestMode.TEMPLATE, USAGE)


def test_the_figures_are_stored_as_their_plain_fields_and_read_back() -> None:
    [transcoding] = [t for t in payload_transcodings() if t.name == "ceo_digest_figures"]
    stored = transcoding.encode(FIGURES)
    assert stored["voucher_sales"][1] == {"agent_id": None, "vouchers": 1, "revenue": 3_000}
    assert transcoding.decode(stored) == FIGURES

"""The CEO digest in words (Indonesian): the figures as the owner and the model read them, what
the model is asked, and the three rule-based observations written when AI cannot answer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from domain.ai.digest import INSIGHTS, DigestFigures, DigestInsight
from domain.shared.money import format_rupiah
from domain.shared.personal_data import FORGOTTEN

SYSTEM = (
    "Anda adalah analis bisnis untuk pemilik usaha kecil di Indonesia (ISP, penjual voucher "
    "hotspot, toko servis). Dari angka kemarin, tulis tepat tiga wawasan strategis dalam bahasa "
    "Indonesia: masing-masing judul singkat dan saran konkret yang bisa dikerjakan hari ini. "
    "Gunakan hanya angka yang diberikan; jangan mengarang angka. Teks dalam kurung siku yang "
    "diawali REDACTED adalah nama yang disamarkan: tulis persis seperti itu bila perlu."
)
OWN_SALES = "penjualan langsung"
_UNNAMED = "(tanpa nama)"


class InsightAnswer(BaseModel):
    title: str = Field(description="Judul singkat wawasan")
    detail: str = Field(description="Penjelasan dan saran konkret, satu sampai tiga kalimat")


class DigestAnswer(BaseModel):
    """What the model answers: exactly three insights."""

    insights: list[InsightAnswer] = Field(min_length=INSIGHTS, max_length=INSIGHTS)


def day_shown(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def name_of(names: Mapping[UUID, str], subject: UUID | None) -> str:
    if subject is None:
        return OWN_SALES
    name = names.get(subject, "")
    return "(pelanggan dihapus)" if name == FORGOTTEN else name or _UNNAMED


def figures_text(figures: DigestFigures, names: Mapping[UUID, str]) -> str:
    """The figures, one line each, as the WhatsApp message and the prompt show them."""
    f = figures
    lines = [
        f"- Tagihan terbit: {format_rupiah(f.revenue_issued)} ({f.invoices_issued} tagihan)",
        f"- Pembayaran masuk: {format_rupiah(f.revenue_collected)} "
        f"({f.payments_received} pembayaran)",
        f"- Piutang lewat jatuh tempo: {format_rupiah(f.overdue_total)} "
        f"({f.overdue_count} tagihan)",
        f"- Langganan baru: {f.new_subscriptions}; berhenti: {f.churned_subscriptions}",
        f"- Voucher terjual: {f.vouchers_sold} ({format_rupiah(f.voucher_revenue)})",
        f"- Servis belum selesai: {f.repairs_pending}; melewati SLA: {f.repairs_past_sla}",
        f"- Stok menipis: {len(f.low_stock)} barang",
    ]
    if f.top_customers:
        top = ", ".join(
            f"{name_of(names, c.customer_id)} {format_rupiah(c.amount)}" for c in f.top_customers
        )
        lines.append(f"- Pelanggan teratas: {top}")
    if f.voucher_sales:
        agents = ", ".join(
            f"{name_of(names, s.agent_id)} {s.vouchers} voucher ({format_rupiah(s.revenue)})"
            for s in f.voucher_sales
        )
        lines.append(f"- Penjualan voucher per agen: {agents}")
    if f.low_stock:
        items = ", ".join(
            f"{i.name} ({i.sku}) sisa {i.available}, batas {i.reorder_point}" for i in f.low_stock
        )
        lines.append(f"- Barang stok menipis: {items}")
    return "\n".join(lines)


def prompt_text(day: date, figures: DigestFigures, names: Mapping[UUID, str]) -> str:
    return (
        f"Angka bisnis tanggal {day_shown(day)}:\n{figures_text(figures, names)}\n\n"
        f"Berikan tepat {INSIGHTS} wawasan strategis untuk pemilik usaha."
    )


def insights_text(insights: list[DigestInsight]) -> str:
    return "\n".join(f"{n}. {i.title}: {i.detail}" for n, i in enumerate(insights, 1))


def observations(figures: DigestFigures) -> list[DigestInsight]:
    """Three observations of the figures by rule, for when AI cannot answer: money in against
    money billed, what is overdue, and the most pressing of the operations."""
    return [_collection(figures), _overdue(figures), _operations(figures)]


def _collection(f: DigestFigures) -> DigestInsight:
    title = "Penagihan kemarin"
    if f.revenue_issued == 0 and f.revenue_collected == 0:
        return DigestInsight(title, "Tidak ada tagihan terbit dan tidak ada pembayaran masuk.")
    if f.revenue_issued == 0:
        return DigestInsight(
            title,
            f"Pembayaran masuk {format_rupiah(f.revenue_collected)} tanpa tagihan baru terbit.",
        )
    ratio = f.revenue_collected * 100 // f.revenue_issued
    return DigestInsight(
        title,
        f"Pembayaran masuk {format_rupiah(f.revenue_collected)} atau {ratio}% dari tagihan "
        f"terbit {format_rupiah(f.revenue_issued)}.",
    )


def _overdue(f: DigestFigures) -> DigestInsight:
    title = "Piutang jatuh tempo"
    if f.overdue_count == 0:
        return DigestInsight(title, "Tidak ada tagihan yang lewat jatuh tempo.")
    return DigestInsight(
        title,
        f"{f.overdue_count} tagihan senilai {format_rupiah(f.overdue_total)} lewat jatuh tempo; "
        "prioritaskan penagihan hari ini.",
    )


def _operations(f: DigestFigures) -> DigestInsight:
    if f.repairs_past_sla:
        return DigestInsight(
            "Servis terlambat",
            f"{f.repairs_past_sla} dari {f.repairs_pending} servis yang belum selesai melewati "
            "batas SLA; kabari pelanggan dan atur ulang prioritas teknisi.",
        )
    if f.low_stock:
        return DigestInsight(
            "Stok menipis",
            f"{len(f.low_stock)} barang di bawah batas pemesanan ulang; siapkan pesanan ke "
            "pemasok.",
        )
    net = f.new_subscriptions - f.churned_subscriptions
    return DigestInsight(
        "Pertumbuhan pelanggan",
        f"Langganan baru {f.new_subscriptions}, berhenti {f.churned_subscriptions} "
        f"(bersih {net:+d}); voucher terjual {f.vouchers_sold}.",
    )

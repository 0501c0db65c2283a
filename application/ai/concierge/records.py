"""What the concierge knows when a customer writes: that customer's own repair jobs, the shop's
catalogue items the question names, and passages of the shop's documents, written out as the
model's context. Nothing of any other customer is ever read here: jobs are looked up by the
asking customer's id and each job loaded is checked to be theirs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from application.ai.concierge.ports import CatalogueItem, Passage
from domain.repairs.repair_job import SLA_RUNNING, RepairJob, RepairStatus
from domain.shared.local_time import shown_time
from domain.shared.money import format_rupiah

STATUS_TEXT = {
    RepairStatus.RECEIVED: "diterima, menunggu pemeriksaan teknisi",
    RepairStatus.DIAGNOSED: "sudah diperiksa, rincian biaya segera dikirim",
    RepairStatus.QUOTED: "menunggu persetujuan biaya dari Anda",
    RepairStatus.APPROVED: "biaya disetujui, menunggu dikerjakan",
    RepairStatus.REJECTED: "biaya tidak disetujui, perangkat dapat diambil",
    RepairStatus.IN_PROGRESS: "sedang dikerjakan teknisi",
    RepairStatus.COMPLETED: "sudah selesai dan siap diambil",
    RepairStatus.DELIVERED: "sudah diambil",
    RepairStatus.CANCELLED: "dibatalkan",
}
_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{2,}")
_SHORT_WORDS = frozenset(
    {"ada", "apa", "yang", "dan", "atau", "untuk", "saya", "anda", "kak", "min", "mas", "mbak"}
)


def job_number(job: RepairJob) -> str:
    """The job's short number, as the customer's messages show it."""
    return str(job.id)[:8].upper()


def question_words(question: str, most: int = 6) -> list[str]:
    """The words of a question worth looking up in the catalogue."""
    words = [w.lower() for w in _WORD.findall(question)]
    return list(dict.fromkeys(w for w in words if w not in _SHORT_WORDS))[:most]


@dataclass(frozen=True)
class CustomerRecords:
    """One customer's view of the shop: their name and address (masked before the model sees
    them), their jobs, the catalogue items asked about, passages of the shop's documents."""

    name: str | None
    address: str | None
    jobs: list[RepairJob]
    items: list[CatalogueItem]
    passages: list[Passage]
    zone: str
    today: date

    @property
    def known(self) -> tuple[str, ...]:
        """The personal values the masking must hide besides the patterns it knows."""
        return tuple(v for v in (self.name, self.address) if v)

    def context(self) -> str:
        """The records as the model reads them (Indonesian)."""
        lines = [f"Pelanggan: {self.name or '-'}", "", "Servis milik pelanggan ini:"]
        lines += [f"- {self.job_line(job)}" for job in self.jobs] or ["- (belum ada servis)"]
        lines += ["", "Katalog dan stok toko yang cocok dengan pertanyaan:"]
        lines += [f"- {_item_line(item)}" for item in self.items] or ["- (tidak ada yang cocok)"]
        lines += ["", "Pengetahuan toko (kutipan dokumen):"]
        lines += [f"- [{p.citation}] {p.text}" for p in self.passages] or ["- (tidak ada)"]
        return "\n".join(lines)

    def job_line(self, job: RepairJob) -> str:
        parts = [
            f"No. servis {job_number(job)}: {job.device_type} {job.device}",
            f"keluhan: {job.complaint}",
            f"status: {STATUS_TEXT[job.status]}",
        ]
        if job.diagnosis:
            parts.append(f"diagnosa: {job.diagnosis}")
        if job.parts or job.labour:
            parts.append(f"biaya: {self.quote(job)}")
        if job.status in SLA_RUNNING:
            parts.append(f"perkiraan selesai: {shown_time(job.due_at, self.zone)}")
        if job.completed_at is not None:
            parts.append(f"selesai: {shown_time(job.completed_at, self.zone)}")
        if job.delivered_at is not None:
            parts.append(f"diambil: {shown_time(job.delivered_at, self.zone)}")
        if job.warranty_until is not None:
            parts.append(f"garansi: {self.warranty(job)}")
        return "; ".join(parts)

    def quote(self, job: RepairJob) -> str:
        lines = [f"{p.description} {p.quantity} x {format_rupiah(p.unit_price)}" for p in job.parts]
        lines += [f"{line.description} {format_rupiah(line.amount)}" for line in job.labour]
        return f"{', '.join(lines)}; total {format_rupiah(job.quote_total)}"

    def warranty(self, job: RepairJob) -> str:
        until = job.warranty_until
        if until is None:
            return "-"
        valid = "masih berlaku" if until >= self.today else "sudah berakhir"
        return f"sampai {until:%d/%m/%Y} ({valid})"


def _item_line(item: CatalogueItem) -> str:
    stock = f"tersedia {item.available}" if item.available > 0 else "stok habis"
    return f"{item.name} ({item.sku}): {format_rupiah(item.price)}, {stock}"

"""The concierge's deterministic part: simple questions answered from the customer's own jobs
without the model, when AI is unavailable. "status" (with a job number or without), "garansi"
and "biaya"; anything else goes to the technicians."""

from __future__ import annotations

import re
from collections.abc import Callable

from application.ai.concierge.records import STATUS_TEXT, CustomerRecords, job_number
from domain.repairs.repair_job import OPEN_STATUSES, SLA_RUNNING, RepairJob, RepairStatus
from domain.shared.local_time import shown_time

_NUMBER = re.compile(r"(?<![0-9A-Za-z])([0-9A-Fa-f]{8})(?![0-9A-Za-z])")
_STATUS = re.compile(r"\b(status|kapan|selesai|progres|progress|sudah sampai|cek|gimana)\b")
_WARRANTY = re.compile(r"\bgaransi\b")
_COST = re.compile(r"\b(biaya|harga|berapa|total|ongkos|tagihan)\b")
_Line = Callable[[RepairJob, CustomerRecords], str]


def rule_answer(question: str, records: CustomerRecords) -> str | None:
    """The answer the rules give, or None when the question is not one they know."""
    text = question.lower()
    if not records.jobs:
        return None
    numbers = {n.upper() for n in _NUMBER.findall(question)}
    if numbers:
        jobs = [job for job in records.jobs if job_number(job) in numbers]
        if not jobs:
            shown = ", ".join(sorted(numbers))
            return f"Nomor servis {shown} tidak kami temukan untuk nomor WhatsApp Anda."
    else:
        jobs = _current(records.jobs)
    if _WARRANTY.search(text):
        return _each(jobs, records, _warranty)
    if _COST.search(text):
        return _each(jobs, records, _cost)
    if _STATUS.search(text) or numbers:
        return _each(jobs, records, _status)
    return None


def _current(jobs: list[RepairJob]) -> list[RepairJob]:
    """The jobs a question without a number is about: those still open, else the latest."""
    return [job for job in jobs if job.status in OPEN_STATUSES] or jobs[:1]


def _each(jobs: list[RepairJob], records: CustomerRecords, line: _Line) -> str:
    return "\n".join(line(job, records) for job in jobs)


def _status(job: RepairJob, records: CustomerRecords) -> str:
    text = f"Servis {job.device} (no. {job_number(job)}): {STATUS_TEXT[job.status]}."
    if job.status in SLA_RUNNING:
        text += f" Perkiraan selesai {shown_time(job.due_at, records.zone)}."
    return text


def _warranty(job: RepairJob, records: CustomerRecords) -> str:
    if job.warranty_until is None:
        status = STATUS_TEXT[job.status]
        return f"Servis {job.device} (no. {job_number(job)}) belum bergaransi: {status}."
    return f"Garansi servis {job.device} (no. {job_number(job)}) {records.warranty(job)}."


def _cost(job: RepairJob, records: CustomerRecords) -> str:
    if not (job.parts or job.labour):
        return f"Biaya servis {job.device} (no. {job_number(job)}) belum ditentukan."
    answer = "" if job.status is not RepairStatus.QUOTED else " Balas SETUJU atau TIDAK SETUJU."
    return (
        f"Biaya servis {job.device} (no. {job_number(job)}): {records.quote(job)} "
        f"({STATUS_TEXT[job.status]}).{answer}"
    )

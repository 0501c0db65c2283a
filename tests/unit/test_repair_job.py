"""The repair job's life on the aggregate alone: every step from its allowed states only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.repairs.repair_job import (
    AnsweredBy,
    Priority,
    RepairJob,
    RepairPolicy,
    RepairRefused,
    RepairStatus,
    labour_line,
    part_line,
)
from domain.shared.errors import DomainError, InvalidValue

TENANT = UUID("00000000-0000-0000-0000-000000000001")
AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
POLICY = RepairPolicy()
ZONE = "Asia/Jakarta"


def _job(priority: Priority = Priority.NORMAL) -> RepairJob:
    return RepairJob.receive(
        TENANT,
        uuid4(),
        device_type="laptop",
        brand="Lenovo",
        model="ThinkPad T480",
        complaint="tidak mau menyala",
        received_at=AT,
        policy=POLICY,
        priority=priority,
    )


def _quote(job: RepairJob) -> None:
    job.diagnose("IC power rusak", AT)
    job.quote(
        [part_line(uuid4(), "IC power", 1, 150_000, 90_000)], [labour_line("Jasa", 100_000)], AT
    )


def test_the_due_time_follows_the_sla_of_the_priority() -> None:
    assert _job(Priority.URGENT).due_at == AT + timedelta(hours=4)
    job = _job(Priority.LOW)
    assert job.due_at == AT + timedelta(hours=120)
    job.change_priority(Priority.HIGH, POLICY)
    assert job.due_at == AT + timedelta(hours=24)


def test_a_quote_totals_parts_and_labour() -> None:
    job = _job()
    _quote(job)
    assert (job.status, job.quote_total) == (RepairStatus.QUOTED, 250_000)


def test_a_job_never_quoted_cannot_be_approved_and_an_unfinished_one_not_delivered() -> None:
    job = _job()
    with pytest.raises(RepairRefused, match="cannot approve"):
        job.approve(AnsweredBy.STAFF, AT)
    with pytest.raises(RepairRefused, match="cannot deliver"):
        job.deliver(AT, POLICY, ZONE)
    assert job.version == 1


def test_work_needs_a_technician() -> None:
    job = _job()
    _quote(job)
    job.approve(AnsweredBy.CUSTOMER, AT)
    with pytest.raises(RepairRefused, match="assign a technician"):
        job.start(AT)
    job.assign(uuid4(), "Andi")
    job.start(AT)
    assert job.status is RepairStatus.IN_PROGRESS


def test_negative_prices_and_empty_quotes_are_refused() -> None:
    with pytest.raises(InvalidValue, match="unit_price"):
        part_line(uuid4(), "LCD", 1, -1, 0)
    with pytest.raises(InvalidValue, match="amount"):
        labour_line("Jasa", -1)
    job = _job()
    job.diagnose("x", AT)
    with pytest.raises(InvalidValue, match="at least one"):
        job.quote([], [], AT)


def test_a_bad_policy_is_refused() -> None:
    with pytest.raises(InvalidValue, match="every priority"):
        RepairPolicy(sla_hours={"low": 1}).validated()
    with pytest.raises(InvalidValue, match="distinct"):
        RepairPolicy(collection_reminder_days=(1, 1)).validated()


STEPS = [
    "diagnose",
    "quote",
    "approve",
    "reject",
    "assign",
    "start",
    "complete",
    "deliver",
    "cancel",
]


def _do(job: RepairJob, step: str) -> None:
    actions = {
        "diagnose": lambda: job.diagnose("cek", AT),
        "quote": lambda: job.quote([], [labour_line("Jasa", 50_000)], AT),
        "approve": lambda: job.approve(AnsweredBy.STAFF, AT),
        "reject": lambda: job.reject(AnsweredBy.CUSTOMER, AT),
        "assign": lambda: job.assign(uuid4(), "Budi"),
        "start": lambda: job.start(AT),
        "complete": lambda: job.complete(AT),
        "deliver": lambda: job.deliver(AT, POLICY, ZONE),
        "cancel": lambda: job.cancel("batal", AT),
    }
    actions[step]()


ALLOWED_AFTER = {
    RepairStatus.RECEIVED: {RepairStatus.DIAGNOSED, RepairStatus.CANCELLED},
    RepairStatus.DIAGNOSED: {RepairStatus.DIAGNOSED, RepairStatus.QUOTED, RepairStatus.CANCELLED},
    RepairStatus.QUOTED: {
        RepairStatus.QUOTED,
        RepairStatus.APPROVED,
        RepairStatus.REJECTED,
        RepairStatus.CANCELLED,
    },
    RepairStatus.REJECTED: {RepairStatus.QUOTED, RepairStatus.CANCELLED},
    RepairStatus.APPROVED: {RepairStatus.IN_PROGRESS, RepairStatus.CANCELLED},
    RepairStatus.IN_PROGRESS: {RepairStatus.COMPLETED, RepairStatus.CANCELLED},
    RepairStatus.COMPLETED: {RepairStatus.DELIVERED, RepairStatus.CANCELLED},
    RepairStatus.DELIVERED: set(),
    RepairStatus.CANCELLED: set(),
}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(STEPS), max_size=25))
def test_only_allowed_transitions_happen_and_refusals_change_nothing(steps: list[str]) -> None:
    job = _job()
    for step in steps:
        before = (job.status, job.version)
        try:
            _do(job, step)
        except DomainError:
            assert (job.status, job.version) == before
            continue
        assert job.status == before[0] or job.status in ALLOWED_AFTER[before[0]]

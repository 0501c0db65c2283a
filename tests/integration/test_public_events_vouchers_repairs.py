"""Vouchers and repair jobs reach integrators as the documented public types, with payloads
built from the events and their aggregates' immutable facts (never a voucher's password)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Niaga, daily_scheduler
from adapters.shared.settings import Settings
from application.customers.customers import RegisterCustomer
from application.integrations.public_events import CATALOGUE
from application.integrations.webhooks import CreateWebhookEndpoint
from application.repairs.repairs import QuoteLabour, ReceiveJob
from application.shared.clock import FixedClock
from application.shared.context import Principal
from application.vouchers.voucher_batches import GenerateVouchers
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.integration.vouchers import Desk
from tests.integration.webhooks import step, synchronous_dispatcher, verified

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"niaga_webhooks_allow_private": True})


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


def _by_type(secret: str, receiver: WebhookReceiver) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for request in receiver.received:
        payload = verified(secret, request)
        found.setdefault(payload["type"], []).append(payload)
    return found


def _documented(events: dict[str, list[dict[str, Any]]]) -> None:
    documented = {kind.name: set(kind.fields) for kind in CATALOGUE}
    for name, payloads in events.items():
        assert all(set(p["data"]) == documented[name] for p in payloads), name


def test_a_voucher_life_is_told_in_public_events(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver, clock: FixedClock
) -> None:
    types = ["voucher.sold", "voucher.activated", "voucher.expired", "voucher.revoked"]
    secret = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, types)).secret
    Desk(niaga, owner).profile("3JAM", validity_seconds=3600)
    batch = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 2, mode="up"))
    used, revoked = niaga.vouchers.queries.batch(owner, batch.batch_id)
    clock.set_now(START)
    niaga.vouchers.service.sell(owner, [used.id])
    niaga.vouchers.service.record_first_login(owner, used.username, START)
    niaga.vouchers.service.revoke(owner, revoked.id, "tercetak ganda")
    clock.set_now(START + timedelta(hours=2))
    assert daily_scheduler(niaga).expire_vouchers(owner.tenant_id) == 1
    step(niaga, synchronous_dispatcher(niaga))

    events = _by_type(secret, receiver)
    assert sorted(events) == sorted(types)
    _documented(events)
    (sold,) = events["voucher.sold"]
    assert sold["data"] == {
        "voucher_id": str(used.id),
        "username": used.username,
        "profile_id": str(used.profile_id),
        "batch_id": str(batch.batch_id),
        "agent_id": None,
        "price": 3000,
        "sold_at": START.isoformat(),
    }
    (activated,) = events["voucher.activated"]
    assert activated["data"]["expires_at"] == (START + timedelta(hours=1)).isoformat()
    (expired,) = events["voucher.expired"]
    assert expired["data"]["voucher_id"] == str(used.id)
    (gone,) = events["voucher.revoked"]
    assert (gone["data"]["username"], gone["data"]["reason"]) == (
        revoked.username,
        "tercetak ganda",
    )
    assert all(used.password not in r.body.decode() for r in receiver.received)


def test_a_voucher_whose_login_is_its_password_travels_without_it(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver, clock: FixedClock
) -> None:
    secret = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).secret
    Desk(niaga, owner).profile("3JAM")
    batch = niaga.vouchers.batches.generate(owner, GenerateVouchers("3JAM", 1, mode="vc"))
    (voucher,) = niaga.vouchers.queries.batch(owner, batch.batch_id)
    niaga.vouchers.service.sell(owner, [voucher.id])
    step(niaga, synchronous_dispatcher(niaga))

    (sold,) = _by_type(secret, receiver)["voucher.sold"]
    assert (sold["data"]["voucher_id"], sold["data"]["username"]) == (str(voucher.id), None)
    assert all(voucher.username not in r.body.decode() for r in receiver.received)


def test_a_repair_job_is_told_in_public_events(
    niaga: Niaga, owner: Principal, receiver: WebhookReceiver, clock: FixedClock
) -> None:
    secret = niaga.webhooks.create(owner, CreateWebhookEndpoint(receiver.url, [])).secret
    clock.set_now(START)
    customer = niaga.customers.register(owner, RegisterCustomer("Siti Rahma", "081298765432"))
    technician = niaga.repairs.add_technician(owner, "Andi")
    job = niaga.repairs.receive(
        owner,
        ReceiveJob(
            customer,
            "smartphone",
            "Samsung",
            "Galaxy A50",
            "layar retak",
            technician_id=technician,
        ),
    )
    niaga.repairs.diagnose(owner, job, "LCD pecah")
    niaga.repairs.quote(owner, job, [], [QuoteLabour("Jasa perbaikan", 150_000)])
    niaga.repairs.answer_quote(owner, job, approve=True)
    niaga.repairs.start(owner, job)
    niaga.repairs.complete(owner, job, "selesai")
    niaga.repairs.deliver(owner, job)
    other = niaga.repairs.receive(
        owner, ReceiveJob(customer, "laptop", "Asus", "X441", "tidak menyala")
    )
    niaga.repairs.cancel(owner, other, "pelanggan berubah pikiran")
    step(niaga, synchronous_dispatcher(niaga))

    events = _by_type(secret, receiver)
    repair_types = {name for name in events if name.startswith("repair_job.")}
    assert repair_types == {
        "repair_job.received",
        "repair_job.quoted",
        "repair_job.completed",
        "repair_job.delivered",
        "repair_job.cancelled",
    }
    _documented(events)
    received = {e["data"]["repair_job_id"]: e["data"] for e in events["repair_job.received"]}
    assert received[str(job)]["customer_id"] == str(customer)
    assert received[str(job)]["model"] == "Galaxy A50"
    (quoted,) = events["repair_job.quoted"]
    assert quoted["data"]["total"] == 150_000
    (delivered,) = events["repair_job.delivered"]
    assert delivered["data"]["repair_job_id"] == str(job)
    assert delivered["data"]["customer_id"] == str(customer)
    assert delivered["data"]["warranty_until"] > START.date().isoformat()
    (cancelled,) = events["repair_job.cancelled"]
    assert cancelled["data"]["reason"] == "pelanggan berubah pikiran"

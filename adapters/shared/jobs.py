"""Background jobs on dramatiq: Redis in production, an in-process broker in the embedded default.

Actors are declared per broker by `declare_jobs`, so importing this module changes nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from adapters.payments.gateways.recheck import callback_rechecker
from adapters.shared.scheduler import run_daily_cycle
from projections.shared.catalog import by_name

if TYPE_CHECKING:
    from adapters.bootstrap import Niaga

log = logging.getLogger(__name__)


def make_broker(redis_url: str | None, namespace: str = "niaga") -> dramatiq.Broker:
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    broker.emit_after("process_boot")
    return broker


@dataclass
class Jobs:
    broker: dramatiq.Broker
    catch_up_projections: Any
    rebuild_projection: Any
    daily_cycle: Any
    provision: Any
    deliver_webhooks: Any
    recheck_gateway_callbacks: Any
    send_whatsapp: Any


def declare_jobs(broker: dramatiq.Broker, niaga: Niaga) -> Jobs:
    """Declare Niaga's actors on `broker`, bound to the given container."""

    def catch_up_projections() -> int:
        return niaga.projections.catch_up_all()

    def rebuild_projection(store: str, projection: str) -> int:
        target = next(s for s in niaga.stores.open_stores() if s.ref.name == store)
        count = niaga.projections.rebuild(target, by_name(projection))
        log.info("rebuilt %s in %s from %d events", projection, store, count)
        return count

    def daily_cycle(tenant_id: str, on: str | None = None) -> int:
        cycle = run_daily_cycle(niaga, UUID(tenant_id), date.fromisoformat(on) if on else None)
        return cycle.billing.invoices

    def provision(tenant_id: str, subscription_id: str) -> bool:
        # RouterUnreachable propagates: dramatiq retries with exponential backoff and jitter.
        return niaga.provisioning.provision(UUID(tenant_id), UUID(subscription_id)).ok

    def deliver_webhooks(tenant_id: str, delivery_ids: list[str]) -> int:
        # Each outcome is recorded as an event; a failed POST is retried on its own schedule
        # (derived from the read model), not by dramatiq.
        report = niaga.webhook_deliverer.deliver(UUID(tenant_id), [UUID(i) for i in delivery_ids])
        return report.delivered

    def recheck_gateway_callbacks() -> int:
        # Callbacks whose status re-check found the gateway down; each waits its own backoff.
        return callback_rechecker(niaga).sweep()

    def send_whatsapp(tenant_id: str, message_id: str) -> str:
        # ProviderUnavailable propagates (after being recorded): dramatiq retries with
        # exponential backoff and jitter; the job finds a message already sent and stops.
        return niaga.whatsapp.messages.send(UUID(tenant_id), UUID(message_id))

    def actor(name: str) -> Any:
        return dramatiq.actor(
            actor_name=name, broker=broker, max_retries=5, min_backoff=1000, max_backoff=60_000
        )

    return Jobs(
        broker=broker,
        catch_up_projections=actor("catch_up_projections")(catch_up_projections),
        rebuild_projection=actor("rebuild_projection")(rebuild_projection),
        daily_cycle=actor("daily_cycle")(daily_cycle),
        provision=actor("provision")(provision),
        deliver_webhooks=actor("deliver_webhooks")(deliver_webhooks),
        recheck_gateway_callbacks=actor("recheck_gateway_callbacks")(recheck_gateway_callbacks),
        send_whatsapp=actor("send_whatsapp")(send_whatsapp),
    )


def run_worker(broker: dramatiq.Broker, stop: threading.Event, threads: int = 4) -> None:
    """Consume jobs until `stop` is set."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=200)
    worker.start()
    try:
        stop.wait()
    finally:
        worker.stop()

"""Background jobs on dramatiq: Redis in production, an in-process broker in the embedded default.

Actors are declared per broker by `declare_jobs`, with the services they call, so importing this
module changes nothing. Actors stay thin: parse their arguments and call one service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from adapters.payments.gateways.recheck import CallbackRechecker
from adapters.scheduler import Scheduler
from adapters.shared.projection_service import ProjectionService
from adapters.shared.stores import PostgresStores
from adapters.shared.supervision import GIVE_UP_AFTER, PartFailed, Recovery
from application.ai.knowledge.documents import KnowledgeDocuments
from application.ai.knowledge.ports import EmbeddingUnavailable
from application.integrations.webhook_delivery import WebhookDeliverer
from application.messaging.email import EmailService
from application.messaging.messaging import WhatsAppService
from application.routers import RouterUnreachable
from application.routers.provisioning import ProvisioningService
from projections.catalog import by_name

log = logging.getLogger(__name__)


def make_broker(redis_url: str | None, namespace: str = "niaga") -> dramatiq.Broker:
    broker: dramatiq.Broker = (
        RedisBroker(url=redis_url, namespace=namespace)  # type: ignore[no-untyped-call]
        if redis_url
        else StubBroker()
    )
    broker.emit_after("process_boot")
    return broker


@dataclass(frozen=True)
class JobServices:
    """What the actors call, handed over by the wiring."""

    stores: PostgresStores
    projections: ProjectionService
    scheduler: Scheduler
    provisioning: ProvisioningService
    webhooks: WebhookDeliverer
    rechecker: CallbackRechecker
    messages: WhatsAppService
    knowledge: KnowledgeDocuments
    emails: EmailService


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
    embed_knowledge: Any
    send_email: Any


def declare_jobs(broker: dramatiq.Broker, services: JobServices) -> Jobs:
    """Declare Niaga's actors on `broker`, bound to the given services."""

    def catch_up_projections() -> int:
        return services.projections.catch_up_all(queue=False)  # the daemon's work, as a job

    def rebuild_projection(store: str, projection: str) -> int:
        target = next(s for s in services.stores.open_stores() if s.ref.name == store)
        count = services.projections.rebuild(target, by_name(projection))
        log.info("rebuilt %s in %s from %d events", projection, store, count)
        return count

    def daily_cycle(tenant_id: str, on: str | None = None) -> int:
        day = date.fromisoformat(on) if on else None
        return services.scheduler.run_daily_cycle(UUID(tenant_id), day).billing.invoices

    def provision(tenant_id: str, subscription_id: str) -> bool:
        # An unreachable router is recorded and retried by the provisioning dispatcher, which
        # backs off per router; a retry here too would hammer a router that is down.
        try:
            return services.provisioning.provision(UUID(tenant_id), UUID(subscription_id)).ok
        except RouterUnreachable as error:
            log.info("provisioning %s will be retried: %s", subscription_id, error.message)
            return False

    def deliver_webhooks(tenant_id: str, delivery_ids: list[str]) -> int:
        # Each outcome is recorded as an event; a failed POST is retried on its own schedule
        # (derived from the read model), not by dramatiq.
        report = services.webhooks.deliver(UUID(tenant_id), [UUID(i) for i in delivery_ids])
        return report.delivered

    def recheck_gateway_callbacks() -> int:
        # Callbacks whose status re-check found the gateway down; each waits its own backoff.
        return services.rechecker.sweep()

    def send_whatsapp(tenant_id: str, message_id: str) -> str:
        # ProviderUnavailable propagates (after being recorded): dramatiq retries with
        # exponential backoff and jitter; the job finds a message already sent and stops.
        return services.messages.send(UUID(tenant_id), UUID(message_id))

    def send_email(tenant_id: str, email_id: str) -> str:
        # As for WhatsApp: MailUnavailable propagates (after being recorded) and dramatiq
        # retries; the job finds an e-mail already sent and stops, so it goes once.
        return services.emails.send(UUID(tenant_id), UUID(email_id))

    def embed_knowledge(tenant_id: str, document_id: str) -> bool:
        # A model that did not answer is recorded; the knowledge-base dispatcher retries it on
        # its own backoff (a retry here too would only ask a failing provider again).
        try:
            return services.knowledge.embed(UUID(tenant_id), UUID(document_id))
        except EmbeddingUnavailable as error:
            log.info("embedding %s will be retried: %s", document_id, error.message)
            return True

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
        embed_knowledge=actor("embed_knowledge")(embed_knowledge),
        send_email=actor("send_email")(send_email),
    )


def run_worker(
    broker: dramatiq.Broker,
    stop: threading.Event,
    threads: int = 4,
    beat: Callable[[], object] | None = None,
    give_up_after: float = GIVE_UP_AFTER,
    check_every: float = 5.0,
) -> None:
    """Consume jobs until `stop` is set, checking every `check_every` seconds that the broker
    answers and the worker's threads live, and then `beat`.

    dramatiq's consumers reconnect to Redis by themselves; while Redis is away the worker does
    not beat, and after `give_up_after` seconds it gives up (`PartFailed`). A dead worker thread
    cannot be recovered: that gives up at once. Either way its supervisor starts it afresh, and
    jobs it held are re-derived by the process managers."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=200)
    worker.start()
    recovery = Recovery("worker", give_up_after)
    try:
        while not stop.is_set():
            try:
                _check_worker(broker, worker)
                recovery.succeeded()
                if beat:
                    beat()
            except PartFailed:
                raise
            except Exception as error:
                pause = recovery.failed(error)
                log.warning("worker cannot reach its broker (%s); checking again", error)
                stop.wait(min(pause, check_every))
                continue
            stop.wait(check_every)
    finally:
        worker.stop()


def broker_epoch(broker: dramatiq.Broker) -> str | None:
    """Changes when the broker restarted (Redis's run id), and with it every message it held
    may be gone; None for a broker in this process."""
    if not isinstance(broker, RedisBroker):
        return None
    info = broker.client.info("server")
    return str(info.get("run_id"))


def _check_worker(broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
    threads = [*worker.consumers.values(), *worker.workers]
    if not all(thread.is_alive() for thread in threads):
        raise PartFailed("worker", "a worker thread died")
    if isinstance(broker, RedisBroker):
        broker.client.ping()

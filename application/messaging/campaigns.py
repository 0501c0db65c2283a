"""Broadcast campaigns: create one for an audience, schedule it, stop it (or every campaign of
the tenant at once), and the runner that paces the messages within the guardrails.

The runner asks an injected `now` for the time, so a test can drive it through days of sending
and check every guardrail.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from application.messaging.message_templates import TemplateService
from application.messaging.ports import Audience, WhatsAppReadModels
from application.shared.authorization import Permission, authorize
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find, load
from domain.customers.customer_tags import normalise_tag
from domain.messaging.campaign import BroadcastDay, Campaign, CampaignState, Guardrails
from domain.messaging.whatsapp import OutboundMessage
from domain.shared.local_time import local_time

RUNNER = Actor(ActorKind.SYSTEM, "campaign-runner")
Now = Callable[[], datetime]
Gap = Callable[[float, float], float]


class CampaignService:
    def __init__(
        self,
        stores: Stores,
        read_models: WhatsAppReadModels,
        sync: ReadModelSync,
        templates: TemplateService,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._saver = Saver(sync)
        self._templates = templates

    def create(
        self,
        principal: Principal,
        name: str,
        template: str,
        variables: dict[str, str],
        audience: Audience,
        guardrails: Guardrails,
    ) -> UUID:
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        self._templates.get(store, principal.tenant_id, template)  # an unknown one is refused
        audience = replace(audience, tags=tuple(normalise_tag(t) for t in audience.tags))
        campaign = Campaign.create(
            principal.tenant_id, name, template, variables, audience, guardrails
        )
        self._saver.save(store, principal, "CreateCampaign", campaign)
        return campaign.id

    def schedule(self, principal: Principal, campaign_id: UUID, start_at: datetime) -> int:
        """Fix the audience as it is now and start sending at `start_at`; return its size."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        campaign = load(store, Campaign, campaign_id, principal.tenant_id, "campaign")
        recipients = self._read_models.audience(store, principal.tenant_id, campaign.audience)
        campaign.schedule(start_at, recipients)
        self._saver.save(store, principal, "ScheduleCampaign", campaign)
        return len(recipients)

    def stop(self, principal: Principal, campaign_id: UUID, reason: str) -> None:
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        campaign = load(store, Campaign, campaign_id, principal.tenant_id, "campaign")
        campaign.stop(reason)
        self._saver.save(store, principal, "StopCampaign", campaign)

    def stop_all(self, principal: Principal, reason: str) -> int:
        """The emergency stop: every campaign of the tenant that has not finished, at once."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        views = self._read_models.campaigns(store, principal.tenant_id)
        live = [
            c
            for c in store.get_many([v.id for v in views]).values()
            if isinstance(c, Campaign) and c.state in {CampaignState.DRAFT, CampaignState.SCHEDULED}
        ]
        for campaign in live:
            campaign.stop(reason)
        if live:
            self._saver.save(store, principal, "StopAllCampaigns", *live)
        return len(live)


class CampaignRunner:
    """Queues campaign messages one at a time, as the guardrails allow."""

    def __init__(
        self,
        stores: Stores,
        read_models: WhatsAppReadModels,
        sync: ReadModelSync,
        now: Now,
        gap: Gap = random.uniform,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._sync = sync
        self._now = now
        self._gap = gap

    def tick(self, store: EventStore) -> datetime | None:
        """Queue what is due in this store; return when something will next be due."""
        by_tenant: dict[UUID, list[UUID]] = {}
        for tenant_id, campaign_id in self._read_models.running_campaigns(store):
            by_tenant.setdefault(tenant_id, []).append(campaign_id)
        wakes = [self.tick_tenant(store, t, ids) for t, ids in by_tenant.items()]
        return min((w for w in wakes if w is not None), default=None)

    def tick_tenant(
        self, store: EventStore, tenant_id: UUID, campaign_ids: list[UUID]
    ) -> datetime | None:
        now = local_time(self._now(), tenant_of(self._stores, tenant_id).timezone)
        campaigns = [
            c
            for c in store.get_many(campaign_ids).values()
            if isinstance(c, Campaign) and c.state is CampaignState.SCHEDULED
        ]
        due = [c for c in campaigns if c.start_at is not None and c.start_at <= now]
        later = [c.start_at for c in campaigns if c.start_at is not None and c.start_at > now]
        if not due:
            return min(later, default=None)
        return self._send_next(store, tenant_id, due[0], now)

    def _send_next(
        self, store: EventStore, tenant_id: UUID, campaign: Campaign, now: datetime
    ) -> datetime | None:
        rails = campaign.rails
        day_id = BroadcastDay.id_for(tenant_id, now.date())
        day = find(store, BroadcastDay, day_id) or BroadcastDay.open(tenant_id, now.date())
        wait = day.wait_until(now, rails)
        if wait is not None:
            return wait
        customer_id = self._next_recipient(store, campaign)
        if customer_id is None:
            campaign.complete()
            self._save(store, tenant_id, "CompleteCampaign", campaign)
            return now
        message = OutboundMessage.queue(
            campaign.message_id_for(customer_id),
            tenant_id,
            customer_id,
            campaign.template,
            campaign.variables,
            campaign.id,
            campaign.id,
        )
        gap = self._gap(rails.min_gap_seconds, rails.max_gap_seconds)
        day.pace(campaign.id, message.id, now, gap, rails)
        self._save(store, tenant_id, "RunCampaign", day, message)
        return day.wait_until(now, rails)

    def _next_recipient(self, store: EventStore, campaign: Campaign) -> UUID | None:
        """The first recipient not messaged yet. The read model may lag behind the log (the
        runner does not wait for it), so a recipient it does not show is checked in the log."""
        done = self._read_models.campaign_messaged(store, campaign.id)
        for customer_id in campaign.recipients:
            if customer_id in done:
                continue
            if find(store, OutboundMessage, campaign.message_id_for(customer_id)) is None:
                return customer_id
        return None

    def _save(self, store: EventStore, tenant_id: UUID, command: str, *objs: object) -> None:
        with recording(command, actor=RUNNER, tenant_id=tenant_id):
            position = store.save_and_locate(*objs)
        # Inline, this brings the read models up to date; run by the projection daemon itself,
        # waiting would only hold up the daemon, which records the change next anyway.
        self._sync.wait(store, position, 0)

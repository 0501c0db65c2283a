"""API keys for the language model: added sealed, never shown again, disabled by staff or when
the provider refuses them; cool-downs recorded so every process rests a rate-limited key.

A tenant's owner or admin manages the tenant's own keys (used for that tenant first); the
platform's keys are managed from the command line and serve every tenant."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.ai.ports import AiKeyReadModels, OpenKey
from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Actor, ActorKind, Principal, recording
from application.shared.errors import NotFound
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.unit_of_work import Saver, find
from domain.ai.key import AiKey, DisabledBecause, KeyFault, KeyStatus
from domain.messaging.notification import NotificationRequest
from domain.shared.text import check_line

log = logging.getLogger(__name__)
AI = Actor(ActorKind.SYSTEM, "ai")
DISABLED_TEMPLATE = "ai_key_disabled"
MAX_KEY_LENGTH = 200
BOOKKEEPING_WAIT = 0.05  # seconds


@dataclass(frozen=True)
class AddAiKey:
    key: str
    label: str = "key"


class AiKeys:
    """Adds, disables and opens keys; records what the model adapter reports about them."""

    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        secrets: SecretBox,
        read_models: AiKeyReadModels,
        clock: Clock,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._saver = Saver(sync)
        self._secrets = secrets
        self._read_models = read_models
        self._clock = clock
        self.generation = 0  # bumped by every change made here, so a key pool reloads at once

    # -- a tenant's own keys -----------------------------------------------------------------

    def add(self, principal: Principal, command: AddAiKey) -> UUID:
        """Add a key of the tenant's own (owners and admins); it is sealed and never shown."""
        authorize(principal, Permission.MANAGE_AI)
        key = AiKey.add(principal.tenant_id, command.label, self._sealed(command.key))
        store = self._stores.for_tenant(principal.tenant_id)
        self._saver.save(store, principal, "AddAiKey", key)
        self.generation += 1
        return key.id

    def disable(self, principal: Principal, key_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_AI)
        store = self._stores.for_tenant(principal.tenant_id)
        key = find(store, AiKey, key_id)
        if key is None or key.tenant_id != principal.tenant_id:
            raise NotFound(f"no AI key {key_id}", field="id")
        if key.disable(DisabledBecause.BY_STAFF):
            self._saver.save(store, principal, "DisableAiKey", key)
        self.generation += 1

    # -- the platform's keys (the operator, from the command line) ---------------------------

    def add_platform_key(self, command: AddAiKey, actor: Actor) -> UUID:
        key = AiKey.add(None, command.label, self._sealed(command.key))
        with recording("AddPlatformAiKey", actor=actor, tenant_id=None):
            saved = self._stores.platform().save_and_locate(key)
        self._saver.wait(self._stores.platform(), saved)
        self.generation += 1
        return key.id

    def disable_platform_key(self, key_id: UUID, actor: Actor) -> None:
        store = self._stores.platform()
        key = find(store, AiKey, key_id)
        if key is None or key.tenant_id is not None:
            raise NotFound(f"no platform AI key {key_id}", field="id")
        if key.disable(DisabledBecause.BY_STAFF):
            with recording("DisablePlatformAiKey", actor=actor, tenant_id=None):
                saved = store.save_and_locate(key)
            self._saver.wait(store, saved)
        self.generation += 1

    # -- for the model adapter ---------------------------------------------------------------

    def ring(self, tenant_id: UUID) -> list[OpenKey]:
        """The keys a call for this tenant may use, opened: its own first, then the platform's.
        Disabled keys are left out; cooling ones come with the models they rest on."""
        own = self._open(self._stores.for_tenant(tenant_id), tenant_id)
        return own + self._open(self._stores.platform(), None)

    def cooled(self, key: OpenKey, model: str, until: datetime, fault: KeyFault) -> None:
        store, aggregate = self._aggregate(key)
        if aggregate is not None and aggregate.cool_down(model, until, fault):
            self._record(store, key, "CoolDownAiKey", aggregate)

    def rejected(self, key: OpenKey, fault: KeyFault) -> None:
        """The provider refused the key: disable it and tell the tenant's staff (a platform
        key's refusal is the operator's to see, in the log and `niaga ai keys list`)."""
        store, aggregate = self._aggregate(key)
        if aggregate is None or not aggregate.disable(DisabledBecause.INVALID, fault):
            return
        if key.tenant_id is None:
            log.error("platform AI key %s (%s) disabled: %s", key.id, key.label, fault.shown())
            self._record(store, key, "DisableAiKey", aggregate)
            return
        notice = NotificationRequest.request(
            key.tenant_id,
            None,
            DISABLED_TEMPLATE,
            {"label": aggregate.label, "galat": fault.shown()[:200]},
            key.id,
            "ai-key-disabled",
        )
        self._record(store, key, "DisableAiKey", aggregate, notice)

    # -- helpers -----------------------------------------------------------------------------

    def _sealed(self, raw: str) -> str:
        return self._secrets.seal(check_line(raw.strip(), "key", max_length=MAX_KEY_LENGTH), "key")

    def _open(self, store: EventStore, tenant_id: UUID | None) -> list[OpenKey]:
        now = self._clock.now()
        views = self._read_models.keys(store, tenant_id, now)
        wanted = [v.id for v in views if v.status != KeyStatus.DISABLED.value]
        found = store.get_many(wanted) if wanted else {}
        opened = []
        for key_id in wanted:
            key = found.get(key_id)
            if isinstance(key, AiKey) and key.tenant_id == tenant_id and key.disabled is None:
                opened.append(
                    OpenKey(
                        key.id,
                        tenant_id,
                        key.label,
                        self._secrets.open(key.key_sealed),
                        key.cooling,
                    )
                )
        return opened

    def _aggregate(self, key: OpenKey) -> tuple[EventStore, AiKey | None]:
        store = (
            self._stores.platform()
            if key.tenant_id is None
            else self._stores.for_tenant(key.tenant_id)
        )
        return store, find(store, AiKey, key.id)

    def _record(self, store: EventStore, key: OpenKey, command: str, *objs: Any) -> None:
        """Another process recording the same change first is fine: its record stands."""
        try:
            with recording(command, actor=AI, tenant_id=key.tenant_id):
                saved = store.save_and_locate(*objs)
            # Brief: the AI call that reported this waits on nobody's read models for long.
            self._sync.wait(store, saved, timeout=BOOKKEEPING_WAIT)
        except IntegrityError:
            log.info("%s of AI key %s was recorded concurrently", command, key.id)
        except Exception as error:  # bookkeeping never fails the AI call that reported it
            log.warning("could not record %s of AI key %s: %s", command, key.id, error)
        self.generation += 1

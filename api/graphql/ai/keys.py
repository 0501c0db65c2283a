"""AI in GraphQL: a tenant's own API keys (they go in sealed and never come out) and its AI
switch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.ai.keys import AddAiKey
from application.ai.ports import AiKeyView
from application.ai.settings import AiSettingsView


@strawberry.type(description="An API key for the language model: its label and state, never it.")
class AiKey:
    id: strawberry.ID
    label: str
    scope: str = strawberry.field(description="tenant (your own key) or platform")
    status: str = strawberry.field(description="active, cooling (rate-limited) or disabled")
    cooling_until: datetime | None
    disabled_reason: str | None = strawberry.field(description="invalid_key or by_staff")
    last_error: str | None = strawberry.field(description="What the provider last answered")
    added_at: datetime

    @classmethod
    def from_view(cls, view: AiKeyView) -> AiKey:
        return cls(
            id=strawberry.ID(str(view.id)),
            label=view.label,
            scope=view.scope,
            status=view.status,
            cooling_until=view.cooling_until,
            disabled_reason=view.disabled_reason,
            last_error=view.last_error,
            added_at=view.added_at,
        )


@strawberry.type(description="Whether features may ask the language model for your tenant.")
class AiSettings:
    enabled: bool = strawberry.field(description="Your switch; off, features use rules only")
    keys_available: bool = strawberry.field(
        description="A usable key exists (your own or the platform's); without one AI is off"
    )

    @classmethod
    def from_view(cls, view: AiSettingsView) -> AiSettings:
        return cls(enabled=view.enabled, keys_available=view.keys_available)


@strawberry.input(description="An API key of your own (Gemini); it is sealed and never shown.")
class AddAiKeyInput:
    key: str
    label: str = "key"


@strawberry.type
class AiKeySuccess:
    key: AiKey


@strawberry.type
class AiSettingsSuccess:
    settings: AiSettings


AiKeyResult = Annotated[AiKeySuccess | Errors, strawberry.union("AiKeyResult")]
AiSettingsResult = Annotated[AiSettingsSuccess | Errors, strawberry.union("AiSettingsResult")]


@strawberry.type
class AiQuery:
    @strawberry.field(description="Your tenant's own AI keys, oldest first (owners and admins).")
    async def ai_keys(self, info: NiagaInfo) -> list[AiKey]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.ai_queries.keys(who))
        return [AiKey.from_view(v) for v in views]

    @strawberry.field(description="Your AI switch, and whether a key is there to use.")
    async def ai_settings(self, info: NiagaInfo) -> AiSettings:
        services, who = info.context.services, info.context.principal
        return AiSettings.from_view(await query(lambda: services.ai_queries.settings(who)))


@strawberry.type
class AiMutation:
    @strawberry.mutation(description="Add an AI key of your own; used for your tenant first.")
    async def add_ai_key(self, info: NiagaInfo, input: AddAiKeyInput) -> AiKeyResult:
        services, who = info.context.services, info.context.principal
        command = AddAiKey(input.key, input.label)

        def add() -> AiKeySuccess:
            key_id = services.ai_keys.add(who, command)
            view = found(services.ai_queries.key(who, key_id), "AI key")
            return AiKeySuccess(key=AiKey.from_view(view))

        return await run_command(add)

    @strawberry.mutation(description="Disable one of your AI keys for good.")
    async def disable_ai_key(self, info: NiagaInfo, id: strawberry.ID) -> AiKeyResult:
        services, who = info.context.services, info.context.principal

        def disable() -> AiKeySuccess:
            key_id = parse_id(id, "id")
            services.ai_keys.disable(who, key_id)
            view = found(services.ai_queries.key(who, key_id), "AI key")
            return AiKeySuccess(key=AiKey.from_view(view))

        return await run_command(disable)

    @strawberry.mutation(description="Switch AI on or off for your tenant.")
    async def set_ai_enabled(self, info: NiagaInfo, enabled: bool) -> AiSettingsResult:
        services, who = info.context.services, info.context.principal

        def switch() -> AiSettingsSuccess:
            services.ai_switch.switch(who, enabled)
            return AiSettingsSuccess(
                settings=AiSettings.from_view(services.ai_queries.settings(who))
            )

        return await run_command(switch)

"""The AI services of one container, wired from settings."""

from __future__ import annotations

import time
from dataclasses import dataclass

from adapters.ai.breaker import CircuitBreaker
from adapters.ai.cost_read_models import PostgresAiCostReadModels, UnknownPlatformRevenue
from adapters.ai.gemini import GeminiConfig, GeminiModels
from adapters.ai.key_pool import KeyPool
from adapters.ai.read_models import PostgresAiKeyReadModels
from adapters.shared.settings import Settings
from adapters.shared.stores import PostgresStores
from application.ai.costs import AiBudgets, AiCostQueries
from application.ai.keys import AiKeys
from application.ai.masking import PiiMasking
from application.ai.ports import ModelPrice
from application.ai.precheck import Prechecks
from application.ai.precheck_rules import PrecheckRuleSettings
from application.ai.queries import AiQueries
from application.ai.service import AiService
from application.ai.settings import AiSwitch
from application.shared.clock import Clock, SystemClock
from application.shared.ports import ReadModels, ReadModelSync
from application.shared.secrets import SecretBox


@dataclass
class AiWiring:
    keys: AiKeys
    switch: AiSwitch
    queries: AiQueries
    service: AiService
    models: GeminiModels
    breaker: CircuitBreaker
    budgets: AiBudgets
    costs: AiCostQueries
    prechecks: Prechecks
    precheck_rules: PrecheckRuleSettings

    def close(self) -> None:
        self.models.close()


def gemini_config(settings: Settings) -> GeminiConfig:
    return GeminiConfig(
        base_url=settings.niaga_ai_base_url,
        api_version=settings.niaga_ai_api_version,
        models=settings.ai_models,
        embedding_model=settings.niaga_ai_embedding_model,
        embedding_dimensions=settings.niaga_ai_embedding_dimensions,
        timeout_seconds=settings.niaga_ai_timeout_seconds,
        deadline_seconds=settings.niaga_ai_deadline_seconds,
        retries=settings.niaga_ai_retries,
        backoff_seconds=settings.niaga_ai_backoff_seconds,
        cooldown_seconds=settings.niaga_ai_cooldown_seconds,
        error_rest_seconds=settings.niaga_ai_error_rest_seconds,
    )


def ai_services(
    settings: Settings,
    stores: PostgresStores,
    sync: ReadModelSync,
    secrets: SecretBox,
    clock: Clock,
    tenants: ReadModels,
) -> AiWiring:
    read_models = PostgresAiKeyReadModels(stores)
    keys = AiKeys(stores, sync, secrets, read_models, clock)
    switch = AiSwitch(stores, sync)
    pool = KeyPool(
        keys.ring, lambda: keys.generation, keys, clock, settings.niaga_ai_key_refresh_seconds
    )
    breaker = CircuitBreaker(
        settings.niaga_ai_breaker_failures, settings.niaga_ai_breaker_open_seconds, time.monotonic
    )
    models = GeminiModels(gemini_config(settings), pool, breaker)
    prices = {
        model: ModelPrice(input_price, output_price)
        for model, (input_price, output_price) in settings.niaga_ai_prices.items()
    }
    # The event log's timestamps, which date each call's cost, are the system clock's.
    budgets = AiBudgets(stores, sync, PostgresAiCostReadModels(stores), SystemClock())
    service = AiService(
        models,
        switch.enabled,
        PiiMasking(),
        prices,
        settings.niaga_ai_json_attempts,
        over_budget=budgets.exhausted,
    )
    costs = AiCostQueries(
        stores, PostgresAiCostReadModels(stores), tenants, budgets, UnknownPlatformRevenue()
    )
    rules = PrecheckRuleSettings(stores, sync)
    return AiWiring(
        keys,
        switch,
        AiQueries(stores, read_models, switch, clock),
        service,
        models,
        breaker,
        budgets,
        costs,
        Prechecks(stores, sync, clock, service, rules),
        rules,
    )

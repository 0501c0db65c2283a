"""The tenant's SOP thresholds for the pre-check: read by those who check, set by owners and
admins."""

from __future__ import annotations

from dataclasses import dataclass

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver, find
from domain.ai.precheck_rules import Limits, PrecheckRules, Thresholds
from domain.platform.tenant import Tenant


@dataclass(frozen=True)
class PrecheckRulesView:
    max_discount_percent: int
    payment_terms_days: int  # in force: the tenant's own, or its billing policy's
    follows_billing_policy: bool
    ppn_tolerance_idr: int


class PrecheckRuleSettings:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def set(self, principal: Principal, thresholds: Thresholds) -> PrecheckRulesView:
        """Change the thresholds (owners and admins); nothing is recorded when they are the same."""
        authorize(principal, Permission.MANAGE_TENANT)
        store = self._stores.for_tenant(principal.tenant_id)
        rules = self._rules(store, principal) or PrecheckRules.start(principal.tenant_id)
        rules.change(thresholds)
        if rules.pending_events:
            self._saver.save(store, principal, "SetPrecheckRules", rules)
        return self._view(rules.thresholds, tenant_of(self._stores, principal.tenant_id))

    def view(self, principal: Principal) -> PrecheckRulesView:
        authorize(principal, Permission.READ_BILLING)
        store = self._stores.for_tenant(principal.tenant_id)
        rules = self._rules(store, principal)
        thresholds = rules.thresholds if rules else Thresholds()
        return self._view(thresholds, tenant_of(self._stores, principal.tenant_id))

    def limits(self, store: EventStore, tenant: Tenant) -> Limits:
        """The thresholds a check of the tenant's applies now."""
        rules = find(store, PrecheckRules, PrecheckRules.id_for(tenant.id))
        thresholds = rules.thresholds if rules else Thresholds()
        return thresholds.limits(tenant.billing_policy.payment_terms_days)

    def _rules(self, store: EventStore, principal: Principal) -> PrecheckRules | None:
        return find(store, PrecheckRules, PrecheckRules.id_for(principal.tenant_id))

    def _view(self, thresholds: Thresholds, tenant: Tenant) -> PrecheckRulesView:
        limits = thresholds.limits(tenant.billing_policy.payment_terms_days)
        return PrecheckRulesView(
            limits.max_discount_percent,
            limits.payment_terms_days,
            thresholds.payment_terms_days is None,
            limits.ppn_tolerance_idr,
        )

"""Plan use-cases: create plans, reprice them, add promotions, retire them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, load
from domain.billing.plan import BillingMode, Plan, PromotionKind, ServiceType, new_promotion


@dataclass(frozen=True)
class CreatePlan:
    name: str
    price: int
    router_profile: str
    service_type: ServiceType
    billing_mode: BillingMode
    validity_days: int = 30
    taxable: bool = True


@dataclass(frozen=True)
class AddPromotion:
    plan_id: UUID
    code: str
    kind: PromotionKind
    value: int
    cycles: int


class PlanService:
    def __init__(self, stores: Stores, sync: ReadModelSync) -> None:
        self._stores = stores
        self._saver = Saver(sync)

    def create(self, principal: Principal, command: CreatePlan) -> UUID:
        authorize(principal, Permission.MANAGE_PLANS)
        plan = Plan.create(
            principal.tenant_id,
            command.name,
            command.price,
            command.router_profile,
            command.service_type,
            command.billing_mode,
            command.validity_days,
            command.taxable,
        )
        self._saver.save(self._store(principal), principal, "CreatePlan", plan)
        return plan.id

    def change_price(self, principal: Principal, plan_id: UUID, price: int) -> None:
        authorize(principal, Permission.MANAGE_PLANS)
        store = self._store(principal)
        plan = load(store, Plan, plan_id, principal.tenant_id, "plan")
        plan.change_price(price)
        self._saver.save(store, principal, "ChangePlanPrice", plan)

    def add_promotion(self, principal: Principal, command: AddPromotion) -> None:
        authorize(principal, Permission.MANAGE_PLANS)
        store = self._store(principal)
        plan = load(store, Plan, command.plan_id, principal.tenant_id, "plan")
        plan.add_promotion(new_promotion(command.code, command.kind, command.value, command.cycles))
        self._saver.save(store, principal, "AddPromotion", plan)

    def retire(self, principal: Principal, plan_id: UUID) -> None:
        authorize(principal, Permission.MANAGE_PLANS)
        store = self._store(principal)
        plan = load(store, Plan, plan_id, principal.tenant_id, "plan")
        plan.retire()
        self._saver.save(store, principal, "RetirePlan", plan)

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

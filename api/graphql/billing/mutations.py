"""Billing mutations: plans, subscriptions, invoices, payments, transfers, runs, policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import strawberry
from graphql import GraphQLError

from api.graphql.billing import types as t
from api.graphql.billing.inputs import (
    AddPromotionInput,
    Allocation,
    BillingPolicyInput,
    BillingPolicyResult,
    BillingPolicySuccess,
    BillingRunResult,
    BillingRunSuccess,
    CreatePlanInput,
    DraftInvoiceInput,
    DunningResult,
    DunningSuccess,
    InvoiceResult,
    InvoiceSuccess,
    PaymentResult,
    PaymentSuccess,
    PlanResult,
    PlanSuccess,
    RecordPaymentInput,
    SubscribeInput,
    SubscriptionResult,
    SubscriptionSuccess,
    TenantSettingsResult,
    TenantSettingsSuccess,
    TransferResult,
    TransferSuccess,
)
from api.graphql.billing.support import parse_enum, parse_id
from api.graphql.shared.errors import (
    ValidationError,
    as_error,
)
from api.graphql.shared.support import NiagaInfo, run_command
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.plans import AddPromotion, CreatePlan
from application.billing.subscriptions import Subscribe
from application.payments.payments import RecordPayment
from application.shared.errors import NotFound
from domain.billing.plan import BillingMode, PromotionKind, ServiceType
from domain.payments.payment import PaymentMethod
from domain.platform.tenant import BillingPolicy
from domain.shared.errors import DomainError

T = TypeVar("T")


def _parse(parse: Callable[[], Any]) -> Any:
    """Parse arguments; a bad one is a ValidationError result, like any refused input."""
    try:
        return parse()
    except GraphQLError as error:
        ext = error.extensions or {}
        return ValidationError(message=error.message, code="INVALID_VALUE", field=ext.get("field"))
    except DomainError as error:
        return as_error(error)


def _then(action: Callable[[], object], result: Callable[[], T]) -> Callable[[], T]:
    """Do the command, then build the success payload from the read model."""

    def both() -> T:
        action()
        return result()

    return both


def _plan(info: NiagaInfo, plan_id: UUID) -> PlanSuccess:
    niaga, who = info.context.niaga, info.context.principal
    view = niaga.billing_queries.plan(who, plan_id)
    if view is None:
        raise NotFound(f"no plan {plan_id}", field="id")
    return PlanSuccess(plan=t.Plan.from_view(view))


def _subscription(info: NiagaInfo, subscription_id: UUID) -> SubscriptionSuccess:
    niaga, who = info.context.niaga, info.context.principal
    view = niaga.billing_queries.subscription(who, subscription_id)
    if view is None:
        raise NotFound(f"no subscription {subscription_id}", field="id")
    return SubscriptionSuccess(subscription=t.Subscription.from_view(view))


def _invoice(info: NiagaInfo, invoice_id: UUID) -> InvoiceSuccess:
    niaga, who = info.context.niaga, info.context.principal
    return InvoiceSuccess(
        invoice=t.Invoice.from_view(niaga.billing_queries.required_invoice(who, invoice_id))
    )


def _payment(outcome: Any) -> PaymentSuccess:
    return PaymentSuccess(
        payment_id=strawberry.ID(str(outcome.payment_id)),
        allocations=[
            Allocation(invoice_id=strawberry.ID(str(i)), amount=a)
            for i, a in outcome.allocated.items()
        ],
        credit=outcome.credit,
        reactivated_subscription_ids=[strawberry.ID(str(s)) for s in outcome.reactivated],
    )


@strawberry.type
class BillingMutation:
    @strawberry.mutation(description="Create an internet plan.")
    async def create_plan(self, info: NiagaInfo, input: CreatePlanInput) -> PlanResult:
        niaga, who = info.context.niaga, info.context.principal
        command = _parse(
            lambda: CreatePlan(
                input.name,
                input.price,
                input.router_profile,
                parse_enum(ServiceType, input.service_type, "serviceType"),
                parse_enum(BillingMode, input.billing_mode, "billingMode"),
                input.validity_days,
                input.taxable,
            )
        )
        if not isinstance(command, CreatePlan):
            return command
        return await run_command(lambda: _plan(info, niaga.plans.create(who, command)))

    @strawberry.mutation(description="Change a plan's price; existing subscriptions keep theirs.")
    async def change_plan_price(
        self, info: NiagaInfo, plan_id: strawberry.ID, price: int
    ) -> PlanResult:
        niaga, who = info.context.niaga, info.context.principal
        pid = _parse(lambda: parse_id(plan_id, "planId"))
        if not isinstance(pid, UUID):
            return pid
        return await run_command(
            _then(lambda: niaga.plans.change_price(who, pid, price), lambda: _plan(info, pid))
        )

    @strawberry.mutation(
        description="Add a promotion (percentage, fixed or first month free) to a plan."
    )
    async def add_promotion(self, info: NiagaInfo, input: AddPromotionInput) -> PlanResult:
        niaga, who = info.context.niaga, info.context.principal
        command = _parse(
            lambda: AddPromotion(
                parse_id(input.plan_id, "planId"),
                input.code,
                parse_enum(PromotionKind, input.kind, "kind"),
                input.value,
                input.cycles,
            )
        )
        if not isinstance(command, AddPromotion):
            return command
        return await run_command(
            _then(
                lambda: niaga.plans.add_promotion(who, command),
                lambda: _plan(info, command.plan_id),
            )
        )

    @strawberry.mutation(description="Retire a plan: no new subscriptions.")
    async def retire_plan(self, info: NiagaInfo, plan_id: strawberry.ID) -> PlanResult:
        niaga, who = info.context.niaga, info.context.principal
        pid = _parse(lambda: parse_id(plan_id, "planId"))
        if not isinstance(pid, UUID):
            return pid
        return await run_command(
            _then(lambda: niaga.plans.retire(who, pid), lambda: _plan(info, pid))
        )

    @strawberry.mutation(description="Subscribe a customer to a plan on a router.")
    async def subscribe(self, info: NiagaInfo, input: SubscribeInput) -> SubscriptionResult:
        niaga, who = info.context.niaga, info.context.principal
        command = _parse(
            lambda: Subscribe(
                parse_id(input.customer_id, "customerId"),
                parse_id(input.plan_id, "planId"),
                input.billing_day,
                input.router,
                input.username,
                input.promotion_code,
                input.activate_on,
                input.password,
            )
        )
        if not isinstance(command, Subscribe):
            return command
        return await run_command(
            lambda: _subscription(info, niaga.subscriptions.subscribe(who, command))
        )

    @strawberry.mutation(description="Activate a pending subscription (default: today).")
    async def activate_subscription(
        self,
        info: NiagaInfo,
        id: strawberry.ID,
        on: date | None = None,
    ) -> SubscriptionResult:
        return await _subscription_change(info, id, lambda s, who, sid: s.activate(who, sid, on))

    @strawberry.mutation(
        description="Move a subscription to another plan: upgrades at once, downgrades next cycle."
    )
    async def change_plan(
        self,
        info: NiagaInfo,
        id: strawberry.ID,
        plan_id: strawberry.ID,
    ) -> SubscriptionResult:
        pid = _parse(lambda: parse_id(plan_id, "planId"))
        if not isinstance(pid, UUID):
            return pid
        return await _subscription_change(
            info, id, lambda s, who, sid: s.change_plan(who, sid, pid)
        )

    @strawberry.mutation(description="Restrict a subscription (isolir).")
    async def soft_limit_subscription(
        self, info: NiagaInfo, id: strawberry.ID, reason: str
    ) -> SubscriptionResult:
        return await _subscription_change(
            info, id, lambda s, who, sid: s.soft_limit(who, sid, reason)
        )

    @strawberry.mutation(description="Suspend a subscription.")
    async def suspend_subscription(
        self, info: NiagaInfo, id: strawberry.ID, reason: str
    ) -> SubscriptionResult:
        return await _subscription_change(info, id, lambda s, who, sid: s.suspend(who, sid, reason))

    @strawberry.mutation(description="Reactivate a soft-limited or suspended subscription.")
    async def reactivate_subscription(
        self, info: NiagaInfo, id: strawberry.ID
    ) -> SubscriptionResult:
        return await _subscription_change(info, id, lambda s, who, sid: s.reactivate(who, sid))

    @strawberry.mutation(description="Terminate a subscription for good.")
    async def terminate_subscription(
        self, info: NiagaInfo, id: strawberry.ID, reason: str
    ) -> SubscriptionResult:
        return await _subscription_change(
            info, id, lambda s, who, sid: s.terminate(who, sid, reason)
        )

    @strawberry.mutation(description="Draft a one-off invoice (issue it to number it).")
    async def draft_invoice(self, info: NiagaInfo, input: DraftInvoiceInput) -> InvoiceResult:
        niaga, who = info.context.niaga, info.context.principal
        command = _parse(
            lambda: DraftInvoice(
                parse_id(input.customer_id, "customerId"),
                [
                    LineInput(i.kind, i.description, i.quantity, i.unit_price, i.taxable)
                    for i in input.lines
                ],
            )
        )
        if not isinstance(command, DraftInvoice):
            return command
        return await run_command(lambda: _invoice(info, niaga.invoicing.draft(who, command)))

    @strawberry.mutation(description="Issue a drafted invoice: the next number and a due date.")
    async def issue_invoice(self, info: NiagaInfo, id: strawberry.ID) -> InvoiceResult:
        return await _invoice_change(info, id, lambda s, who, iid: s.issue(who, iid))

    @strawberry.mutation(description="Void an invoice without payments (finance).")
    async def void_invoice(self, info: NiagaInfo, id: strawberry.ID, reason: str) -> InvoiceResult:
        return await _invoice_change(info, id, lambda s, who, iid: s.void(who, iid, reason))

    @strawberry.mutation(description="Issue a credit note against an invoice (finance).")
    async def credit_invoice(
        self,
        info: NiagaInfo,
        id: strawberry.ID,
        amount: int,
        reason: str,
    ) -> InvoiceResult:
        return await _invoice_change(
            info, id, lambda s, who, iid: s.credit(who, iid, amount, reason)
        )

    @strawberry.mutation(
        description="Record money received; allocated oldest invoice first (finance)."
    )
    async def record_payment(self, info: NiagaInfo, input: RecordPaymentInput) -> PaymentResult:
        niaga, who = info.context.niaga, info.context.principal
        command = _parse(
            lambda: RecordPayment(
                parse_id(input.customer_id, "customerId"),
                input.amount,
                parse_enum(PaymentMethod, input.method, "method"),
                input.reference,
            )
        )
        if not isinstance(command, RecordPayment):
            return command
        return await run_command(lambda: _payment(niaga.payments.record(who, command)))

    @strawberry.mutation(
        description="Submit a manual bank transfer with its proof, for finance to approve."
    )
    async def submit_transfer(
        self, info: NiagaInfo, customer_id: strawberry.ID, amount: int, proof_reference: str
    ) -> TransferResult:
        niaga, who = info.context.niaga, info.context.principal
        cid = _parse(lambda: parse_id(customer_id, "customerId"))
        if not isinstance(cid, UUID):
            return cid
        return await run_command(
            lambda: TransferSuccess(
                transfer_id=strawberry.ID(
                    str(niaga.payments.submit_transfer(who, cid, amount, proof_reference))
                )
            )
        )

    @strawberry.mutation(description="Approve a submitted transfer: records the payment (finance).")
    async def approve_transfer(self, info: NiagaInfo, id: strawberry.ID) -> PaymentResult:
        niaga, who = info.context.niaga, info.context.principal
        tid = _parse(lambda: parse_id(id, "id"))
        if not isinstance(tid, UUID):
            return tid
        return await run_command(lambda: _payment(niaga.payments.approve_transfer(who, tid)))

    @strawberry.mutation(description="Reject a submitted transfer (finance).")
    async def reject_transfer(
        self, info: NiagaInfo, id: strawberry.ID, reason: str
    ) -> TransferResult:
        niaga, who = info.context.niaga, info.context.principal
        tid = _parse(lambda: parse_id(id, "id"))
        if not isinstance(tid, UUID):
            return tid
        return await run_command(
            _then(
                lambda: niaga.payments.reject_transfer(who, tid, reason),
                lambda: TransferSuccess(transfer_id=strawberry.ID(str(tid))),
            )
        )

    @strawberry.mutation(
        description="Issue the invoices of every subscription due on a day (default today)."
    )
    async def run_billing(self, info: NiagaInfo, on: date | None = None) -> BillingRunResult:
        niaga, who = info.context.niaga, info.context.principal

        def run() -> BillingRunSuccess:
            report = niaga.billing_run.run(who, on or niaga.today(who.tenant_id))
            return BillingRunSuccess(
                on=report.on,
                subscriptions=report.subscriptions,
                invoices=report.invoices,
                total=report.total,
            )

        return await run_command(run)

    @strawberry.mutation(
        description="Send due reminders and restrict unpaid subscriptions (default: today)."
    )
    async def run_dunning(self, info: NiagaInfo, on: date | None = None) -> DunningResult:
        niaga, who = info.context.niaga, info.context.principal

        def run() -> DunningSuccess:
            r = niaga.dunning.run(who, on or niaga.today(who.tenant_id))
            return DunningSuccess(
                on=r.on,
                reminders=r.reminders,
                soft_limited=len(r.soft_limited),
                suspended=len(r.suspended),
                terminated=len(r.terminated),
            )

        return await run_command(run)

    @strawberry.mutation(
        description="Set payment terms, grace, escalation days, reminders and numbering."
    )
    async def change_billing_policy(
        self, info: NiagaInfo, input: BillingPolicyInput
    ) -> BillingPolicyResult:
        niaga, who = info.context.niaga, info.context.principal
        policy = BillingPolicy(
            input.payment_terms_days,
            input.grace_days,
            input.suspend_after_days,
            input.terminate_after_days,
            tuple(input.reminder_offsets),
            input.numbering_reset,
        )

        def change() -> BillingPolicySuccess:
            p = niaga.tenants.change_billing_policy_as(who, policy)
            return BillingPolicySuccess(
                payment_terms_days=p.payment_terms_days,
                grace_days=p.grace_days,
                suspend_after_days=p.suspend_after_days,
                terminate_after_days=p.terminate_after_days,
                reminder_offsets=list(p.reminder_offsets),
                numbering_reset=p.numbering_reset,
            )

        return await run_command(change)

    @strawberry.mutation(
        description="Set your PKP status (whether PPN is charged), invoice prefix and time zone."
    )
    async def update_tenant_settings(
        self,
        info: NiagaInfo,
        pkp: bool | None = None,
        invoice_prefix: str | None = None,
        timezone: str | None = None,
    ) -> TenantSettingsResult:
        niaga, who = info.context.niaga, info.context.principal

        def change() -> TenantSettingsSuccess:
            tenant = niaga.tenants.change_settings_as(
                who, pkp=pkp, invoice_prefix=invoice_prefix, timezone=timezone
            )
            return TenantSettingsSuccess(
                name=tenant.name,
                pkp=tenant.pkp,
                invoice_prefix=tenant.invoice_prefix,
                timezone=tenant.timezone,
            )

        return await run_command(change)


async def _subscription_change(
    info: NiagaInfo, raw_id: str, change: Callable[[Any, Any, UUID], None]
) -> Any:
    niaga, who = info.context.niaga, info.context.principal
    sid = _parse(lambda: parse_id(raw_id, "id"))
    if not isinstance(sid, UUID):
        return sid

    def run() -> SubscriptionSuccess:
        change(niaga.subscriptions, who, sid)
        return _subscription(info, sid)

    return await run_command(run)


async def _invoice_change(
    info: NiagaInfo, raw_id: str, change: Callable[[Any, Any, UUID], object]
) -> Any:
    niaga, who = info.context.niaga, info.context.principal
    iid = _parse(lambda: parse_id(raw_id, "id"))
    if not isinstance(iid, UUID):
        return iid

    def run() -> InvoiceSuccess:
        change(niaga.invoicing, who, iid)
        return _invoice(info, iid)

    return await run_command(run)

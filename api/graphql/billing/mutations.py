"""Billing mutations: plans, subscriptions, invoices, payments, transfers, runs, policy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import strawberry

from adapters.bootstrap import Services
from api.graphql.billing import types as t
from api.graphql.billing.inputs import (
    AddPromotionInput,
    Allocation,
    BankAccount,
    BankAccountInput,
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
from api.graphql.shared.parsing import found, parse_enum, parse_id
from api.graphql.shared.support import NiagaInfo, run_command
from application.billing.invoicing import DraftInvoice, LineInput
from application.billing.plans import AddPromotion, CreatePlan
from application.billing.subscriptions import Subscribe
from application.payments.payments import PaymentOutcome, RecordPayment
from application.platform.tenants import ChangeLegalDetails
from application.shared.context import Principal
from domain.billing.plan import BillingMode, PromotionKind, ServiceType
from domain.payments.payment import PaymentMethod
from domain.platform import legal_details
from domain.platform.tenant import BillingPolicy, Tenant


def _plan(services: Services, who: Principal, plan_id: UUID) -> PlanSuccess:
    view = found(services.billing_queries.plan(who, plan_id), "plan")
    return PlanSuccess(plan=t.Plan.from_view(view))


def _subscription(services: Services, who: Principal, subscription_id: UUID) -> SubscriptionSuccess:
    view = found(services.billing_queries.subscription(who, subscription_id), "subscription")
    return SubscriptionSuccess(subscription=t.Subscription.from_view(view))


def _invoice(services: Services, who: Principal, invoice_id: UUID) -> InvoiceSuccess:
    view = found(services.billing_queries.invoice(who, invoice_id), "invoice")
    return InvoiceSuccess(invoice=t.Invoice.from_view(view))


def _payment(outcome: PaymentOutcome) -> PaymentSuccess:
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
        services, who = info.context.services, info.context.principal

        def create() -> PlanSuccess:
            command = CreatePlan(
                input.name,
                input.price,
                input.router_profile,
                parse_enum(ServiceType, input.service_type, "serviceType"),
                parse_enum(BillingMode, input.billing_mode, "billingMode"),
                input.validity_days,
                input.taxable,
            )
            return _plan(services, who, services.plans.create(who, command))

        return await run_command(create)

    @strawberry.mutation(description="Change a plan's price; existing subscriptions keep theirs.")
    async def change_plan_price(
        self, info: NiagaInfo, plan_id: strawberry.ID, price: int
    ) -> PlanResult:
        return await _plan_change(
            info, plan_id, lambda s, who, pid: s.change_price(who, pid, price)
        )

    @strawberry.mutation(
        description="Add a promotion (percentage, fixed or first month free) to a plan."
    )
    async def add_promotion(self, info: NiagaInfo, input: AddPromotionInput) -> PlanResult:
        services, who = info.context.services, info.context.principal

        def add() -> PlanSuccess:
            command = AddPromotion(
                parse_id(input.plan_id, "planId"),
                input.code,
                parse_enum(PromotionKind, input.kind, "kind"),
                input.value,
                input.cycles,
            )
            services.plans.add_promotion(who, command)
            return _plan(services, who, command.plan_id)

        return await run_command(add)

    @strawberry.mutation(description="Retire a plan: no new subscriptions.")
    async def retire_plan(self, info: NiagaInfo, plan_id: strawberry.ID) -> PlanResult:
        return await _plan_change(info, plan_id, lambda s, who, pid: s.retire(who, pid))

    @strawberry.mutation(description="Subscribe a customer to a plan on a router.")
    async def subscribe(self, info: NiagaInfo, input: SubscribeInput) -> SubscriptionResult:
        services, who = info.context.services, info.context.principal

        def subscribe() -> SubscriptionSuccess:
            command = Subscribe(
                parse_id(input.customer_id, "customerId"),
                parse_id(input.plan_id, "planId"),
                input.billing_day,
                input.router,
                input.username,
                input.promotion_code,
                input.activate_on,
                input.password,
            )
            return _subscription(services, who, services.subscriptions.subscribe(who, command))

        return await run_command(subscribe)

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
        return await _subscription_change(
            info, id, lambda s, who, sid: s.change_plan(who, sid, parse_id(plan_id, "planId"))
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
        services, who = info.context.services, info.context.principal

        def draft() -> InvoiceSuccess:
            command = DraftInvoice(
                parse_id(input.customer_id, "customerId"),
                [
                    LineInput(i.kind, i.description, i.quantity, i.unit_price, i.taxable)
                    for i in input.lines
                ],
            )
            return _invoice(services, who, services.invoicing.draft(who, command))

        return await run_command(draft)

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
        services, who = info.context.services, info.context.principal

        def record() -> PaymentSuccess:
            command = RecordPayment(
                parse_id(input.customer_id, "customerId"),
                input.amount,
                parse_enum(PaymentMethod, input.method, "method"),
                input.reference,
            )
            return _payment(services.payments.record(who, command))

        return await run_command(record)

    @strawberry.mutation(
        description="Submit a manual bank transfer with its proof, for finance to approve."
    )
    async def submit_transfer(
        self, info: NiagaInfo, customer_id: strawberry.ID, amount: int, proof_reference: str
    ) -> TransferResult:
        services, who = info.context.services, info.context.principal

        def submit() -> TransferSuccess:
            customer = parse_id(customer_id, "customerId")
            transfer = services.payments.submit_transfer(who, customer, amount, proof_reference)
            return TransferSuccess(transfer_id=strawberry.ID(str(transfer)))

        return await run_command(submit)

    @strawberry.mutation(description="Approve a submitted transfer: records the payment (finance).")
    async def approve_transfer(self, info: NiagaInfo, id: strawberry.ID) -> PaymentResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: _payment(services.payments.approve_transfer(who, parse_id(id, "id")))
        )

    @strawberry.mutation(description="Reject a submitted transfer (finance).")
    async def reject_transfer(
        self, info: NiagaInfo, id: strawberry.ID, reason: str
    ) -> TransferResult:
        services, who = info.context.services, info.context.principal

        def reject() -> TransferSuccess:
            transfer = parse_id(id, "id")
            services.payments.reject_transfer(who, transfer, reason)
            return TransferSuccess(transfer_id=strawberry.ID(str(transfer)))

        return await run_command(reject)

    @strawberry.mutation(
        description="Issue the invoices of every subscription due on a day (default today)."
    )
    async def run_billing(self, info: NiagaInfo, on: date | None = None) -> BillingRunResult:
        services, who = info.context.services, info.context.principal

        def run() -> BillingRunSuccess:
            report = services.billing_run.run(who, on or services.calendar.today(who.tenant_id))
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
        services, who = info.context.services, info.context.principal

        def run() -> DunningSuccess:
            r = services.dunning.run(who, on or services.calendar.today(who.tenant_id))
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
        services, who = info.context.services, info.context.principal

        def change() -> BillingPolicySuccess:
            policy = BillingPolicy(
                input.payment_terms_days,
                input.grace_days,
                input.suspend_after_days,
                input.terminate_after_days,
                tuple(input.reminder_offsets),
                input.numbering_reset,
            )
            p = services.tenants.change_billing_policy_as(who, policy)
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
        description=(
            "Set your PKP status (whether PPN is charged), invoice prefix, time zone, and what "
            "your invoices say about you: legal name, address, NPWP (15 or 16 digits) and up to "
            "5 bank accounts. What is left out is kept; an empty text removes a value and a "
            "list of bank accounts replaces them. One refused value changes nothing."
        )
    )
    async def update_tenant_settings(
        self,
        info: NiagaInfo,
        pkp: bool | None = None,
        invoice_prefix: str | None = None,
        timezone: str | None = None,
        legal_name: str | None = None,
        address: str | None = None,
        npwp: str | None = None,
        bank_accounts: list[BankAccountInput] | None = None,
    ) -> TenantSettingsResult:
        services, who = info.context.services, info.context.principal
        legal = _legal_change(legal_name, address, npwp, bank_accounts)

        def change() -> TenantSettingsSuccess:
            tenant = services.tenants.change_settings_as(
                who, pkp=pkp, invoice_prefix=invoice_prefix, timezone=timezone, legal=legal
            )
            return _tenant_settings(tenant)

        return await run_command(change)


def _legal_change(
    legal_name: str | None,
    address: str | None,
    npwp: str | None,
    bank_accounts: list[BankAccountInput] | None,
) -> ChangeLegalDetails | None:
    """The legal details to change, or None when the mutation names none of them."""
    if (legal_name, address, npwp, bank_accounts) == (None, None, None, None):
        return None
    accounts = None
    if bank_accounts is not None:
        accounts = [legal_details.BankAccount(a.bank, a.number, a.holder) for a in bank_accounts]
    return ChangeLegalDetails(legal_name, address, npwp, accounts)


def _tenant_settings(tenant: Tenant) -> TenantSettingsSuccess:
    details = tenant.legal_details
    return TenantSettingsSuccess(
        name=tenant.name,
        pkp=tenant.pkp,
        invoice_prefix=tenant.invoice_prefix,
        timezone=tenant.timezone,
        legal_name=details.legal_name,
        address=details.address,
        npwp=details.npwp,
        bank_accounts=[
            BankAccount(bank=a.bank, number=a.number, holder=a.holder)
            for a in details.bank_accounts
        ],
    )


# A change to one aggregate named by id: parse the id, call the service, answer with the
# aggregate as the read model shows it afterwards.
Change = Callable[[Any, Principal, UUID], object]
Answer = Callable[[Services, Principal, UUID], object]


async def _change(
    info: NiagaInfo,
    raw_id: str,
    field: str,
    service: Callable[[Services], Any],
    answer: Answer,
    change: Change,
) -> Any:
    services, who = info.context.services, info.context.principal

    def run() -> object:
        aggregate_id = parse_id(raw_id, field)
        change(service(services), who, aggregate_id)
        return answer(services, who, aggregate_id)

    return await run_command(run)


async def _plan_change(info: NiagaInfo, raw_id: str, change: Change) -> Any:
    return await _change(info, raw_id, "planId", lambda s: s.plans, _plan, change)


async def _subscription_change(info: NiagaInfo, raw_id: str, change: Change) -> Any:
    return await _change(info, raw_id, "id", lambda s: s.subscriptions, _subscription, change)


async def _invoice_change(info: NiagaInfo, raw_id: str, change: Change) -> Any:
    return await _change(info, raw_id, "id", lambda s: s.invoicing, _invoice, change)

"""The pre-check in GraphQL: check an invoice, a repair quote or a draft against the tenant's SOP
rules (and the model's eye), and the rules' thresholds."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from application.ai.precheck import PrecheckResult
from application.ai.precheck_documents import DraftLine, InvoiceDraft
from application.ai.precheck_rules import PrecheckRulesView
from domain.ai.precheck import Reason
from domain.ai.precheck_rules import (
    DEFAULT_MAX_DISCOUNT_PERCENT,
    DEFAULT_PPN_TOLERANCE_IDR,
    Thresholds,
)


@strawberry.enum(description="Who gave a reason: your SOP rules, or the language model.")
class PrecheckSource(Enum):
    RULE = "rule"
    AI = "ai"


@strawberry.type(description="Why a document may not go out as it is (message in Indonesian).")
class PrecheckReason:
    source: PrecheckSource
    code: str
    message: str

    @classmethod
    def from_reason(cls, reason: Reason) -> PrecheckReason:
        return cls(source=PrecheckSource(reason.source), code=reason.code, message=reason.message)


@strawberry.type(description="The outcome of one pre-check.")
class Precheck:
    id: strawberry.ID
    valid: bool = strawberry.field(
        description="No SOP rule is broken; the model's remarks (source AI) never decide it"
    )
    reasons: list[PrecheckReason]
    ai_status: str = strawberry.field(
        description="ok, or why the model did not answer: off, no_key, quota, timeout, "
        "invalid_answer, budget, breaker_open, provider_error (the rules answered alone)"
    )

    @classmethod
    def from_result(cls, result: PrecheckResult) -> Precheck:
        return cls(
            id=strawberry.ID(str(result.id)),
            valid=result.valid,
            reasons=[PrecheckReason.from_reason(r) for r in result.reasons],
            ai_status=result.ai_status,
        )


@strawberry.type(description="Your SOP thresholds for the pre-check.")
class PrecheckRules:
    max_discount_percent: int
    payment_terms_days: int = strawberry.field(
        description="Days from issue to due date at most (your own, or your billing policy's)"
    )
    follows_billing_policy: bool = strawberry.field(
        description="Whether the payment terms are your billing policy's"
    )
    ppn_tolerance_rupiah: int = strawberry.field(
        description="How far PPN may differ from the exact 11% effective amount (rounding)"
    )

    @classmethod
    def from_view(cls, view: PrecheckRulesView) -> PrecheckRules:
        return cls(
            max_discount_percent=view.max_discount_percent,
            payment_terms_days=view.payment_terms_days,
            follows_billing_policy=view.follows_billing_policy,
            ppn_tolerance_rupiah=view.ppn_tolerance_idr,
        )


@strawberry.input
class PrecheckLineInput:
    description: str
    unit_price: int = strawberry.field(description="Rupiah; negative on a discount line")
    quantity: int = 1
    kind: str = strawberry.field(
        default="charge", description="plan, proration, discount, charge, service or item"
    )
    taxable: bool = True


@strawberry.input(description="An invoice not yet saved.")
class PrecheckInvoiceDraftInput:
    customer_id: strawberry.ID
    lines: list[PrecheckLineInput]
    discount_percent: int = strawberry.field(default=0, description="Off every line, 0-100")
    ppn: int | None = strawberry.field(
        default=None, description="The PPN the draft charges; left out, what Niaga would charge"
    )
    issued_on: date | None = strawberry.field(default=None, description="Left out: today")
    due_on: date | None = strawberry.field(
        default=None, description="Left out: the issue date plus your payment terms"
    )


@strawberry.input(description="Every threshold; a field left out takes its default.")
class PrecheckRulesInput:
    max_discount_percent: int = DEFAULT_MAX_DISCOUNT_PERCENT
    payment_terms_days: int | None = strawberry.field(
        default=None, description="Left out or null: your billing policy's payment terms"
    )
    ppn_tolerance_rupiah: int = DEFAULT_PPN_TOLERANCE_IDR


@strawberry.type
class PrecheckSuccess:
    precheck: Precheck


@strawberry.type
class PrecheckRulesSuccess:
    rules: PrecheckRules


PrecheckResultUnion = Annotated[PrecheckSuccess | Errors, strawberry.union("PrecheckResult")]
PrecheckRulesResult = Annotated[
    PrecheckRulesSuccess | Errors, strawberry.union("PrecheckRulesResult")
]


def _draft(input: PrecheckInvoiceDraftInput) -> InvoiceDraft:
    return InvoiceDraft(
        customer_id=parse_id(input.customer_id, "customerId"),
        lines=[
            DraftLine(line.description, line.unit_price, line.quantity, line.kind, line.taxable)
            for line in input.lines
        ],
        discount_percent=input.discount_percent,
        ppn=input.ppn,
        issued_on=input.issued_on,
        due_on=input.due_on,
    )


@strawberry.type
class PrecheckQuery:
    @strawberry.field(description="Your SOP thresholds for the pre-check.")
    async def precheck_rules(self, info: NiagaInfo) -> PrecheckRules:
        services, who = info.context.services, info.context.principal
        return PrecheckRules.from_view(await query(lambda: services.precheck_rules.view(who)))


@strawberry.type
class PrecheckMutation:
    @strawberry.mutation(description="Check an invoice against your SOP rules before sending it.")
    async def precheck_invoice(self, info: NiagaInfo, id: strawberry.ID) -> PrecheckResultUnion:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: PrecheckSuccess(
                precheck=Precheck.from_result(services.prechecks.invoice(who, parse_id(id, "id")))
            )
        )

    @strawberry.mutation(description="Check a repair job's quote against your SOP rules.")
    async def precheck_quote(self, info: NiagaInfo, id: strawberry.ID) -> PrecheckResultUnion:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: PrecheckSuccess(
                precheck=Precheck.from_result(services.prechecks.quote(who, parse_id(id, "id")))
            )
        )

    @strawberry.mutation(description="Check an invoice before it is saved.")
    async def precheck_invoice_draft(
        self, info: NiagaInfo, input: PrecheckInvoiceDraftInput
    ) -> PrecheckResultUnion:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: PrecheckSuccess(
                precheck=Precheck.from_result(services.prechecks.draft(who, _draft(input)))
            )
        )

    @strawberry.mutation(description="Set your SOP thresholds for the pre-check.")
    async def set_precheck_rules(
        self, info: NiagaInfo, input: PrecheckRulesInput
    ) -> PrecheckRulesResult:
        services, who = info.context.services, info.context.principal
        thresholds = Thresholds(
            input.max_discount_percent, input.payment_terms_days, input.ppn_tolerance_rupiah
        )
        return await run_command(
            lambda: PrecheckRulesSuccess(
                rules=PrecheckRules.from_view(services.precheck_rules.set(who, thresholds))
            )
        )

"""Estimates: a quote's price from the tenant's rate card, and on request a scope summary in
Indonesian written by the language model.

The price is the deterministic part and always answers. The summary goes through the AI port
(masked: the client's name is a known value, and it is put back in the answer, which goes to
the tenant's own staff). When AI cannot answer (off, no key, over budget, failing) the estimate
comes back without it and says why. Every summary asked for is recorded (`QuoteSummary.Asked`)
with the call's usage, so it is metered and counted against the budget like any AI call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from uuid import UUID

from application.agency.quote_text import SYSTEM, summary_prompt
from application.agency.rate_cards import rate_card_of
from application.ai import Ai, AiUnavailable, Prompt, UnavailableReason
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.ports import ReadModelSync, Stores
from application.shared.tenancy import tenant_of
from application.shared.unit_of_work import Saver
from domain.agency.estimate import Estimate, estimate
from domain.agency.quotation import MAX_NOTES
from domain.agency.quote_summary import QuoteSummary
from domain.agency.rate_card import Complexity
from domain.ai import AiUsage
from domain.shared.text import check_line, check_text, printable

FEATURE = "quote_summary"
MAX_SUMMARY = 2_000  # characters kept of the model's answer


@dataclass(frozen=True)
class QuoteRequest:
    """What an estimate (and a quotation) is computed from. The client's name is for the
    summary only; a quotation names its customer."""

    features: list[str]
    complexity: Complexity
    client_name: str = ""
    notes: str = ""

    def checked(self) -> QuoteRequest:
        """The same request with its texts checked and trimmed (INVALID_VALUE naming them)."""
        client = check_line(self.client_name.strip(), "client_name", max_length=200)
        notes = check_text(self.notes.strip(), "notes", max_length=MAX_NOTES)
        return QuoteRequest(self.features, self.complexity, client, notes)


@dataclass(frozen=True)
class EstimateResult:
    estimate: Estimate
    summary: str | None
    summary_unavailable: UnavailableReason | None  # why no summary came, when one was asked


@dataclass(frozen=True)
class _Summary:
    text: str | None
    unavailable: UnavailableReason | None
    usage: AiUsage


class QuoteEstimates:
    def __init__(self, stores: Stores, sync: ReadModelSync, ai: Ai) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._ai = ai

    def estimate(
        self, principal: Principal, request: QuoteRequest, with_summary: bool = False
    ) -> EstimateResult:
        """The price of the features at the complexity, with PPN as the tenant's billing
        applies it; and, if asked, the summary (or why there is none)."""
        authorize(principal, Permission.MANAGE_QUOTES)
        store = self._stores.for_tenant(principal.tenant_id)
        tenant = tenant_of(self._stores, principal.tenant_id)
        request = request.checked()
        priced = estimate(
            rate_card_of(store, principal), request.features, request.complexity, pkp=tenant.pkp
        )
        if not with_summary:
            return EstimateResult(priced, None, None)
        summary = self._summary(principal.tenant_id, priced, request)
        asked = [line.code for line in priced.lines]
        status = summary.unavailable.value if summary.unavailable else summary.usage.outcome
        record = QuoteSummary.record(
            principal.tenant_id, asked, priced.complexity, status, summary.usage
        )
        self._saver.save(store, principal, "EstimateQuote", record)
        return EstimateResult(priced, summary.text, summary.unavailable)

    def _summary(self, tenant_id: UUID, priced: Estimate, request: QuoteRequest) -> _Summary:
        prompt = Prompt(
            summary_prompt(priced, request.client_name, request.notes),
            system=SYSTEM,
            known=(request.client_name,) if request.client_name else (),
            restore=True,
            temperature=0.3,
        )
        try:
            answer = self._ai.generate_text(tenant_id, FEATURE, prompt)
        except AiUnavailable as unavailable:
            usage = unavailable.usage or _nothing_spent(tenant_id, unavailable.reason)
            return _Summary(None, unavailable.reason, usage)
        text = printable(answer.text, MAX_SUMMARY).strip()
        if not text:  # an empty answer is no summary
            invalid = UnavailableReason.INVALID_ANSWER
            return _Summary(None, invalid, _with_outcome(answer.usage, invalid))
        return _Summary(text, None, answer.usage)


def _nothing_spent(tenant_id: UUID, reason: UnavailableReason) -> AiUsage:
    return AiUsage(tenant_id, FEATURE, None, None, 0, 0, 0, 0, reason.value)


def _with_outcome(usage: AiUsage, reason: UnavailableReason) -> AiUsage:
    return dataclasses.replace(usage, outcome=reason.value)

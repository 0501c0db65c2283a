"""The pre-check's SOP rules, given a document and thresholds: each rule names what it found in
Indonesian, only rule reasons make a document invalid, and the thresholds and budgets refuse
values out of range."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from domain.ai.budget import AiBudget, month_after, parse_month
from domain.ai.precheck import Document, Item, Precheck, Reason, Source, Subject, check
from domain.ai.precheck_rules import Limits, PrecheckRules, Thresholds
from domain.ai.usage import AiUsage
from domain.billing import ppn
from domain.shared.errors import InvalidValue

LIMITS = Limits(max_discount_percent=20, payment_terms_days=14, ppn_tolerance_idr=2)
JAN_5, JAN_19 = date(2026, 1, 5), date(2026, 1, 19)


def _invoice(**changes: object) -> Document:
    """A PKP invoice of 150,000 with the PPN PMK 131/2024 asks, due within the terms."""
    document = Document(
        subject=Subject.INVOICE,
        items=(Item("Paket Rumah 20 Mbps", 1, 150_000),),
        discount=0,
        adjustments=0,
        taxable=150_000,
        ppn=16_500,
        issued_on=JAN_5,
        due_on=JAN_19,
        customer_forgotten=False,
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def _codes(document: Document, pkp: bool = True, limits: Limits = LIMITS) -> list[str]:
    return [r.code for r in check(document, limits, pkp=pkp)]


def test_an_invoice_that_keeps_every_rule_has_no_reasons() -> None:
    assert check(_invoice(), LIMITS, pkp=True) == []


def test_a_discount_above_the_maximum_is_refused_in_the_words_of_the_sop() -> None:
    half_off = _invoice(discount=75_000, taxable=75_000, ppn=ppn(75_000, pkp=True).ppn)
    assert check(half_off, LIMITS, pkp=True) == [
        Reason("rule", "DISCOUNT_ABOVE_MAX", "Diskon 50% melanggar SOP maksimal 20%")
    ]
    at_most = _invoice(discount=30_000, taxable=120_000, ppn=ppn(120_000, pkp=True).ppn)
    assert _codes(at_most) == []


def test_a_fractional_discount_is_shown_with_a_decimal_comma() -> None:
    document = _invoice(discount=31_000, taxable=119_000, ppn=ppn(119_000, pkp=True).ppn)
    [reason] = check(document, LIMITS, pkp=True)
    assert reason.message == "Diskon 20,6% melanggar SOP maksimal 20%"


def test_ppn_must_be_the_effective_eleven_percent_for_a_pkp_within_the_tolerance() -> None:
    assert _codes(_invoice(ppn=16_499)) == []
    [reason] = check(_invoice(ppn=18_000), LIMITS, pkp=True)
    assert reason.code == "PPN_MISMATCH"
    assert reason.message == (
        "PPN Rp18.000 tidak sesuai: PPN efektif 11% dari Harga Jual Rp150.000 adalah Rp16.500"
    )
    assert _codes(_invoice(ppn=0)) == ["PPN_MISMATCH"]


def test_a_seller_that_is_not_pkp_charges_no_ppn() -> None:
    assert _codes(_invoice(), pkp=False) == ["PPN_WITHOUT_PKP"]
    assert _codes(_invoice(ppn=0), pkp=False) == []


def test_the_due_date_comes_after_the_issue_date_and_within_the_terms() -> None:
    assert _codes(_invoice(due_on=date(2026, 1, 4))) == ["DUE_NOT_AFTER_ISSUE"]
    assert _codes(_invoice(due_on=JAN_5)) == ["DUE_NOT_AFTER_ISSUE"]
    [late] = check(_invoice(due_on=date(2026, 2, 4)), LIMITS, pkp=True)
    assert late.message == (
        "Jatuh tempo 30 hari setelah tanggal terbit melebihi termin pembayaran 14 hari"
    )
    same_day_terms = replace(LIMITS, payment_terms_days=0)
    assert _codes(_invoice(due_on=JAN_5), limits=same_day_terms) == []


def test_every_amount_must_be_above_zero() -> None:
    free = _invoice(items=(Item("Paket", 1, 150_000), Item("Pasang", 1, 0)))
    assert _codes(free) == ["NON_POSITIVE_AMOUNT"]
    nothing = _invoice(items=(Item("Gratis", 1, 0),), taxable=0, ppn=0)
    assert _codes(nothing) == ["NON_POSITIVE_AMOUNT", "NON_POSITIVE_TOTAL"]


def test_a_forgotten_customer_and_a_terminated_subscription_are_not_active() -> None:
    assert _codes(_invoice(customer_forgotten=True)) == ["CUSTOMER_FORGOTTEN"]
    assert _codes(_invoice(subscription_terminated=True)) == ["SUBSCRIPTION_TERMINATED"]


def test_a_quote_states_no_tax_or_dates_and_a_part_below_cost_is_reported() -> None:
    quote = Document(
        subject=Subject.QUOTE,
        items=(Item("LCD Samsung A52", 1, 450_000, 600_000, False), Item("Jasa", 1, 100_000)),
        discount=0,
        adjustments=0,
        taxable=0,
        ppn=0,
        issued_on=None,
        due_on=None,
        customer_forgotten=False,
        charges_ppn=False,
    )
    [reason] = check(quote, LIMITS, pkp=True)
    assert reason == Reason(
        "rule", "BELOW_COST", 'Harga "LCD Samsung A52" Rp450.000 di bawah modal Rp600.000'
    )


def test_only_rule_reasons_make_a_precheck_invalid() -> None:
    tenant = uuid4()
    usage = AiUsage(tenant, "precheck", "m", None, 10, 5, 0, 3, "ok")
    remark = Reason(Source.AI.value, "DOUBLE_LINE", "Baris 1 dan 2 sama")
    advised = Precheck.record(tenant, Subject.INVOICE, uuid4(), [remark], "ok", usage)
    assert advised.valid
    rule = Reason(Source.RULE.value, "DISCOUNT_ABOVE_MAX", "Diskon 50% melanggar SOP maksimal 20%")
    refused = Precheck.record(tenant, Subject.INVOICE_DRAFT, None, [rule, remark], "ok", usage)
    assert not refused.valid
    [done] = refused.collect_events()
    assert isinstance(done, Precheck.Done)
    assert done.ai_usage == usage


def test_thresholds_out_of_range_are_refused_naming_the_field_and_same_ones_record_nothing() -> (
    None
):
    rules = PrecheckRules.start(uuid4())
    for bad, field in (
        (Thresholds(max_discount_percent=101), "max_discount_percent"),
        (Thresholds(payment_terms_days=-1), "payment_terms_days"),
        (Thresholds(ppn_tolerance_idr=-5), "ppn_tolerance_idr"),
    ):
        with pytest.raises(InvalidValue) as refused:
            rules.change(bad)
        assert refused.value.field == field
    assert not rules.change(Thresholds())
    assert rules.change(Thresholds(max_discount_percent=10, payment_terms_days=30))
    assert rules.thresholds.limits(billing_terms_days=7) == Limits(10, 30, 2)
    assert Thresholds().limits(billing_terms_days=7).payment_terms_days == 7


def test_a_budget_is_rupiah_or_none_and_a_month_is_yyyy_mm() -> None:
    budget = AiBudget.start(uuid4())
    assert budget.change(50_000)
    assert not budget.change(50_000)
    assert budget.change(None)
    with pytest.raises(InvalidValue):
        budget.change(-1)
    assert parse_month("2026-12") == date(2026, 12, 1)
    assert month_after(date(2026, 12, 1)) == date(2027, 1, 1)
    for bad in ("2026-13", "26-01", "2026-1", ""):
        with pytest.raises(InvalidValue):
            parse_month(bad)

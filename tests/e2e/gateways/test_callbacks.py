"""Gateway callbacks over real HTTP, from local fakes of each gateway, signed by the vendors'
formulas: paid once however often told, forged/tampered/stale refused, late news ignored."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode

import pytest

from adapters.bootstrap import callback_rechecker
from adapters.payments.gateways.fakes import SignedCallback
from tests.e2e.gateways.conftest import INVOICE_TOTAL, Case, Shop

GATEWAYS = ["midtrans", "xendit", "tripay", "duitku"]
ACKS = {
    "midtrans": {"status": "ok"},
    "xendit": {"status": "ok"},
    "tripay": {"success": True},
    "duitku": {"status": "ok"},
}


def _tamper_amount(case: Case, callback: SignedCallback) -> SignedCallback:
    """The same callback with its amount raised after it was signed."""
    if case.name == "duitku":
        fields = dict(parse_qsl(callback.body.decode()))
        fields["amount"] = str(int(fields["amount"]) + 1000)
        return replace(callback, body=urlencode(fields).encode())
    body = json.loads(callback.body)
    key = {"midtrans": "gross_amount", "xendit": "paid_amount", "tripay": "total_amount"}[case.name]
    body[key] = f"{INVOICE_TOTAL + 1000}.00" if case.name == "midtrans" else INVOICE_TOTAL + 1000
    return replace(callback, body=json.dumps(body).encode())


def _without_signature(case: Case, callback: SignedCallback) -> SignedCallback:
    if case.signature_header:
        headers = {k: v for k, v in callback.headers.items() if k != case.signature_header}
        return replace(callback, headers=headers)
    if case.name == "duitku":
        fields = {k: v for k, v in parse_qsl(callback.body.decode()) if k != "signature"}
        return replace(callback, body=urlencode(fields).encode())
    body = {k: v for k, v in json.loads(callback.body).items() if k != case.signature_field}
    return replace(callback, body=json.dumps(body).encode())


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_payment_notified_five_times_is_recorded_once(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    link = shop.link(gateway)
    assert link["amount"] == INVOICE_TOTAL
    assert link["status"] == "active"
    case.fake.pay(link["orderId"])
    answers = [case.paid(link["orderId"]).send(shop.callback_url(gateway)) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert all(a.json() == ACKS[gateway] for a in answers)
    assert shop.payments() == 1
    assert shop.invoice() == {"status": "paid", "paid": INVOICE_TOTAL, "balanceDue": 0}
    verdicts = sorted(c["verdict"] for c in shop.callbacks(gateway=gateway))
    assert verdicts == ["applied"] + ["duplicate"] * 4
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "paid"}]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_forged_callback_is_refused_recorded_and_pays_nothing(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order)
    answer = case.forged(order).send(shop.callback_url(gateway))
    assert answer.status_code == 401
    assert "match" in answer.json()["error"]
    assert shop.payments() == 0
    (logged,) = shop.callbacks(gateway=gateway)
    assert logged["verdict"] == "rejected"
    assert logged["httpStatus"] == 401
    assert logged["body"] == case.forged(order).body.decode()


@pytest.mark.parametrize("gateway", ["midtrans", "tripay", "duitku"])
def test_a_callback_tampered_after_signing_is_refused(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order)
    answer = _tamper_amount(case, case.paid(order)).send(shop.callback_url(gateway))
    assert answer.status_code == 401
    assert shop.payments() == 0
    assert [c["verdict"] for c in shop.callbacks()] == ["rejected"]


def test_a_xendit_body_changed_under_a_valid_token_is_caught_by_the_status_api(
    shop: Shop, cases: dict[str, Case]
) -> None:
    # Xendit signs nothing but the token header: the re-check is what protects the amount.
    case = cases["xendit"]
    order = shop.link("xendit")["orderId"]
    case.fake.pay(order)
    answer = _tamper_amount(case, case.paid(order)).send(shop.callback_url("xendit"))
    assert answer.status_code == 422
    assert shop.payments() == 0
    assert shop.gql("{ paymentLinks { status reviewReason } }")["paymentLinks"] == [
        {
            "status": "review",
            "reviewReason": f"callback: amount {INVOICE_TOTAL + 1000} differs "
            f"from the link's {INVOICE_TOTAL}",
        }
    ]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_stale_paid_callback_the_status_api_contradicts_is_refused(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order)
    callback = case.paid(order)  # correctly signed while the payment was settled ...
    case.fake.expire(order)  # ... and replayed after the gateway says otherwise
    answer = callback.send(shop.callback_url(gateway))
    assert answer.status_code == 409
    assert answer.json()["error"].startswith("stale")
    assert shop.payments() == 0
    assert shop.invoice()["status"] == "issued"


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_callback_without_its_signature_is_refused(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order)
    answer = _without_signature(case, case.paid(order)).send(shop.callback_url(gateway))
    assert answer.status_code == 401
    assert "missing" in answer.json()["error"]
    assert shop.payments() == 0
    assert shop.callbacks(verdict="rejected")[0]["reason"] == answer.json()["error"]


@pytest.mark.parametrize("gateway", ["midtrans", "tripay"])
def test_news_arriving_after_the_settlement_changes_nothing(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    pending = case.pending(order)
    case.fake.pay(order)
    assert case.paid(order).send(shop.callback_url(gateway)).status_code == 200
    late = [
        pending.send(shop.callback_url(gateway)),
        case.expired(order).send(shop.callback_url(gateway)),
    ]
    assert [a.status_code for a in late] == [200, 200]
    assert shop.payments() == 1
    assert shop.invoice()["status"] == "paid"
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "paid"}]
    assert [c["verdict"] for c in shop.callbacks()] == ["applied", "ignored", "ignored"]


def test_a_pending_then_expired_link_records_no_payment(shop: Shop, cases: dict[str, Case]) -> None:
    case = cases["xendit"]
    order = shop.link("xendit")["orderId"]
    url = shop.callback_url("xendit")
    assert case.pending(order).send(url).status_code == 200
    assert case.expired(order).send(url).status_code == 200
    assert shop.payments() == 0
    assert [c["verdict"] for c in shop.callbacks()] == ["ignored", "expired"]
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "expired"}]


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_a_gateway_down_during_the_recheck_loses_nothing(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order)
    case.fake.down = True
    answer = case.paid(order).send(shop.callback_url(gateway))
    assert answer.status_code == 200  # taken: Niaga owns the retry from here
    assert shop.payments() == 0
    (kept,) = shop.callbacks()
    assert kept["verdict"] == "pending_recheck"
    assert "503" in kept["reason"]

    rechecker = callback_rechecker(shop.niaga)
    assert rechecker.sweep(everything=True) == 0  # still down: kept, one more attempt counted
    assert shop.callbacks()[0]["attempts"] == 1
    case.fake.down = False
    assert rechecker.sweep(everything=True) == 1
    assert rechecker.sweep(everything=True) == 0
    assert shop.payments() == 1
    assert shop.invoice()["status"] == "paid"
    (resolved,) = shop.callbacks()
    assert resolved["verdict"] == "applied"
    assert resolved["paymentId"]
    assert resolved["attempts"] == 2


def test_a_gateway_that_refuses_connections_is_retried_too(
    shop: Shop, cases: dict[str, Case]
) -> None:
    case = cases["duitku"]
    order = shop.link("duitku")["orderId"]
    case.fake.pay(order)
    callback = case.paid(order)
    case.fake.stop()
    assert callback.send(shop.callback_url("duitku")).status_code == 200
    assert shop.callbacks()[0]["verdict"] == "pending_recheck"
    assert shop.payments() == 0


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_an_amount_that_differs_from_the_invoice_is_held_for_review(
    shop: Shop, cases: dict[str, Case], gateway: str
) -> None:
    case = cases[gateway]
    order = shop.link(gateway)["orderId"]
    case.fake.pay(order, paid_amount=INVOICE_TOTAL - 50_000)
    answer = case.paid(order).send(shop.callback_url(gateway))
    assert answer.status_code == 422
    assert "amount 100000 differs" in answer.json()["error"]
    assert shop.payments() == 0
    assert shop.invoice()["status"] == "issued"
    assert shop.callbacks(verdict="flagged")[0]["gateway"] == gateway
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "review"}]


def test_unknown_tenants_gateways_and_orders_are_refused_and_recorded(
    shop: Shop, cases: dict[str, Case]
) -> None:
    case = cases["tripay"]
    order = shop.link("tripay")["orderId"]
    case.fake.pay(order)
    callback = case.paid(order)
    unknown_tenant = callback.send(
        shop.callback_url("tripay", "00000000-0000-4000-8000-000000000000")
    )
    not_a_tenant = callback.send(shop.callback_url("tripay", "warung"))
    unknown_gateway = callback.send(shop.callback_url("paypal"))
    assert [a.status_code for a in (unknown_tenant, not_a_tenant, unknown_gateway)] == [404] * 3
    assert "unknown tenant" in unknown_tenant.json()["error"]
    assert unknown_gateway.json()["error"] == "unknown gateway 'paypal'"
    case.fake.payments[order].order_id = "NGA-NOPE"
    unknown_order = case.paid(order).send(shop.callback_url("tripay"))
    assert unknown_order.status_code == 404
    assert shop.payments() == 0
    own = shop.callbacks()
    assert [(c["gateway"], c["verdict"]) for c in own] == [
        ("paypal", "rejected"),
        ("tripay", "rejected"),
    ]
    with shop.niaga.database.connection() as conn:
        platform = shop.niaga.settings.niaga_platform_schema
        refs = conn.execute(
            f'SELECT tenant_ref FROM "{platform}".payment_callback_log '
            "WHERE tenant_id IS NULL ORDER BY received_at"
        ).fetchall()
    assert [r[0] for r in refs] == ["00000000-0000-4000-8000-000000000000", "warung"]


def test_malformed_bodies_are_refused(shop: Shop, cases: dict[str, Case]) -> None:
    bad_json = SignedCallback({"content-type": "application/json"}, b'{"order_id": ')
    not_an_object = SignedCallback({"content-type": "application/json"}, b"[1, 2]")
    bad_form = SignedCallback({"content-type": "application/x-www-form-urlencoded"}, b"a=1&&=&b")
    answers = [
        bad_json.send(shop.callback_url("midtrans")),
        not_an_object.send(shop.callback_url("midtrans")),
        bad_form.send(shop.callback_url("duitku")),
    ]
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert answers[0].json()["error"].startswith("malformed JSON")
    assert answers[2].json()["error"].startswith("malformed form")
    assert shop.payments() == 0
    assert [c["verdict"] for c in shop.callbacks()] == ["rejected"] * 3


def test_an_oversized_callback_is_refused_and_recorded(shop: Shop) -> None:
    limit = shop.niaga.settings.niaga_callback_max_bytes
    huge = SignedCallback({"content-type": "application/json"}, b" " * (limit + 10))
    assert huge.send(shop.callback_url("midtrans")).status_code == 413
    (logged,) = shop.callbacks()
    assert logged["verdict"] == "rejected"
    assert len(logged["body"]) == limit


def test_the_callback_log_keeps_headers_but_not_secret_tokens(
    shop: Shop, cases: dict[str, Case]
) -> None:
    case = cases["xendit"]
    order = shop.link("xendit")["orderId"]
    case.fake.pay(order)
    case.paid(order).send(shop.callback_url("xendit"))
    (logged,) = shop.callbacks(orderId=order)
    assert logged["headers"]["x-callback-token"] == "[redacted]"
    assert logged["headers"]["content-type"] == "application/json"
    assert "token-asli" not in json.dumps(shop.callbacks())


def test_a_payment_in_another_currency_is_held_for_review(
    shop: Shop, cases: dict[str, Case]
) -> None:
    case = cases["xendit"]
    order = shop.link("xendit")["orderId"]
    case.fake.pay(order)
    callback = case.paid(order)
    body = {**json.loads(callback.body), "currency": "USD"}
    answer = replace(callback, body=json.dumps(body).encode()).send(shop.callback_url("xendit"))
    assert answer.status_code == 422
    assert answer.json()["error"] == "held for review: currency USD differs from the link's IDR"
    assert shop.payments() == 0
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "review"}]

"""The gateways' signature formulas and callback parsing, without a network."""

from __future__ import annotations

import hashlib
import hmac
import json
from uuid import uuid4

import pytest

from adapters.payments.gateways import duitku, midtrans, tripay, xendit
from adapters.payments.gateways.common import whole_amount
from application.payments.ports import CallbackRejected, Claim, GatewayAccess, RawCallback
from domain.payments.gateway import Gateway


def _access(gateway: Gateway, **credentials: str) -> GatewayAccess:
    return GatewayAccess(gateway, uuid4(), credentials, {}, 60)


def test_the_duitku_callback_signature_matches_the_documented_test_vector() -> None:
    signature = duitku.callback_signature(
        "D0001", "10000", "12345", "732B39FC61796845775D2C4FB05332AF"
    )
    assert signature == "4104f20a70c933113c66c004fe25a9f1"


def test_a_duitku_callback_with_the_test_vector_is_verified_and_paid() -> None:
    body = (
        b"merchantCode=D0001&amount=10000&merchantOrderId=12345&resultCode=00"
        b"&reference=DXXXX&signature=4104f20a70c933113c66c004fe25a9f1"
    )
    access = _access(
        Gateway.DUITKU, merchant_code="D0001", api_key="732B39FC61796845775D2C4FB05332AF"
    )
    note = duitku.Duitku(1).verify(RawCallback({}, body), access)
    assert (note.order_id, note.reference, note.claim, note.amount) == (
        "12345",
        "DXXXX",
        Claim.PAID,
        10000,
    )


def test_a_duitku_callback_for_another_merchant_is_refused() -> None:
    key = "732B39FC61796845775D2C4FB05332AF"
    signature = duitku.callback_signature("D9999", "10000", "12345", key)
    body = (
        f"merchantCode=D9999&amount=10000&merchantOrderId=12345&resultCode=00"
        f"&reference=R&signature={signature}"
    ).encode()
    access = _access(Gateway.DUITKU, merchant_code="D0001", api_key=key)
    with pytest.raises(CallbackRejected, match="merchantCode") as refused:
        duitku.Duitku(1).verify(RawCallback({}, body), access)
    assert refused.value.http_status == 401


def test_the_midtrans_signature_is_sha512_of_the_strings_as_received() -> None:
    expected = hashlib.sha512(b"ORDER-1200" + b"24145.00" + b"SB-key").hexdigest()
    assert midtrans.signature_key("ORDER-1", "200", "24145.00", "SB-key") == expected


def test_midtrans_signs_the_amount_string_so_24145_and_24145_00_differ() -> None:
    body = {
        "order_id": "ORDER-1",
        "status_code": "200",
        "gross_amount": "24145",
        "transaction_status": "settlement",
        "signature_key": midtrans.signature_key("ORDER-1", "200", "24145.00", "SB-key"),
    }
    access = _access(Gateway.MIDTRANS, server_key="SB-key")
    with pytest.raises(CallbackRejected, match="does not match"):
        midtrans.Midtrans(1).verify(RawCallback({}, json.dumps(body).encode()), access)


@pytest.mark.parametrize(
    ("status", "fraud", "code", "claim"),
    [
        ("settlement", None, "200", Claim.PAID),
        ("capture", "accept", "200", Claim.PAID),
        ("capture", "challenge", "200", Claim.PENDING),
        ("settlement", None, "201", Claim.PENDING),
        ("pending", None, "201", Claim.PENDING),
        ("expire", None, "407", Claim.EXPIRED),
        ("deny", None, "202", Claim.FAILED),
        ("partial_refund", None, "200", Claim.REFUNDED),
    ],
)
def test_midtrans_statuses_mean_paid_only_when_settled_or_accepted(
    status: str, fraud: str | None, code: str, claim: Claim
) -> None:
    body = {"transaction_status": status, "fraud_status": fraud, "status_code": code}
    assert midtrans.claim_of(body) is claim


def test_the_tripay_callback_signature_is_an_hmac_of_the_raw_body() -> None:
    body = b'{"reference":"T1","status":"PAID"}'
    expected = hmac.new(b"priv", body, hashlib.sha256).hexdigest()
    assert tripay.callback_signature(body, "priv") == expected


def test_a_tripay_callback_for_another_event_is_refused() -> None:
    body = b'{"reference":"T1","merchant_ref":"M","status":"PAID","total_amount":1}'
    headers = {
        "x-callback-signature": tripay.callback_signature(body, "priv"),
        "x-callback-event": "payout_status",
    }
    access = _access(Gateway.TRIPAY, api_key="a", private_key="priv", merchant_code="T1")
    with pytest.raises(CallbackRejected, match="X-Callback-Event"):
        tripay.Tripay(1).verify(RawCallback(headers, body), access)


def test_a_xendit_token_is_compared_whole() -> None:
    access = _access(Gateway.XENDIT, secret_key="s", callback_token="token-asli")
    body = b'{"id":"i","external_id":"e","status":"PAID","amount":5}'
    for token in ("token-asl", "token-aslii", "TOKEN-ASLI"):
        with pytest.raises(CallbackRejected):
            xendit.Xendit(1).verify(RawCallback({"x-callback-token": token}, body), access)
    verified = xendit.Xendit(1).verify(
        RawCallback({"x-callback-token": "token-asli"}, body), access
    )
    assert verified.claim is Claim.PAID


@pytest.mark.parametrize(
    ("raw", "amount"), [(24145, 24145), ("24145", 24145), ("24145.00", 24145), (5e4, 50000)]
)
def test_whole_amounts_are_read_from_numbers_and_strings(raw: object, amount: int) -> None:
    assert whole_amount(raw, "amount") == amount


@pytest.mark.parametrize("raw", ["24145.50", "abc", None, True, "NaN", [1]])
def test_fractions_and_garbage_are_not_amounts(raw: object) -> None:
    with pytest.raises(CallbackRejected):
        whole_amount(raw, "amount")

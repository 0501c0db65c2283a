"""Manual transfers with an uploaded proof over HTTP: images and PDFs by their first bytes,
a size limit, the proof read back, and finance approving the transfer as before."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.gateways.conftest import INVOICE_TOTAL, Shop
from tests.integration.read_models import store_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
APPROVE = """
mutation($id: ID!) { approveTransfer(id: $id) { __typename ... on Error { code message } } }"""


def _upload(shop: Shop, data: bytes, name: str, amount: int = INVOICE_TOTAL) -> httpx.Response:
    return httpx.post(
        f"{shop.server}/transfers",
        headers=shop.gql.headers,
        data={"customer_id": str(shop.customer_id), "amount": str(amount)},
        files={"file": (name, data, "application/octet-stream")},
        timeout=10,
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (PDF, "application/pdf")],
)
def test_a_proof_is_stored_and_read_back(shop: Shop, data: bytes, content_type: str) -> None:
    answer = _upload(shop, data, "bukti.bin")
    assert answer.status_code == 201
    assert answer.json()["content_type"] == content_type
    proof = httpx.get(
        f"{shop.server}/transfers/{answer.json()['transfer_id']}/proof",
        headers=shop.gql.headers,
        timeout=10,
    )
    assert proof.status_code == 200
    assert proof.content == data
    assert proof.headers["content-type"] == content_type


def test_finance_approves_an_uploaded_transfer_and_the_invoice_is_paid(shop: Shop) -> None:
    transfer_id = _upload(shop, PNG, "bukti.png").json()["transfer_id"]
    approved = shop.gql(APPROVE, id=transfer_id)["approveTransfer"]
    assert approved["__typename"] == "PaymentSuccess"  # type: ignore[index]
    assert shop.invoice()["status"] == "paid"
    assert shop.payments() == 1


def test_a_file_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(shop: Shop) -> None:
    answer = _upload(shop, b"MZ\x90\x00 this is a program", "bukti.png")
    assert answer.status_code == 415, answer.text
    assert answer.json()["detail"] == {
        "code": "PROOF_TYPE_REFUSED",
        "message": "the proof must be a JPEG, PNG or WebP image or a PDF",
    }
    assert _transfers(shop) == 0


def test_a_proof_over_the_size_limit_is_refused(shop: Shop) -> None:
    limit = shop.niaga.settings.niaga_proof_max_bytes
    answer = _upload(shop, PNG + b"\x00" * limit, "besar.png")
    assert answer.status_code == 413
    assert answer.json()["detail"]["code"] == "PROOF_TOO_LARGE"
    assert _transfers(shop) == 0


def test_bad_form_fields_and_unknown_customers_are_refused(shop: Shop) -> None:
    no_file = httpx.post(
        f"{shop.server}/transfers",
        headers=shop.gql.headers,
        data={"customer_id": str(shop.customer_id), "amount": "1000"},
        timeout=10,
    )
    assert no_file.status_code == 422
    assert _upload(shop, PNG, "a.png", amount=0).status_code == 422
    stranger = httpx.post(
        f"{shop.server}/transfers",
        headers=shop.gql.headers,
        data={"customer_id": "00000000-0000-4000-8000-000000000000", "amount": "1000"},
        files={"file": ("a.png", PNG, "image/png")},
        timeout=10,
    )
    assert stranger.status_code == 404
    assert _transfers(shop) == 0
    proof_dir = shop.niaga.settings.niaga_proof_dir
    assert proof_dir is not None
    assert not list(proof_dir.rglob("*.png"))


def test_uploading_needs_an_api_key(shop: Shop) -> None:
    answer = httpx.post(
        f"{shop.server}/transfers",
        data={"customer_id": str(shop.customer_id), "amount": "1000"},
        files={"file": ("a.png", PNG, "image/png")},
        timeout=10,
    )
    assert answer.status_code == 401


def _transfers(shop: Shop) -> int:
    with shop.niaga.database.connection() as conn:
        schema = store_of(shop.niaga, shop.tenant_id).ref.schema
        row = conn.execute(f'SELECT count(*) FROM "{schema}".transfer_list').fetchone()
    assert row is not None
    return int(row[0])

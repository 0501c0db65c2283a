"""A tenant with an issued invoice, a real Niaga server, and a fake of each gateway that the
tenant's accounts point at."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from adapters.bootstrap import Niaga
from adapters.payments.gateways.fakes import (
    FakeDuitku,
    FakeGateway,
    FakeMidtrans,
    FakeTripay,
    FakeXendit,
    SignedCallback,
)
from adapters.shared.settings import Settings
from application.billing.invoicing import DraftInvoice, LineInput
from application.customers.customers import RegisterCustomer
from application.payments.gateway_accounts import ConfigureGateway
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL

INVOICE_TOTAL = 150_000
CREATE_LINK = """
mutation($invoice: ID!, $gateway: String!) {
  createPaymentLink(invoiceId: $invoice, gateway: $gateway) {
    __typename
    ... on PaymentLinkSuccess { reused link { id orderId reference url amount status expiresAt } }
    ... on Error { code message field }
  }
}"""
CALLBACKS = """
query($gateway: String, $verdict: String, $orderId: String) {
  paymentCallbacks(gateway: $gateway, verdict: $verdict, orderId: $orderId) {
    totalCount
    edges { node { gateway orderId verdict reason httpStatus headers body attempts paymentId } }
  }
}"""


@dataclass
class Case:
    """One gateway: its fake, the credentials the tenant set, and how to make callbacks."""

    name: str
    fake: FakeGateway
    credentials: dict[str, str]
    endpoints: dict[str, str]
    paid: Callable[[str], SignedCallback]
    pending: Callable[[str], SignedCallback]
    expired: Callable[[str], SignedCallback]
    forged: Callable[[str], SignedCallback]  # signed with a key that is not the tenant's
    signature_header: str | None  # None: the signature is a body field
    signature_field: str | None


def _cases() -> dict[str, Case]:
    midtrans = FakeMidtrans("SB-Mid-server-asli").start()
    forged_midtrans = FakeMidtrans("SB-Mid-server-palsu")
    xendit = FakeXendit("xnd_development_asli", "token-asli").start()
    tripay = FakeTripay("DEV-api-asli", "private-asli", "T1234").start()
    duitku = FakeDuitku("D0001", "732B39FC61796845775D2C4FB05332AF").start()

    def forged_mid(order: str) -> SignedCallback:
        forged_midtrans.payments = midtrans.payments
        return forged_midtrans.notification(order)

    return {
        "midtrans": Case(
            "midtrans",
            midtrans,
            {"server_key": midtrans.server_key},
            {"api": midtrans.url, "snap": f"{midtrans.url}/snap/v1"},
            lambda o: midtrans.notification(o, "settlement"),
            lambda o: midtrans.notification(o, "pending"),
            lambda o: midtrans.notification(o, "expire"),
            forged_mid,
            None,
            "signature_key",
        ),
        "xendit": Case(
            "xendit",
            xendit,
            {"secret_key": xendit.secret_key, "callback_token": xendit.callback_token},
            {"api": xendit.url},
            lambda o: xendit.notification(o, "PAID"),
            lambda o: xendit.notification(o, "PENDING"),
            lambda o: xendit.notification(o, "EXPIRED"),
            lambda o: xendit.notification(o, "PAID", token="token-palsu"),
            "x-callback-token",
            None,
        ),
        "tripay": Case(
            "tripay",
            tripay,
            {
                "api_key": tripay.api_key,
                "private_key": tripay.private_key,
                "merchant_code": tripay.merchant_code,
            },
            {"api": tripay.url},
            lambda o: tripay.notification(o, "PAID"),
            lambda o: tripay.notification(o, "UNPAID"),
            lambda o: tripay.notification(o, "EXPIRED"),
            lambda o: tripay.notification(o, "PAID", key="private-palsu"),
            "x-callback-signature",
            None,
        ),
        "duitku": Case(
            "duitku",
            duitku,
            {"merchant_code": duitku.merchant_code, "api_key": duitku.api_key},
            {"api": duitku.url},
            lambda o: duitku.notification(o, "00"),
            lambda o: duitku.notification(o, "01"),
            lambda o: duitku.notification(o, "02"),
            lambda o: duitku.notification(o, "00", key="KUNCI-PALSU"),
            None,
            "signature",
        ),
    }


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """Proofs go to a directory of the test's own; the server's own re-check sweep waits an
    hour, so the tests alone decide when kept callbacks are re-checked."""
    return settings.model_copy(
        update={"niaga_proof_dir": tmp_path / "proofs", "niaga_recheck_interval_seconds": 3600}
    )


@pytest.fixture
def cases() -> Iterator[dict[str, Case]]:
    made = _cases()
    yield made
    for case in made.values():
        case.fake.stop()


@dataclass
class Shop:
    niaga: Niaga
    server: str
    tenant_id: UUID
    customer_id: UUID
    invoice_id: UUID
    gql: GraphQL

    def callback_url(self, gateway: str, tenant: str | None = None) -> str:
        return f"{self.server}/callbacks/{gateway}/{tenant or self.tenant_id}"

    def link(self, gateway: str) -> dict[str, Any]:
        made = self.gql(CREATE_LINK, invoice=str(self.invoice_id), gateway=gateway)
        result: dict[str, Any] = made["createPaymentLink"]  # type: ignore[assignment]
        assert result["__typename"] == "PaymentLinkSuccess", result
        link: dict[str, Any] = result["link"]
        return link

    def invoice(self) -> dict[str, Any]:
        data = self.gql(
            "query($id: ID!) { invoice(id: $id) { status paid balanceDue } }",
            id=str(self.invoice_id),
        )
        invoice: dict[str, Any] = data["invoice"]  # type: ignore[assignment]
        return invoice

    def payments(self) -> int:
        """Payments recorded for the tenant, counted in the read model."""
        with self.niaga.database.connection() as conn:
            schema = self.niaga.stores.for_tenant(self.tenant_id).ref.schema  # type: ignore[attr-defined]
            row = conn.execute(
                f'SELECT count(*) FROM "{schema}".payment_list WHERE tenant_id = %s',
                (self.tenant_id,),
            ).fetchone()
        return int(row[0])

    def callbacks(self, **filters: object) -> list[dict[str, Any]]:
        data = self.gql(CALLBACKS, **filters)["paymentCallbacks"]
        return [edge["node"] for edge in data["edges"]]  # type: ignore[index]


@pytest.fixture
def shop(niaga: Niaga, server: str, cases: dict[str, Case]) -> Shop:
    tenant_id = niaga.tenants.create("Jaringan Nusantara", Placement.SHARED)
    owner = principal_for(tenant_id)
    customer_id = niaga.customers.register(
        owner, RegisterCustomer("Siti Aminah", "081298765432", email="siti@example.id")
    )
    invoice_id = niaga.invoicing.draft(
        owner,
        DraftInvoice(
            customer_id, [LineInput("service", "Internet 20 Mbps", 1, INVOICE_TOTAL, False)]
        ),
    )
    niaga.invoicing.issue(owner, invoice_id)
    for case in cases.values():
        niaga.gateway_accounts.configure(
            owner, ConfigureGateway(case.name, case.credentials, case.endpoints)
        )
    token = niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token
    return Shop(niaga, server, tenant_id, customer_id, invoice_id, GraphQL(server, token))


def post(url: str, callback: SignedCallback) -> httpx.Response:
    return callback.send(url)

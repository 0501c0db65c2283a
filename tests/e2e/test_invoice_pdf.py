"""The invoice PDF as a customer and a tax office read it, through GraphQL and REST over HTTP:
the seller's legal details set through GraphQL, the billing period in words, and how to pay
(bank accounts, and the invoice's payment link until it is paid)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from pypdf import PdfReader

from adapters.bootstrap import Niaga
from adapters.payments.gateways.fakes import FakeMidtrans
from application.payments.gateway_accounts import ConfigureGateway
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from application.shared.tenancy import tenant_of
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL

SETTINGS = """
mutation(
  $pkp: Boolean, $legalName: String, $address: String, $npwp: String,
  $bankAccounts: [BankAccountInput!]
) {
  updateTenantSettings(
    pkp: $pkp, legalName: $legalName, address: $address, npwp: $npwp, bankAccounts: $bankAccounts
  ) {
    __typename
    ... on TenantSettingsSuccess {
      pkp legalName address npwp bankAccounts { bank number holder }
    }
    ... on Error { code message field }
  }
}"""
CREATE_PLAN = """
mutation($input: CreatePlanInput!) {
  createPlan(input: $input) { ... on PlanSuccess { plan { id } } }
}"""
REGISTER = """
mutation($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { ... on RegisterCustomerSuccess { customer { id } } }
}"""
SUBSCRIBE = """
mutation($input: SubscribeInput!) {
  subscribe(input: $input) { ... on SubscriptionSuccess { subscription { id } } }
}"""
RUN_BILLING = """
mutation($on: Date) { runBilling(on: $on) { ... on BillingRunSuccess { invoices total } } }
"""
INVOICES = "query { invoices { edges { node { id customerId period total pdfUrl } } } }"
CREATE_LINK = """
mutation($invoice: ID!) {
  createPaymentLink(invoiceId: $invoice, gateway: "midtrans") {
    __typename
    ... on PaymentLinkSuccess { link { url } }
    ... on Error { code message }
  }
}"""
PAY = """
mutation($input: RecordPaymentInput!) {
  recordPayment(input: $input) { __typename ... on Error { code message } }
}"""
LEGAL = {
    "legalName": "PT Jaringan Nusantara Digital",
    "address": "Jl. Merdeka No. 10\nBandung 40111",
    "npwp": "01.234.567.8-901.000",
    "bankAccounts": [
        {"bank": "BCA", "number": "123-456-7890", "holder": "PT Jaringan Nusantara Digital"}
    ],
}


@pytest.fixture
def midtrans() -> Iterator[FakeMidtrans]:
    fake = FakeMidtrans("SB-Mid-server-asli")
    fake.start()
    yield fake
    fake.stop()


def _owner(niaga: Niaga, server: str, tenant_id: UUID) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)


def _december_invoice(gql: GraphQL, clock: FixedClock) -> dict[str, Any]:
    """A subscriber active from 1 December 2026, billed on 1 January 2027 for December."""
    plan = gql(CREATE_PLAN, input={"name": "Paket 20", "price": 150000, "routerProfile": "20M"})
    customer = gql(REGISTER, input={"name": "Siti Aminah", "phone": "081298765432"})
    clock.set(date(2026, 12, 1))
    gql(
        SUBSCRIBE,
        input={
            "customerId": customer["registerCustomer"]["customer"]["id"],  # type: ignore[index]
            "planId": plan["createPlan"]["plan"]["id"],  # type: ignore[index]
            "billingDay": 1,
            "router": "core-1",
            "username": "siti",
            "activateOn": "2026-12-01",
        },
    )
    clock.set(date(2027, 1, 1))
    assert gql(RUN_BILLING, on="2027-01-01")["runBilling"] == {"invoices": 1, "total": 166500}
    (edge,) = gql(INVOICES)["invoices"]["edges"]  # type: ignore[index]
    invoice: dict[str, Any] = edge["node"]
    assert invoice["period"] == "2026-12-01..2027-01-01"
    return invoice


def _pdf_words(server: str, gql: GraphQL, invoice: dict[str, Any]) -> str:
    response = httpx.get(f"{server}{invoice['pdfUrl']}", headers=gql.headers, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return " ".join(text.split())


def test_the_pdf_names_the_seller_for_tax_and_shows_how_to_pay_until_it_is_paid(
    niaga: Niaga, server: str, clock: FixedClock, midtrans: FakeMidtrans
) -> None:
    tenant_id = niaga.tenants.create("Jaringan Nusantara", Placement.SHARED)
    gql = _owner(niaga, server, tenant_id)
    niaga.gateway_accounts.configure(
        principal_for(tenant_id),
        ConfigureGateway(
            "midtrans",
            {"server_key": midtrans.server_key},
            {"api": midtrans.url, "snap": f"{midtrans.url}/snap/v1"},
        ),
    )
    changed = gql(SETTINGS, pkp=True, **LEGAL)["updateTenantSettings"]
    assert changed == {
        "__typename": "TenantSettingsSuccess",
        "pkp": True,
        "legalName": "PT Jaringan Nusantara Digital",
        "address": "Jl. Merdeka No. 10\nBandung 40111",
        "npwp": "012345678901000",
        "bankAccounts": LEGAL["bankAccounts"],
    }
    invoice = _december_invoice(gql, clock)
    made = gql(CREATE_LINK, invoice=invoice["id"])["createPaymentLink"]
    assert made["__typename"] == "PaymentLinkSuccess", made  # type: ignore[index]
    link: str = made["link"]["url"]  # type: ignore[index]
    assert link.startswith(midtrans.url)

    unpaid = _pdf_words(server, gql, invoice)
    for expected in [
        "PT Jaringan Nusantara Digital",
        "Jl. Merdeka No. 10 Bandung 40111",
        "NPWP: 012345678901000",
        "Periode 1 Desember 2026 \N{EN DASH} 31 Desember 2026",
        "Cara membayar",
        "BCA 123-456-7890 a.n. PT Jaringan Nusantara Digital",
        link,
        "Belum Lunas",
    ]:
        assert expected in unpaid, expected
    assert "2026-12-01" not in unpaid

    paid = gql(
        PAY,
        input={
            "customerId": invoice["customerId"],
            "amount": invoice["total"],
            "method": "cash",
            "reference": "KW-1",
        },
    )
    assert paid["recordPayment"] == {"__typename": "PaymentSuccess"}
    settled = _pdf_words(server, gql, invoice)
    assert "Lunas" in settled
    assert "Belum Lunas" not in settled
    assert link not in settled
    assert "Cara membayar" not in settled
    assert "NPWP: 012345678901000" in settled


def test_a_bad_npwp_is_refused_naming_it_and_nothing_is_recorded(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("ISP Kecil", Placement.SHARED)
    gql = _owner(niaga, server, tenant_id)
    gql(SETTINGS, **LEGAL)
    before = tenant_of(niaga.stores, tenant_id)

    for npwp in ["123456789", "01.234.567.8-901.000.99", "NPWP-BELUM-ADA"]:
        refused = gql(SETTINGS, pkp=True, legalName="PT Lain", npwp=npwp)["updateTenantSettings"]
        assert (refused["code"], refused["field"]) == ("INVALID_VALUE", "npwp")  # type: ignore[index]

    after = tenant_of(niaga.stores, tenant_id)
    assert after.version == before.version
    assert (after.pkp, after.legal_details) == (False, before.legal_details)


def test_staff_may_not_change_the_legal_details(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("ISP Kecil", Placement.SHARED)
    staff = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.STAFF).token)

    refused = staff(SETTINGS, npwp="012345678901000")["updateTenantSettings"]

    assert refused["code"] == "PERMISSION_DENIED"  # type: ignore[index]
    assert tenant_of(niaga.stores, tenant_id).legal_details.npwp is None

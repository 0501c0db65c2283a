"""Payment links and gateway accounts through GraphQL over HTTP, against the fake gateways."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from adapters.bootstrap import Niaga
from application.billing.invoicing import DraftInvoice, LineInput
from application.customers.customers import RegisterCustomer
from application.payments.gateway_accounts import ConfigureGateway, GatewayNotConfigured
from application.shared.clock import FixedClock
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.conftest import principal_for
from tests.e2e.conftest import GraphQL
from tests.e2e.gateways.conftest import CREATE_LINK, INVOICE_TOTAL, Case, Shop
from tests.integration.read_models import assert_live_equals_rebuild, store_of

CONFIGURE = """
mutation($input: ConfigureGatewayInput!) {
  configureGateway(input: $input) {
    __typename
    ... on GatewayAccountSuccess { account { gateway credentialsSet endpoints linkMinutes } }
    ... on Error { code message field }
  }
}"""


@pytest.mark.parametrize("gateway", ["midtrans", "xendit", "tripay", "duitku"])
def test_a_link_is_created_at_the_gateway_and_handed_out_again_until_it_expires(
    shop: Shop, cases: dict[str, Case], clock: FixedClock, gateway: str
) -> None:
    first = shop.link(gateway)
    fake = cases[gateway].fake
    assert fake.payment(first["orderId"]).amount == INVOICE_TOTAL
    assert first["url"].startswith(fake.url)
    again = shop.gql(CREATE_LINK, invoice=str(shop.invoice_id), gateway=gateway)
    assert again["createPaymentLink"]["reused"] is True  # type: ignore[index]
    assert again["createPaymentLink"]["link"]["id"] == first["id"]  # type: ignore[index]

    clock.set(clock.current + timedelta(days=2))  # links live a day by default
    assert shop.gql("{ paymentLinks { status } }")["paymentLinks"] == [{"status": "expired"}]
    renewed = shop.link(gateway)
    assert renewed["id"] != first["id"]
    assert renewed["status"] == "active"
    statuses = {link["id"]: link["status"] for link in _links(shop)}
    assert statuses == {first["id"]: "expired", renewed["id"]: "active"}
    assert len(fake.payments) == 2


def _links(shop: Shop) -> list[dict[str, str]]:
    links: list[dict[str, str]] = shop.gql("{ paymentLinks { id status } }")["paymentLinks"]  # type: ignore[assignment]
    return links


def test_the_midtrans_link_names_the_tenants_callback_url(
    shop: Shop, cases: dict[str, Case]
) -> None:
    fake = cases["midtrans"].fake
    shop.link("midtrans")
    assert fake.notification_urls == [  # type: ignore[attr-defined]
        f"http://127.0.0.1:8000/callbacks/midtrans/{shop.tenant_id}"
    ]


def test_links_are_refused_for_paid_invoices_unknown_gateways_and_missing_accounts(
    shop: Shop, cases: dict[str, Case]
) -> None:
    def refused(invoice: str, gateway: str) -> dict[str, object]:
        made = shop.gql(CREATE_LINK, invoice=invoice, gateway=gateway)["createPaymentLink"]
        assert made["__typename"] != "PaymentLinkSuccess"  # type: ignore[index]
        return made  # type: ignore[return-value]

    assert refused(str(shop.invoice_id), "paypal")["field"] == "gateway"
    assert refused("not-an-id", "midtrans")["field"] == "invoiceId"
    assert refused("00000000-0000-4000-8000-000000000000", "midtrans")["code"] == "NOT_FOUND"
    cases["tripay"].fake.down = True
    assert refused(str(shop.invoice_id), "tripay")["code"] == "GATEWAY_UNAVAILABLE"
    assert _links(shop) == []


def test_a_gateway_the_tenant_has_not_configured_is_named(niaga: Niaga) -> None:
    tenant_id = niaga.tenants.create("Tanpa Gateway", Placement.SHARED)
    owner = principal_for(tenant_id)
    customer = niaga.customers.register(owner, RegisterCustomer("Budi", "081234567001"))
    invoice = niaga.invoicing.draft(
        owner, DraftInvoice(customer, [LineInput("service", "Pasang", 1, 50_000, False)])
    )
    niaga.invoicing.issue(owner, invoice)
    with pytest.raises(GatewayNotConfigured, match="midtrans is not configured"):
        niaga.payment_links.create(owner, invoice, "midtrans")


def test_a_paid_invoice_gets_no_link(shop: Shop, cases: dict[str, Case]) -> None:
    order = shop.link("duitku")["orderId"]
    cases["duitku"].fake.pay(order)
    cases["duitku"].paid(order).send(shop.callback_url("duitku"))
    made = shop.gql(CREATE_LINK, invoice=str(shop.invoice_id), gateway="midtrans")
    assert made["createPaymentLink"]["code"] == "PAYMENT_LINK_REFUSED"  # type: ignore[index]


def test_credentials_are_sealed_at_rest_and_never_returned(shop: Shop) -> None:
    secret = "xnd_production_rahasia_sekali"
    answer = shop.gql(
        CONFIGURE,
        input={"gateway": "xendit", "secretKey": secret, "linkMinutes": 90},
    )["configureGateway"]
    assert answer["account"]["credentialsSet"] == ["callback_token", "secret_key"]  # type: ignore[index]
    assert answer["account"]["linkMinutes"] == 90  # type: ignore[index]
    listed = shop.gql("{ gatewayAccounts { gateway credentialsSet } }")
    assert secret not in str(listed)
    assert "token-asli" not in str(listed)
    with shop.niaga.database.connection() as conn:
        schema = store_of(shop.niaga, shop.tenant_id).ref.schema
        stored = conn.execute(f'SELECT state FROM "{schema}".niaga_events').fetchall()
    assert stored
    assert not any(secret.encode() in bytes(row[0]) for row in stored)


def test_bad_gateway_settings_are_refused_with_the_field(shop: Shop) -> None:
    def configure(**fields: object) -> dict[str, object]:
        return shop.gql(CONFIGURE, input=fields)["configureGateway"]  # type: ignore[return-value]

    assert configure(gateway="paypal", apiKey="x")["field"] == "gateway"
    assert configure(gateway="midtrans", apiKey="x")["field"] == "credentials"
    assert configure(gateway="midtrans", serverKey="k", apiUrl="ftp://x")["field"] == "endpoints"
    assert configure(gateway="midtrans", linkMinutes=1)["field"] == "linkMinutes"
    answer = shop.gql(CONFIGURE, input={"gateway": "midtrans", "serverKey": "k"})
    assert answer["configureGateway"]["__typename"] == "GatewayAccountSuccess"  # type: ignore[index]


def test_staff_may_create_links_but_not_read_the_callback_log_or_set_credentials(
    shop: Shop,
) -> None:
    token = shop.niaga.tenants.issue_api_key(shop.tenant_id, Role.STAFF).token
    staff = GraphQL(shop.server, token)
    made = staff(CREATE_LINK, invoice=str(shop.invoice_id), gateway="tripay")
    assert made["createPaymentLink"]["__typename"] == "PaymentLinkSuccess"  # type: ignore[index]
    assert staff.post("{ paymentCallbacks { totalCount } }").status_code == 403
    denied = staff(CONFIGURE, input={"gateway": "tripay", "apiKey": "x"})["configureGateway"]
    assert denied["code"] == "PERMISSION_DENIED"  # type: ignore[index]


def test_five_deliveries_at_once_record_one_payment(shop: Shop, cases: dict[str, Case]) -> None:
    case = cases["midtrans"]
    order = shop.link("midtrans")["orderId"]
    case.fake.pay(order)
    callback = case.paid(order)
    with ThreadPoolExecutor(5) as pool:
        answers = list(pool.map(lambda _: callback.send(shop.callback_url("midtrans")), range(5)))
    assert [a.status_code for a in answers] == [200] * 5
    assert shop.payments() == 1
    verdicts = sorted(c["verdict"] for c in shop.callbacks())
    assert verdicts == ["applied"] + ["duplicate"] * 4


def test_gateway_read_models_equal_a_rebuild(shop: Shop, cases: dict[str, Case]) -> None:
    orders = {name: shop.link(name)["orderId"] for name in ("xendit", "duitku")}
    cases["duitku"].fake.pay(orders["duitku"], paid_amount=1_000)  # held for review
    cases["xendit"].fake.pay(orders["xendit"])
    for name, order in orders.items():
        cases[name].paid(order).send(shop.callback_url(name))
        cases[name].forged(order).send(shop.callback_url(name))
    shop.niaga.gateway_accounts.configure(
        principal_for(shop.tenant_id),
        ConfigureGateway("tripay", {"api_key": "baru"}),
    )
    assert_live_equals_rebuild(
        shop.niaga,
        store_of(shop.niaga, shop.tenant_id),
        ("payment_link_list", "payment_callback_log", "gateway_account_list"),
    )

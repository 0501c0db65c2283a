"""Events stored by older versions of their class still load: a payment link recorded before
links had a purpose, and every event whose payloads were stored as plain JSON objects before
they were typed. Each loads into its aggregate and reaches the read models as a current one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from psycopg import sql

from adapters.bootstrap import Niaga
from adapters.shared.stores import PostgresEventStore
from application.shared.context import Principal
from application.shared.event_payloads import EVENT_PAYLOADS
from application.shared.unit_of_work import find
from domain.billing.plan import Plan, PromotionKind, new_promotion
from domain.messaging.campaign import Audience, Campaign, Guardrails
from domain.payments.gateway import LinkPurpose, PaymentLink
from domain.platform.tenant import BillingPolicy
from domain.repairs.inventory import PurchaseOrder, order_line
from domain.repairs.repair_job import (
    RepairJob,
    RepairPolicy,
    RepairSettings,
    labour_line,
    part_line,
)
from domain.routers.provisioning import VOUCHER, HotspotUser, Provisioning
from domain.vouchers.voucher import ProfileTerms, VoucherProfile
from tests.integration.billing import Books
from tests.integration.read_models import assert_live_equals_rebuild, store_of

# Every event that became version 2 when its payloads were typed.
PAYLOAD_EVENTS = {
    "Campaign.Created",
    "Invoice.Drafted",
    "Payment.Received",
    "Plan.PromotionAdded",
    "Provisioning.HotspotUserWanted",
    "PurchaseOrder.Drafted",
    "RepairJob.Quoted",
    "RepairSettings.PolicyChanged",
    "Subscription.PlanChangeScheduled",
    "Subscription.PlanChanged",
    "Subscription.Subscribed",
    "Tenant.BillingPolicyChanged",
    "VoucherProfile.Created",
    "VoucherProfile.Updated",
}
# The tenant's read models built from those events.
TENANT_READ_MODELS = (
    "plan_list",
    "subscription_list",
    "invoices",
    "payments",
    "provisioning_status",
    "hotspot_users_wanted",
    "repair_board",
    "purchase_orders",
    "voucher_profiles",
    "campaign_list",
    "message_log",
)
ON = date(2026, 1, 5)
AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _insert(
    niaga: Niaga,
    store: PostgresEventStore,
    originator_id: uuid.UUID,
    topic: str,
    state: dict[str, Any],
) -> None:
    """Record a first event the way an older release wrote it, bypassing today's mapper."""
    with niaga.database.connection() as conn:
        conn.execute(
            sql.SQL(
                "INSERT INTO {}.niaga_events (originator_id, originator_version, topic, state) "
                "VALUES (%s, 1, %s, %s)"
            ).format(sql.Identifier(store.ref.schema)),
            (originator_id, topic, json.dumps(state, separators=(",", ":")).encode()),
        )


def _hex(value: uuid.UUID) -> dict[str, str]:
    return {"_type_": "uuid_hex", "_data_": value.hex}


def _when(value: datetime) -> dict[str, str]:
    return {"_type_": "datetime_iso", "_data_": value.isoformat()}


def _link_before_purposes(tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> dict[str, Any]:
    """A PaymentLink.Created as releases before link purposes stored it: no class version, no
    `purpose` or `subject_id`, and the module's name from before the areas."""
    return {
        "timestamp": _when(AT),
        "originator_topic": "domain.gateway:PaymentLink",
        "tenant_id": _hex(tenant_id),
        "invoice_id": _hex(invoice_id),
        "customer_id": _hex(uuid.uuid4()),
        "gateway": "midtrans",
        "order_id": "NGA-OLD-1",
        "reference": "MT-OLD-1",
        "url": "https://app.midtrans.example/snap/v2/MT-OLD-1",
        "amount": 150000,
        "currency": "IDR",
        "expires_at": _when(AT + timedelta(days=3)),
        "__meta__": {
            "tenant_id": str(tenant_id),
            "actor": "user:test-owner",
            "command": "CreatePaymentLink",
            "correlation_id": "c-old",
            "causation_id": "c-old",
        },
    }


def test_a_payment_link_stored_before_purposes_existed_loads_and_is_projected(
    niaga: Niaga, tenant_id: uuid.UUID, owner: Principal
) -> None:
    store = store_of(niaga, tenant_id)
    link_id, invoice_id = uuid.uuid4(), uuid.uuid4()
    _insert(
        niaga,
        store,
        link_id,
        "domain.gateway:PaymentLink.Created",
        _link_before_purposes(tenant_id, invoice_id),
    )
    niaga.projections.catch_up(store)

    link = find(store, PaymentLink, link_id)
    assert link is not None
    assert (link.purpose, link.subject_id) == (LinkPurpose.INVOICE, invoice_id)
    assert (link.amount, link.order_id) == (150_000, "NGA-OLD-1")
    [view] = niaga.gateway_queries.links(owner, invoice_id, None)
    assert (view.id, view.amount, view.status) == (link_id, 150_000, "active")
    assert_live_equals_rebuild(niaga, store, ("payment_link_list", "audit_log"))


# -- payloads stored as plain objects -------------------------------------------------------


def _history_with_every_payload(niaga: Niaga, owner: Principal) -> None:
    """Every event whose payloads are value objects, saved through today's mapper."""
    books = Books(niaga, owner)
    tenant_id = owner.tenant_id
    customer_id = books.customer("Budi Santoso")
    cheap, dear = books.plan("Rumah 10", 150_000), books.plan("Rumah 30", 300_000)
    plan = books.get(Plan, books.plan("Rumah 20", 200_000))
    plan.add_promotion(new_promotion("HEMAT", PromotionKind.PERCENTAGE, 10, 3))
    books.save("AddPromotion", plan)
    downgraded = books.subscribe(customer_id, plan.id, ON, "budi-1", promotion="hemat")
    books.change_subscription_plan(downgraded, cheap, ON + timedelta(days=3))
    upgraded = books.subscribe(customer_id, plan.id, ON, "budi-2")
    books.change_subscription_plan(upgraded, dear, ON + timedelta(days=3))
    books.bill(downgraded)
    books.pay(customer_id, 500_000, ON + timedelta(days=10), "TRF-1")
    niaga.tenants.change_billing_policy_as(owner, BillingPolicy(payment_terms_days=10))
    books.save("ChangeRepairPolicy", _repair_settings(tenant_id))
    books.save("QuoteRepair", _quoted_job(tenant_id, customer_id))
    books.save("DraftPurchaseOrder", _purchase_order(tenant_id))
    books.save("CreateVoucherProfile", _voucher_profile(tenant_id))
    books.save("CreateCampaign", _campaign(tenant_id))
    books.save("ProvisionHotspotUser", _hotspot_user_wanted(tenant_id))


def _repair_settings(tenant_id: uuid.UUID) -> RepairSettings:
    settings = RepairSettings.start(tenant_id)
    settings.change(RepairPolicy(quote_escalation_hours=12, collection_reminder_days=(2, 7)))
    return settings


def _quoted_job(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> RepairJob:
    job = RepairJob.receive(
        tenant_id,
        customer_id,
        device_type="phone",
        brand="Samsung",
        model="A52",
        complaint="layar retak",
        received_at=AT,
        policy=RepairPolicy(),
    )
    job.diagnose("LCD pecah", AT)
    parts = [part_line(uuid.uuid4(), "LCD A52", 1, 650_000, 450_000)]
    job.quote(parts, [labour_line("Jasa ganti LCD", 100_000)], AT)
    return job


def _purchase_order(tenant_id: uuid.UUID) -> PurchaseOrder:
    lines = [order_line(uuid.uuid4(), 5, 450_000), order_line(uuid.uuid4(), 10, 25_000)]
    return PurchaseOrder.draft(tenant_id, "CV Sumber Part", lines)


def _voucher_profile(tenant_id: uuid.UUID) -> VoucherProfile:
    terms = ProfileTerms.of(
        "hs-1jam",
        validity_seconds=3600,
        cost_price=1_500,
        selling_price=3_000,
        agent_prices=[2_500, 2_700],
        commission_kind="level_margin",
    )
    profile = VoucherProfile.create(tenant_id, "1JAM", uuid.uuid4(), terms)
    profile.update(terms.changed(selling_price=3_500))
    return profile


def _campaign(tenant_id: uuid.UUID) -> Campaign:
    audience = Audience(plan="Rumah 20", last_payment_before=ON, tags=("rt 05",))
    return Campaign.create(
        tenant_id, "Promo", "broadcast_promo", {"nama": "Budi"}, audience, Guardrails()
    )


def _hotspot_user_wanted(tenant_id: uuid.UUID) -> Provisioning:
    record = Provisioning.start(tenant_id, uuid.uuid4(), VOUCHER)
    user = HotspotUser("vch-1", "sealed:4471", "hs-1jam", "1h", None, False, "niaga:x")
    record.want_hotspot_user(uuid.uuid4(), "core-1", user, 1)
    return record


def _unwrapped(value: Any) -> Any:
    """A stored value with every payload as the bare object of its fields."""
    if isinstance(value, dict):
        if value.keys() == {"_type_", "_data_"} and value["_type_"] in EVENT_PAYLOADS:
            return value["_data_"]
        return {k: _unwrapped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrapped(v) for v in value]
    return value


def _store_as_version_1(niaga: Niaga, store: PostgresEventStore) -> set[str]:
    """Rewrite the store's versioned events as releases before typed payloads stored them;
    return the topics rewritten."""
    events = sql.Identifier(store.ref.schema, "niaga_events")
    rewritten = set()
    with niaga.database.connection() as conn:
        stored = conn.execute(
            sql.SQL("SELECT notification_id, topic, state FROM {}").format(events)
        ).fetchall()
        for notification_id, topic, state in stored:
            data = json.loads(bytes(state))
            if data.pop("class_version", None) is None:
                continue
            old = json.dumps(_unwrapped(data), separators=(",", ":"), ensure_ascii=False)
            conn.execute(
                sql.SQL("UPDATE {} SET state = %s WHERE notification_id = %s").format(events),
                (old.encode(), notification_id),
            )
            rewritten.add(topic.split(":")[1])
    return rewritten


def _aggregates(store: PostgresEventStore, niaga: Niaga) -> dict[uuid.UUID, dict[str, Any]]:
    """Every aggregate of the store, decoded afresh from its events (no cache)."""
    with niaga.database.connection() as conn:
        ids = [
            r[0]
            for r in conn.execute(
                sql.SQL("SELECT DISTINCT originator_id FROM {}.niaga_events").format(
                    sql.Identifier(store.ref.schema)
                )
            ).fetchall()
        ]
    return {
        aggregate_id: {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}
        for aggregate_id, aggregate in store.get_many(ids).items()
    }


def test_events_stored_with_plain_payloads_load_and_rebuild_as_typed_ones(
    niaga: Niaga, tenant_id: uuid.UUID, owner: Principal
) -> None:
    _history_with_every_payload(niaga, owner)
    platform = niaga.stores.platform()
    assert isinstance(platform, PostgresEventStore)
    # The tenant's events, and the platform's (its Tenant aggregate), with their read models.
    stores = [(store_of(niaga, tenant_id), TENANT_READ_MODELS), (platform, ("tenants",))]
    for store, _ in stores:
        niaga.projections.catch_up(store)
    before = [_aggregates(store, niaga) for store, _ in stores]

    rewritten = set().union(*(_store_as_version_1(niaga, store) for store, _ in stores))
    assert rewritten == PAYLOAD_EVENTS

    for (store, read_models), aggregates in zip(stores, before, strict=True):
        assert _aggregates(store, niaga) == aggregates
        assert_live_equals_rebuild(niaga, store, (*read_models, "audit_log"))

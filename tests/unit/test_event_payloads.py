"""Events carry typed payloads, stored under one registered name each as the plain JSON object of
their fields; events stored by older versions of their class are upcast when read."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pkgutil
import sys
import types
import uuid
from datetime import UTC, datetime
from typing import Any, Union, get_args, get_origin

import pytest
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import JSONTranscoder

import domain
from application.shared.event_payloads import EVENT_PAYLOADS, payload_transcodings
from domain.billing.invoice import Invoice, new_line
from domain.billing.plan import BillingMode, Plan, ServiceType
from domain.billing.subscription import PlanTerms, Subscription
from domain.customers.customer import Customer
from domain.payments.gateway import LinkPurpose, PaymentLink
from domain.shared.payloads import to_plain
from domain.shared.personal_data import erases_subject

_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
TENANT = uuid.UUID("7d1e0f9a-6c1b-4a52-9a51-1f7cb0a5c001")
AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _event_classes() -> list[type]:
    found: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Aggregate):
                for nested in vars(value).values():
                    if (
                        isinstance(nested, type)
                        and issubclass(nested, DomainEvent)
                        and nested.__module__.startswith("domain.")
                    ):
                        found.setdefault(f"{nested.__module__}:{nested.__qualname__}", nested)
    return list(found.values())


def _value_types(annotation: Any) -> set[type]:
    """The dataclasses a field's type names, inside lists and optionals too."""
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        return {annotation}
    if get_origin(annotation) in {list, tuple, dict, Union, types.UnionType}:
        return set().union(*(_value_types(arg) for arg in get_args(annotation)))
    return set()


def _payload_types(event_class: type) -> set[type]:
    names = vars(sys.modules[event_class.__module__])
    return set().union(
        *(
            _value_types(eval(f.type, names) if isinstance(f.type, str) else f.type)
            for f in dataclasses.fields(event_class)
            if f.name not in _ENVELOPE
        )
    )


EVENT_CLASSES = _event_classes()


def _transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in payload_transcodings():
        transcoder.register(transcoding)
    return transcoder


def test_every_value_type_an_event_carries_is_registered_under_one_name() -> None:
    carried = set().union(*(_payload_types(cls) for cls in EVENT_CLASSES))
    assert carried == set(EVENT_PAYLOADS.values())
    assert len(set(EVENT_PAYLOADS.values())) == len(EVENT_PAYLOADS)


def test_no_event_carries_an_untyped_object() -> None:
    untyped = [
        f"{cls.__qualname__}.{f.name}"
        for cls in EVENT_CLASSES
        for f in dataclasses.fields(cls)
        if "Any" in str(f.type) or "object" in str(f.type)
    ]
    assert untyped == []


def test_a_payload_is_stored_as_the_plain_object_of_its_fields_under_its_name() -> None:
    terms = PlanTerms(uuid.uuid4(), "Rumah 20", 200_000, "20M", BillingMode.PREPAID, 30, True)
    stored = _transcoder().encode({"terms": terms})
    assert json.loads(stored) == {
        "terms": {
            "_type_": "plan_terms",
            "_data_": {
                "plan_id": str(terms.plan_id),
                "name": "Rumah 20",
                "price": 200_000,
                "router_profile": "20M",
                "billing_mode": "prepaid",
                "validity_days": 30,
                "taxable": True,
            },
        }
    }
    decoded = _transcoder().decode(stored)["terms"]
    assert decoded == terms
    assert decoded.billing_mode is BillingMode.PREPAID


@pytest.mark.parametrize(
    "event_class",
    [cls for cls in EVENT_CLASSES if getattr(cls, "class_version", 1) > 1],
    ids=lambda cls: cls.__qualname__,
)
def test_a_versioned_event_can_be_upcast_from_every_older_version(event_class: type) -> None:
    for version in range(1, event_class.class_version):  # type: ignore[attr-defined]
        assert callable(getattr(event_class, f"upcast_v{version}_v{version + 1}", None))


def test_an_event_stored_with_plain_payloads_reads_back_as_value_types() -> None:
    lines = [new_line("plan", "Paket Rumah 20", 1, 200_000, True)]
    invoice = Invoice.draft(TENANT, uuid.uuid4(), lines, pkp=True)
    (drafted,) = invoice.collect_events()
    state = {**vars(drafted), "lines": [to_plain(line) for line in lines]}  # version 1
    Invoice.Drafted.upcast_v1_v2(state)  # type: ignore[attr-defined]
    replayed = Invoice.Drafted(**state).mutate(None)
    assert isinstance(replayed, Invoice)
    assert replayed.lines == lines
    assert replayed.totals == invoice.totals


def test_a_subscription_stored_with_plain_terms_and_no_promotion_upcasts() -> None:
    plan = Plan.create(TENANT, "Rumah 20", 200_000, "20M", ServiceType.PPPOE, BillingMode.POSTPAID)
    subscription = Subscription.subscribe(TENANT, uuid.uuid4(), plan, 5, "core-1", "budi")
    (subscribed,) = subscription.collect_events()
    state = {**vars(subscribed), "terms": to_plain(subscription.terms), "promotion": None}
    Subscription.Subscribed.upcast_v1_v2(state)  # type: ignore[attr-defined]
    assert state["terms"] == subscription.terms
    assert state["promotion"] is None


def _link_state(**later_fields: Any) -> dict[str, Any]:
    """A PaymentLink.Created as decoded from a version 1 event."""
    return {
        "originator_id": uuid.uuid4(),
        "originator_version": 1,
        "timestamp": AT,
        "originator_topic": "domain.payments.gateway:PaymentLink",
        "tenant_id": TENANT,
        "invoice_id": uuid.uuid4(),
        "customer_id": uuid.uuid4(),
        "gateway": "tripay",
        "order_id": "NGA-1",
        "reference": "T1",
        "url": "https://tripay.example/checkout/T1",
        "amount": 150_000,
        "currency": "IDR",
        "expires_at": datetime(2026, 1, 6, tzinfo=UTC),
        **later_fields,
    }


def test_a_version_1_link_stored_after_purposes_existed_keeps_its_purpose() -> None:
    subject = uuid.uuid4()
    state = _link_state(purpose=LinkPurpose.AGENT_TOP_UP.value, subject_id=subject)
    PaymentLink.Created.upcast_v1_v2(state)  # type: ignore[attr-defined]
    link = PaymentLink.Created(**state).mutate(None)
    assert isinstance(link, PaymentLink)
    assert (link.purpose, link.subject_id) == (LinkPurpose.AGENT_TOP_UP, subject)


def test_a_link_needs_its_purpose_now() -> None:
    with pytest.raises(TypeError):
        PaymentLink.Created(**_link_state())


def test_only_the_events_that_destroy_a_subjects_key_erase_the_subject() -> None:
    erasing = [cls.__qualname__ for cls in EVENT_CLASSES if erases_subject(cls)]
    # A forgotten customer, and a deleted knowledge-base document (its content is shredded).
    assert sorted(erasing) == ["Customer.Forgotten", "KnowledgeDocument.Deleted"]
    assert not erases_subject(Customer.ContactChanged)

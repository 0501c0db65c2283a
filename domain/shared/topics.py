"""Event topics that outlive module moves.

A stored event names its class by topic (`module:Qualname`), and topics are never rewritten.
When domain modules moved into area packages, events already stored kept their old topics. This
table lets each old module name be registered with eventsourcing (`application.shared.mapper`
does that), so an old topic resolves to the class in its new home; `topics_of` gives every topic
a class has been stored under, so a reader that filters the log by topic finds old and new alike.
"""

from __future__ import annotations

# Where each domain module used to live -> where it lives now.
MOVED_MODULES: dict[str, str] = {
    "domain.agent": "domain.vouchers.agent",
    "domain.billing_cycle": "domain.billing.billing_cycle",
    "domain.campaign": "domain.messaging.campaign",
    "domain.customer": "domain.customers.customer",
    "domain.customer_tags": "domain.customers.customer_tags",
    "domain.errors": "domain.shared.errors",
    "domain.gateway": "domain.payments.gateway",
    "domain.inventory": "domain.repairs.inventory",
    "domain.invoice": "domain.billing.invoice",
    "domain.message_template": "domain.messaging.message_template",
    "domain.money": "domain.shared.money",
    "domain.notification": "domain.messaging.notification",
    "domain.payment": "domain.payments.payment",
    "domain.personal_data": "domain.shared.personal_data",
    "domain.plan": "domain.billing.plan",
    "domain.provisioning": "domain.routers.provisioning",
    "domain.recorded": "domain.shared.recorded",
    "domain.repair_job": "domain.repairs.repair_job",
    "domain.roles": "domain.shared.roles",
    "domain.router": "domain.routers.router",
    "domain.subscription": "domain.billing.subscription",
    "domain.tax": "domain.billing.tax",
    "domain.tenant": "domain.platform.tenant",
    "domain.values": "domain.shared.values",
    "domain.voucher": "domain.vouchers.voucher",
    "domain.voucher_codes": "domain.vouchers.voucher_codes",
    "domain.voucher_order": "domain.vouchers.voucher_order",
    "domain.webhook": "domain.integrations.webhook",
    "domain.webhook_delivery": "domain.integrations.webhook_delivery",
    "domain.whatsapp": "domain.messaging.whatsapp",
}

_FORMER_NAMES: dict[str, list[str]] = {}
for _old, _new in MOVED_MODULES.items():
    _FORMER_NAMES.setdefault(_new, []).append(_old)


def topics_of(cls: type) -> list[str]:
    """The topic events of `cls` are stored under now, then any they were stored under before."""
    module, qualname = cls.__module__, cls.__qualname__
    return [f"{module}:{qualname}", *(f"{old}:{qualname}" for old in _FORMER_NAMES.get(module, ()))]

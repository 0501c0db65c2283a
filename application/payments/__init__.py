"""The payments area: money received, payment gateways, links and transfers.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from application.payments.gateway_accounts import GatewayAccounts, GatewayNotConfigured
from application.payments.payment_links import callback_url
from application.payments.payments import RecordPayment, open_invoice, receive_payment
from application.payments.ports import GatewayAccess, GatewayProtocol, LinkRequest

__all__ = [
    "GatewayAccess",
    "GatewayAccounts",
    "GatewayNotConfigured",
    "GatewayProtocol",
    "LinkRequest",
    "RecordPayment",
    "callback_url",
    "open_invoice",
    "receive_payment",
]

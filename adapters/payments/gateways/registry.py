"""Every gateway Niaga speaks, by name."""

from __future__ import annotations

from adapters.payments.gateways.duitku import Duitku
from adapters.payments.gateways.midtrans import Midtrans
from adapters.payments.gateways.tripay import Tripay
from adapters.payments.gateways.xendit import Xendit
from application.payments.ports import GatewayProtocol
from domain.payments.gateway import Gateway


def gateway_protocols(timeout: float) -> dict[Gateway, GatewayProtocol]:
    return {
        Gateway.MIDTRANS: Midtrans(timeout),
        Gateway.XENDIT: Xendit(timeout),
        Gateway.TRIPAY: Tripay(timeout),
        Gateway.DUITKU: Duitku(timeout),
    }

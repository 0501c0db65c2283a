"""Every gateway Niaga speaks, by name."""

from __future__ import annotations

from adapters.gateways.duitku import Duitku
from adapters.gateways.midtrans import Midtrans
from adapters.gateways.tripay import Tripay
from adapters.gateways.xendit import Xendit
from application.gateway_ports import GatewayProtocol
from domain.gateway import Gateway


def gateway_protocols(timeout: float) -> dict[Gateway, GatewayProtocol]:
    return {
        Gateway.MIDTRANS: Midtrans(timeout),
        Gateway.XENDIT: Xendit(timeout),
        Gateway.TRIPAY: Tripay(timeout),
        Gateway.DUITKU: Duitku(timeout),
    }

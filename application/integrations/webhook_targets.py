"""Where webhooks may be sent: refusing targets inside private networks (SSRF) and plain HTTP in
production, unless the operator allows them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from application.integrations.ports import HostResolver
from application.shared.errors import ApplicationError
from domain.integrations.webhook import endpoint_url


class TargetRefused(ApplicationError):
    code = "WEBHOOK_TARGET_REFUSED"


def is_public(address: str) -> bool:
    """Routable on the internet: not private, loopback, link-local, multicast, reserved or
    unspecified (IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class TargetPolicy:
    resolver: HostResolver
    allow_private: bool = False
    require_https: bool = False

    def check(self, raw_url: str) -> str:
        """The URL if webhooks may go there, else TargetRefused saying why."""
        url = endpoint_url(raw_url)
        parts = urlsplit(url)
        if self.require_https and parts.scheme != "https":
            raise TargetRefused("webhook URLs must use https", field="url")
        if self.allow_private:
            return url
        host = parts.hostname or ""
        addresses = self.resolver.addresses(host)
        if not addresses:
            raise TargetRefused(f"the host {host!r} does not resolve", field="url")
        private = sorted({a for a in addresses if not is_public(a)})
        if private:
            raise TargetRefused(
                f"{host!r} resolves to a private, loopback or link-local address "
                f"({', '.join(private)}); webhooks go to public addresses only",
                field="url",
            )
        return url

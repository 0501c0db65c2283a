"""A MikroTik router a tenant provisions subscribers on, reached through the RouterOS API."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import InvalidValue
from domain.shared.values import require_text

API_PORT, API_SSL_PORT = 8728, 8729


def _port(port: int) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidValue("port must be 1-65535", field="port")
    return port


def _host(host: str) -> str:
    host = require_text(host, "host", 253)
    if any(c.isspace() for c in host) or "/" in host:
        raise InvalidValue(f"{host!r} is not a host name or address", field="host")
    return host


class Router(Aggregate):
    """Its API password is kept sealed (encrypted with the platform's key), never in clear."""

    class Added(Aggregate.Created):
        tenant_id: UUID
        name: str
        host: str
        port: int
        tls: bool
        verify_tls: bool
        ca_pem: str | None
        username: str
        password_sealed: str
        site: str | None

    class Updated(Aggregate.Event):
        host: str
        port: int
        tls: bool
        verify_tls: bool
        ca_pem: str | None
        username: str
        password_sealed: str
        site: str | None

    class Removed(Aggregate.Event):
        pass

    @classmethod
    def add(
        cls,
        tenant_id: UUID,
        name: str,
        host: str,
        username: str,
        password_sealed: str,
        *,
        port: int | None = None,
        tls: bool = False,
        verify_tls: bool = True,
        ca_pem: str | None = None,
        site: str | None = None,
    ) -> Router:
        return cls(
            tenant_id=tenant_id,
            name=require_text(name, "name", 64),
            host=_host(host),
            port=_port(port or (API_SSL_PORT if tls else API_PORT)),
            tls=tls,
            verify_tls=verify_tls,
            ca_pem=ca_pem or None,
            username=require_text(username, "username", 64),
            password_sealed=password_sealed,
            site=site or None,
        )

    @event(Added)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        host: str,
        port: int,
        tls: bool,
        verify_tls: bool,
        ca_pem: str | None,
        username: str,
        password_sealed: str,
        site: str | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.removed = False
        self._set(host, port, tls, verify_tls, ca_pem, username, password_sealed, site)

    def update(
        self,
        *,
        host: str | None = None,
        port: int | None = None,
        tls: bool | None = None,
        verify_tls: bool | None = None,
        ca_pem: str | None = None,
        username: str | None = None,
        password_sealed: str | None = None,
        site: str | None = None,
    ) -> None:
        if self.removed:
            raise InvalidValue(f"router {self.name} was removed", field="id")
        self._updated(
            host=_host(host) if host is not None else self.host,
            port=_port(port) if port is not None else self.port,
            tls=self.tls if tls is None else tls,
            verify_tls=self.verify_tls if verify_tls is None else verify_tls,
            ca_pem=self.ca_pem if ca_pem is None else (ca_pem or None),
            username=require_text(username, "username", 64) if username else self.username,
            password_sealed=password_sealed or self.password_sealed,
            site=self.site if site is None else (site or None),
        )

    @event(Updated)
    def _updated(
        self,
        host: str,
        port: int,
        tls: bool,
        verify_tls: bool,
        ca_pem: str | None,
        username: str,
        password_sealed: str,
        site: str | None,
    ) -> None:
        self._set(host, port, tls, verify_tls, ca_pem, username, password_sealed, site)

    def remove(self) -> None:
        if not self.removed:
            self._removed()

    @event(Removed)
    def _removed(self) -> None:
        self.removed = True

    def _set(
        self,
        host: str,
        port: int,
        tls: bool,
        verify_tls: bool,
        ca_pem: str | None,
        username: str,
        password_sealed: str,
        site: str | None,
    ) -> None:
        self.host, self.port, self.tls, self.verify_tls = host, port, tls, verify_tls
        self.ca_pem, self.username, self.password_sealed, self.site = (
            ca_pem,
            username,
            password_sealed,
            site,
        )

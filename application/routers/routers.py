"""Router use-cases: add and update a tenant's routers, and test that Niaga can log in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.unit_of_work import Saver, load
from domain.routers.provisioning import HotspotUser, PppSecret
from domain.routers.router import Router


@dataclass(frozen=True)
class RouterAccess:
    """What it takes to log in to a router's API; the password only ever in memory."""

    name: str
    host: str
    port: int
    tls: bool
    verify_tls: bool
    ca_pem: str | None
    username: str
    password: str


class RouterUnreachable(ApplicationError):
    """The router did not answer (down, refused, timed out, circuit open): worth retrying."""

    code = "ROUTER_UNREACHABLE"


class RouterRefused(ApplicationError):
    """The router answered with an error (!trap): its message says why; retrying will not help."""

    code = "ROUTER_REFUSED"


class AddressUnknown(RouterRefused):
    """The router has no address for a subscriber to put on the isolir address list (no static
    remote-address, no active session): worth retrying, since the subscriber may come online."""


@dataclass(frozen=True)
class RouterIdentity:
    identity: str
    version: str
    board: str


@dataclass(frozen=True)
class AddressEntry:
    """A firewall address-list entry (`/ip/firewall/address-list`) on a router."""

    list: str
    address: str
    comment: str


@dataclass(frozen=True)
class HotspotUsage:
    """What a router counted for one hotspot user (`/ip/hotspot/user` uptime and bytes)."""

    name: str
    comment: str
    uptime_seconds: int
    bytes_in: int
    bytes_out: int

    @property
    def bytes_total(self) -> int:
        return self.bytes_in + self.bytes_out


class RouterGateway(Protocol):
    """Port: talking to routers. Raises RouterUnreachable or RouterRefused."""

    def identify(self, router: RouterAccess) -> RouterIdentity: ...

    def sync_secret(self, router: RouterAccess, name: str, desired: PppSecret | None) -> list[str]:
        """Make the router's PPP secret `name` match `desired` (None: absent), writing only the
        difference, kicking the active session when profile or enabled state changed; return
        what was changed."""
        ...

    def tagged_secrets(self, router: RouterAccess, tag_prefix: str) -> dict[str, PppSecret]:
        """The router's PPP secrets whose comment starts with the tag, by name."""
        ...

    def sync_subscriber(
        self,
        router: RouterAccess,
        name: str,
        desired: PppSecret | None,
        tag: str,
        isolir_list: str | None,
    ) -> list[str]:
        """`sync_secret`, and keep the address-list entries tagged `tag` to exactly one in
        `isolir_list` (none when None), holding the secret's address; kick the active session
        when the profile, enabled state or isolir membership changed."""
        ...

    def sync_isolir_address(
        self, router: RouterAccess, name: str | None, tag: str, isolir_list: str | None
    ) -> list[str]:
        """Only the address-list part of `sync_subscriber` (for secret `name`, if known)."""
        ...

    def tagged_addresses(self, router: RouterAccess, tag_prefix: str) -> list[AddressEntry]:
        """The router's address-list entries whose comment starts with the tag."""
        ...

    def sync_hotspot_user(
        self, router: RouterAccess, name: str, desired: HotspotUser | None
    ) -> list[str]:
        """Make the hotspot user `name` match `desired` (None: absent), writing only the
        difference; kick its active sessions when it is disabled or removed."""
        ...

    def sync_hotspot_users(
        self, router: RouterAccess, users: Sequence[tuple[str, HotspotUser | None]]
    ) -> list[list[str] | RouterRefused]:
        """`sync_hotspot_user` for many users over one connection: per user the changes, or
        the router's refusal of that user. Raises RouterUnreachable for all of them."""
        ...

    def tagged_hotspot_users(self, router: RouterAccess, tag_prefix: str) -> dict[str, HotspotUser]:
        """The router's hotspot users whose comment starts with the tag, by name."""
        ...

    def hotspot_usage(self, router: RouterAccess, tag_prefix: str) -> list[HotspotUsage]:
        """Uptime and traffic counted so far for each hotspot user tagged `tag_prefix`."""
        ...


@dataclass(frozen=True)
class AddRouter:
    name: str
    host: str
    username: str
    password: str
    port: int | None = None
    tls: bool = False
    verify_tls: bool = True
    ca_pem: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class UpdateRouter:
    router_id: UUID
    host: str | None = None
    port: int | None = None
    tls: bool | None = None
    verify_tls: bool | None = None
    ca_pem: str | None = None
    username: str | None = None
    password: str | None = None
    site: str | None = None


def access_of(router: Router, secrets: SecretBox) -> RouterAccess:
    return RouterAccess(
        router.name,
        router.host,
        router.port,
        router.tls,
        router.verify_tls,
        router.ca_pem,
        router.username,
        secrets.open(router.password_sealed),
    )


class RouterService:
    def __init__(
        self, stores: Stores, sync: ReadModelSync, secrets: SecretBox, gateway: RouterGateway
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._secrets = secrets
        self._gateway = gateway

    def add(self, principal: Principal, command: AddRouter) -> UUID:
        authorize(principal, Permission.MANAGE_ROUTERS)
        if not command.password:
            raise ApplicationError("the router's API password is required", field="password")
        router = Router.add(
            principal.tenant_id,
            command.name,
            command.host,
            command.username,
            self._secrets.seal(command.password, "password"),
            port=command.port,
            tls=command.tls,
            verify_tls=command.verify_tls,
            ca_pem=command.ca_pem,
            site=command.site,
        )
        self._saver.save(
            self._stores.for_tenant(principal.tenant_id), principal, "AddRouter", router
        )
        return router.id

    def update(self, principal: Principal, command: UpdateRouter) -> None:
        authorize(principal, Permission.MANAGE_ROUTERS)
        store = self._stores.for_tenant(principal.tenant_id)
        router = load(store, Router, command.router_id, principal.tenant_id, "router")
        router.update(
            host=command.host,
            port=command.port,
            tls=command.tls,
            verify_tls=command.verify_tls,
            ca_pem=command.ca_pem,
            username=command.username,
            password_sealed=(
                self._secrets.seal(command.password, "password") if command.password else None
            ),
            site=command.site,
        )
        self._saver.save(store, principal, "UpdateRouter", router)

    def test_connection(self, principal: Principal, router_id: UUID) -> RouterIdentity:
        """Log in and read the router's identity; RouterUnreachable or RouterRefused say why not."""
        authorize(principal, Permission.MANAGE_ROUTERS)
        store = self._stores.for_tenant(principal.tenant_id)
        router = load(store, Router, router_id, principal.tenant_id, "router")
        return self._gateway.identify(access_of(router, self._secrets))

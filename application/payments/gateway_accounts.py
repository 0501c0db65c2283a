"""A tenant's gateway accounts: credentials go in sealed and never come out."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from application.payments.ports import GatewayAccess
from application.shared.authorization import Permission, authorize
from application.shared.context import Principal
from application.shared.errors import ApplicationError
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.secrets import SecretBox
from application.shared.unit_of_work import Saver, find
from domain.payments.gateway import CREDENTIALS, Gateway, GatewayAccount, gateway_named

DEFAULT_LINK_MINUTES = 24 * 60
ENDPOINT_NAMES = frozenset({"api", "snap", "method"})


@dataclass(frozen=True)
class ConfigureGateway:
    gateway: str
    credentials: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)  # overrides of the default URLs
    link_minutes: int | None = None


class GatewayNotConfigured(ApplicationError):
    code = "GATEWAY_NOT_CONFIGURED"


class GatewayAccounts:
    def __init__(self, stores: Stores, sync: ReadModelSync, secrets: SecretBox) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._secrets = secrets

    def configure(self, principal: Principal, command: ConfigureGateway) -> Gateway:
        """Set or change the tenant's credentials at a gateway (owners and admins)."""
        authorize(principal, Permission.MANAGE_GATEWAYS)
        gateway = gateway_named(command.gateway)
        _check_names(gateway, command)
        sealed = {k: self._secrets.seal(v, k) for k, v in command.credentials.items() if v}
        store = self._stores.for_tenant(principal.tenant_id)
        account = find(store, GatewayAccount, GatewayAccount.id_for(principal.tenant_id, gateway))
        if account is None:
            account = GatewayAccount.configure(
                principal.tenant_id,
                gateway,
                sealed,
                {k: v for k, v in command.endpoints.items() if v},
                command.link_minutes or DEFAULT_LINK_MINUTES,
            )
        else:
            account.reconfigure(sealed, command.endpoints, command.link_minutes)
        self._saver.save(store, principal, "ConfigureGateway", account)
        return gateway

    def access(self, store: EventStore, tenant_id: UUID, gateway: Gateway) -> GatewayAccess:
        """The account with its credentials opened; GatewayNotConfigured when there is none."""
        account = find(store, GatewayAccount, GatewayAccount.id_for(tenant_id, gateway))
        if account is None or account.tenant_id != tenant_id:
            raise GatewayNotConfigured(
                f"{gateway.value} is not configured for this tenant", field="gateway"
            )
        return GatewayAccess(
            gateway,
            tenant_id,
            {k: self._secrets.open(v) for k, v in account.credentials_sealed.items()},
            dict(account.endpoints),
            account.link_minutes,
        )


def _check_names(gateway: Gateway, command: ConfigureGateway) -> None:
    unknown = set(command.credentials) - CREDENTIALS[gateway]
    if unknown:
        raise ApplicationError(
            f"{gateway.value} takes no credential {', '.join(sorted(unknown))}",
            field="credentials",
        )
    odd = set(command.endpoints) - ENDPOINT_NAMES
    if odd:
        raise ApplicationError(f"unknown endpoint {', '.join(sorted(odd))}", field="endpoints")
    for name, url in command.endpoints.items():
        if name != "method" and url and not url.startswith(("https://", "http://")):
            raise ApplicationError(f"{name} must be an http(s) URL", field="endpoints")

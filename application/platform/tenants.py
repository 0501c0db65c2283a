"""Tenant use-cases: registering businesses, their settings and their API keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.platform import api_keys
from application.platform.operator_keys import OperatorKeys, is_operator_token
from application.shared.authorization import Permission, authorize, permissions_named
from application.shared.context import SYSTEM, Actor, ActorKind, Principal, recording
from application.shared.errors import AuthenticationFailed, NotFound, UnknownTenant
from application.shared.ports import (
    ApiKeyRecord,
    Placement,
    ReadModels,
    ReadModelSync,
    Stores,
    TenantView,
)
from domain.platform.custom_roles import CustomRole
from domain.platform.legal_details import BankAccount
from domain.platform.tenant import BillingPolicy, IsolirPolicy, Tenant
from domain.shared.roles import Role
from domain.shared.tenant_writes import TenantWrites


@dataclass(frozen=True)
class IssuedApiKey:
    key_id: str
    tenant_id: UUID
    role: Role
    token: str  # shown once, never stored


@dataclass(frozen=True)
class ChangeLegalDetails:
    """What invoices say about the seller. None keeps a value, a blank text removes it, and a
    list of bank accounts replaces the accounts."""

    legal_name: str | None = None
    address: str | None = None
    npwp: str | None = None
    bank_accounts: list[BankAccount] | None = None


class ApiKeyLookup(Protocol):
    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        """The key as its read model has it now (a cache must never answer a revoked key as
        valid once its revocation was recorded)."""

    def kept(self, key_id: str) -> ApiKeyRecord | None:
        """The key if it is held in memory and still current, without any I/O; else None."""


class PersonTokenCheck(Protocol):
    """People's access tokens (the identity area's PersonTokens)."""

    def recognises(self, token: str) -> bool: ...

    def authenticate(self, token: str) -> Principal: ...

    def authenticate_from_memory(self, token: str) -> Principal | None: ...


class _ReadEachTime:
    """Keys read from their read model on every request; none held in memory."""

    def __init__(self, read_models: ReadModels) -> None:
        self._read_models = read_models

    def api_key(self, key_id: str) -> ApiKeyRecord | None:
        return self._read_models.api_key(key_id)

    def kept(self, key_id: str) -> ApiKeyRecord | None:
        return None


class TenantService:
    """Registers tenants in the platform store and authenticates their API keys."""

    def __init__(
        self,
        stores: Stores,
        read_models: ReadModels,
        sync: ReadModelSync,
        key_lookup: ApiKeyLookup | None = None,
        operator_keys: OperatorKeys | None = None,
        person_tokens: PersonTokenCheck | None = None,
    ) -> None:
        self._stores = stores
        self._read_models = read_models
        self._sync = sync
        self._key_lookup: ApiKeyLookup = key_lookup or _ReadEachTime(read_models)
        self._operator_keys = operator_keys
        self._person_tokens = person_tokens

    def create(
        self,
        name: str,
        placement: Placement,
        actor: Actor = SYSTEM,
        *,
        region: str | None = None,
        server: str | None = None,
    ) -> UUID:
        """Register a business and place its data: in `region` (the default region when None),
        on `server` (the region's first server when None), in the tier `placement` names."""
        tenant_id = uuid.uuid4()
        Tenant.register(tenant_id, name, store="pending")  # validate before placing anything
        where = self._stores.place(tenant_id, placement, region=region, server=server)
        tenant = Tenant.register(tenant_id, name, store=where.store)
        tenant.place(where.region, placement.value, where.server, where.store)
        self._save(tenant, "CreateTenant", actor)
        return tenant_id

    def lock(self, tenant_id: UUID, reason: str, actor: Actor = SYSTEM) -> bool:
        """Soft-lock a tenant: its queries go on, every command is refused with TENANT_LOCKED,
        its webhooks and scheduled jobs wait; nothing is deleted. False if it was locked."""
        tenant = self._get(tenant_id)
        if not tenant.lock(reason):
            return False
        self._save(tenant, "LockTenant", actor)
        return True

    def unlock(self, tenant_id: UUID, actor: Actor = SYSTEM) -> bool:
        """Lift a soft lock at once. False if the tenant was not locked."""
        tenant = self._get(tenant_id)
        if not tenant.unlock():
            return False
        self._save(tenant, "UnlockTenant", actor)
        return True

    def start_move(
        self, tenant_id: UUID, move_id: str, tier: str, server: str, actor: Actor = SYSTEM
    ) -> None:
        """From now on the tenant's commands answer TENANT_MOVING (every process: the change is
        announced like a revoked key)."""
        tenant = self._get(tenant_id)
        tenant.start_move(move_id, tier, server)
        self._save(tenant, "StartTenantMove", actor)

    def finish_move(
        self,
        tenant_id: UUID,
        region: str,
        tier: str,
        server: str,
        store: str,
        actor: Actor = SYSTEM,
    ) -> None:
        tenant = self._get(tenant_id)
        tenant.place(region, tier, server, store)
        self._save(tenant, "FinishTenantMove", actor)

    def abandon_move(
        self, tenant_id: UUID, move_id: str, reason: str, actor: Actor = SYSTEM
    ) -> None:
        tenant = self._get(tenant_id)
        tenant.abandon_move(move_id, reason[:500] or "rolled back")
        if tenant.pending_events:
            self._save(tenant, "AbandonTenantMove", actor)

    def tenant(self, tenant_id: UUID) -> Tenant:
        """The tenant as recorded (for the platform's own services)."""
        return self._get(tenant_id)

    def change_settings(
        self,
        tenant_id: UUID,
        *,
        pkp: bool | None = None,
        invoice_prefix: str | None = None,
        timezone: str | None = None,
        legal: ChangeLegalDetails | None = None,
        actor: Actor = SYSTEM,
    ) -> None:
        """Change settings and legal details together: one refused value records nothing."""
        tenant = self._get(tenant_id)
        if legal is None or (pkp, invoice_prefix, timezone) != (None, None, None):
            tenant.change_settings(pkp=pkp, invoice_prefix=invoice_prefix, timezone=timezone)
        if legal is not None:
            tenant.change_legal_details(
                legal_name=legal.legal_name,
                address=legal.address,
                npwp=legal.npwp,
                bank_accounts=legal.bank_accounts,
            )
        self._save(tenant, "ChangeTenantSettings", actor)

    def change_settings_as(
        self,
        principal: Principal,
        *,
        pkp: bool | None = None,
        invoice_prefix: str | None = None,
        timezone: str | None = None,
        legal: ChangeLegalDetails | None = None,
    ) -> Tenant:
        """A tenant's owner or admin changes its settings and legal details."""
        authorize(principal, Permission.MANAGE_TENANT)
        self.change_settings(
            principal.tenant_id,
            pkp=pkp,
            invoice_prefix=invoice_prefix,
            timezone=timezone,
            legal=legal,
            actor=principal.actor,
        )
        return self._get(principal.tenant_id)

    def change_billing_policy_as(
        self, principal: Principal, policy: BillingPolicy
    ) -> BillingPolicy:
        authorize(principal, Permission.MANAGE_TENANT)
        tenant = self._get(principal.tenant_id)
        tenant.change_billing_policy(policy)
        self._save(tenant, "ChangeBillingPolicy", principal.actor)
        return tenant.billing_policy

    def tenants(self) -> list[TenantView]:
        """Every tenant on the platform, for the operator (never for a tenant's own callers)."""
        return self._read_models.tenants()

    def isolir_policy(self, tenant_id: UUID) -> IsolirPolicy:
        """How a tenant restricts unpaid subscribers now, for the operator to change a part."""
        return self._get(tenant_id).isolir_policy

    def change_isolir_policy(
        self, tenant_id: UUID, policy: IsolirPolicy, actor: Actor = SYSTEM
    ) -> IsolirPolicy:
        tenant = self._get(tenant_id)
        tenant.change_isolir_policy(policy)
        self._save(tenant, "ChangeIsolirPolicy", actor)
        return tenant.isolir_policy

    def change_isolir_policy_as(self, principal: Principal, policy: IsolirPolicy) -> IsolirPolicy:
        """How unpaid subscribers are restricted on the routers: a profile or an address list."""
        authorize(principal, Permission.MANAGE_TENANT)
        return self.change_isolir_policy(principal.tenant_id, policy, principal.actor)

    def issue_api_key(
        self, tenant_id: UUID, role: Role, label: str = "", actor: Actor = SYSTEM
    ) -> IssuedApiKey:
        tenant = self._get(tenant_id)
        new_key = api_keys.generate()
        tenant.issue_api_key(new_key.key_id, new_key.secret_hash, role, label)
        self._save(tenant, "IssueApiKey", actor)
        return IssuedApiKey(new_key.key_id, tenant_id, role, new_key.token)

    def issue_custom_role_key(
        self, tenant_id: UUID, role: CustomRole, label: str = "", actor: Actor = SYSTEM
    ) -> IssuedApiKey:
        """A key holding a custom role of the tenant (see `CustomRoleService.role`)."""
        tenant = self._get(tenant_id)
        new_key = api_keys.generate()
        tenant.issue_api_key(new_key.key_id, new_key.secret_hash, role.base_role, label, role.id)
        self._save(tenant, "IssueApiKey", actor)
        return IssuedApiKey(new_key.key_id, tenant_id, role.base_role, new_key.token)

    def revoke_api_key(self, key_id: str, actor: Actor = SYSTEM) -> None:
        record = self._read_models.api_key(key_id)
        if record is None:
            raise NotFound(f"no API key {key_id!r}", field="key_id")
        tenant = self._get(record.tenant_id)
        tenant.revoke_api_key(key_id)
        self._save(tenant, "RevokeApiKey", actor)

    def authenticate(self, token: str) -> Principal:
        """Turn a bearer token into a principal, or refuse it with a reason. An operator's key
        (`nop_...`) gives the operator's principal, which holds no tenant permission; a
        person's access token, the person's role at the tenant it was issued for."""
        if self._person_tokens is not None and self._person_tokens.recognises(token):
            return self._person_tokens.authenticate(token)
        if is_operator_token(token):
            if self._operator_keys is None:
                raise AuthenticationFailed("operator keys are not accepted here")
            return self._operator_keys.authenticate(token)
        key_id, secret = api_keys.parse(token)
        return _principal(self._key_lookup.api_key(key_id), secret)

    def authenticate_from_memory(self, token: str) -> Principal | None:
        """As `authenticate`, for a key held in memory: it never waits on I/O, so an event loop
        may call it. None when the key has to be read (then call `authenticate`)."""
        if self._person_tokens is not None and self._person_tokens.recognises(token):
            return self._person_tokens.authenticate_from_memory(token)
        if is_operator_token(token):
            return None  # operator keys are read each time: few requests, and none cached
        try:
            key_id, secret = api_keys.parse(token)
        except AuthenticationFailed:
            return None  # `authenticate` gives the reason
        record = self._key_lookup.kept(key_id)
        return None if record is None else _principal(record, secret)

    def _get(self, tenant_id: UUID) -> Tenant:
        platform = self._stores.platform()
        try:
            tenant: Tenant = platform.repository.get(tenant_id)
        except AggregateNotFoundError as error:
            raise UnknownTenant(f"no tenant {tenant_id}") from error
        return tenant

    def _save(self, tenant: Tenant, command: str, actor: Actor) -> None:
        platform = self._stores.platform()
        with recording(command, actor=actor, tenant_id=tenant.id):
            position = platform.save_and_locate(tenant)
        self._sync.wait(platform, position)


def _principal(record: ApiKeyRecord | None, secret: str) -> Principal:
    """The principal a key acts as, or the reason it is refused."""
    if record is None or not api_keys.secret_matches(secret, record.secret_hash):
        raise AuthenticationFailed("unknown API key")
    if record.revoked:
        raise AuthenticationFailed("this API key has been revoked")
    return Principal(
        record.tenant_id,
        Role(record.role),
        _key_actor(record),
        writes=TenantWrites(record.tenant_writes),
        custom_role=record.custom_role,
        permissions=None if record.permissions is None else permissions_named(record.permissions),
    )


def _key_actor(record: ApiKeyRecord) -> Actor:
    return Actor(ActorKind.API_KEY, record.key_id)

"""A business on the platform: its name, settings and API keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from eventsourcing.domain import Aggregate, event

from domain.platform.legal_details import BankAccount, LegalDetails
from domain.shared.errors import ApiKeyNotFound, DomainError, InvalidValue
from domain.shared.payloads import typed_fields
from domain.shared.roles import Role
from domain.shared.tenant_writes import TenantWrites
from domain.shared.values import require_text

DEFAULT_TIMEZONE = "Asia/Jakarta"


class TenantAlreadyMoving(DomainError):
    code = "TENANT_MOVING"


INDONESIAN_TIMEZONES = frozenset({"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"})


@dataclass(frozen=True)
class BillingPolicy:
    """When invoices fall due, and how unpaid ones escalate (days counted from the due date)."""

    payment_terms_days: int = 7
    grace_days: int = 3
    suspend_after_days: int = 7  # after soft-limiting
    terminate_after_days: int = 30  # after suspending
    reminder_offsets: tuple[int, ...] = (-7, -3, -1, 1)
    numbering_reset: str = "yearly"

    def validated(self) -> BillingPolicy:
        for name in (
            "payment_terms_days",
            "grace_days",
            "suspend_after_days",
            "terminate_after_days",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 365:
                raise InvalidValue(f"{name} must be 0-365 days", field=name)
        if any(not -60 <= o <= 60 for o in self.reminder_offsets):
            raise InvalidValue(
                "reminder offsets must be within 60 days of the due date", field="reminder_offsets"
            )
        if self.numbering_reset not in {"yearly", "monthly"}:
            raise InvalidValue("numbering resets yearly or monthly", field="numbering_reset")
        return self


ISOLIR_MODES = ("profile", "address_list")


@dataclass(frozen=True)
class IsolirPolicy:
    """How an unpaid subscriber is restricted on the router (isolir).

    `profile`: the PPP secret moves to the `profile` profile. `address_list`: the secret keeps its
    plan's profile and the subscriber's address joins the firewall address list `address_list`,
    which the router redirects to a payment page. Either way the active session is kicked."""

    mode: str = "profile"
    profile: str = "isolir"
    address_list: str = "isolir"

    def validated(self) -> IsolirPolicy:
        if self.mode not in ISOLIR_MODES:
            raise InvalidValue(
                f"isolir mode must be one of {', '.join(ISOLIR_MODES)}", field="isolir_mode"
            )
        for name, value in (
            ("isolir_profile", self.profile),
            ("isolir_address_list", self.address_list),
        ):
            if not value or len(value) > 64 or any(c.isspace() or c in "=?" for c in value):
                raise InvalidValue(
                    f"{name} must be 1-64 characters without spaces, '=' or '?'", field=name
                )
        return self


@dataclass(frozen=True)
class ApiKey:
    """An API key as the tenant knows it: only a hash of the secret is ever kept."""

    key_id: str
    secret_hash: str
    role: Role
    label: str
    revoked: bool = False
    custom_role_id: UUID | None = None  # a custom role based on `role`


class Tenant(Aggregate):
    """A business using Niaga. Owns its settings, what its invoices say about it (legal
    details) and its API keys."""

    class Registered(Aggregate.Created):
        name: str
        store: str

    class Renamed(Aggregate.Event):
        name: str

    class SettingsChanged(Aggregate.Event):
        pkp: bool
        invoice_prefix: str
        timezone: str

    class ApiKeyIssued(Aggregate.Event):
        class_version = 2  # version 1 had no custom role
        key_id: str
        secret_hash: str
        role: str
        label: str
        custom_role_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["custom_role_id"] = None

    class ApiKeyRevoked(Aggregate.Event):
        key_id: str

    class BillingPolicyChanged(Aggregate.Event):
        class_version = 2  # version 1 held `policy` as a plain JSON object
        policy: BillingPolicy

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            typed_fields(state, policy=BillingPolicy)

    class IsolirPolicyChanged(Aggregate.Event):
        mode: str
        profile: str
        address_list: str

    class LegalDetailsChanged(Aggregate.Event):
        details: LegalDetails

    class Placed(Aggregate.Event):
        """Where the tenant's data lives: recorded at registration and at the end of a move."""

        region: str
        tier: str
        server: str
        store: str

    class Locked(Aggregate.Event):
        reason: str

    class Unlocked(Aggregate.Event):
        pass

    class MoveStarted(Aggregate.Event):
        move_id: str
        tier: str
        server: str

    class MoveAbandoned(Aggregate.Event):
        move_id: str
        reason: str

    @event(Registered)
    def __init__(self, id: UUID, name: str, store: str) -> None:
        self.name = name
        self.store = store
        self.pkp = False
        self.invoice_prefix = "INV"
        self.timezone = DEFAULT_TIMEZONE
        self.locked = False
        self.lock_reason = ""
        self.region: str | None = None  # None: registered before regions, the default region
        self.tier = "shared"
        self.server = "main"
        self.moving: str | None = None  # the id of the move under way
        self.api_keys: dict[str, ApiKey] = {}
        self.billing_policy = BillingPolicy()
        self.isolir_policy = IsolirPolicy()
        self.legal_details = LegalDetails()

    @classmethod
    def register(cls, tenant_id: UUID, name: str, store: str) -> Tenant:
        return cls(id=tenant_id, name=require_text(name, "name", 120), store=store)

    def rename(self, name: str) -> None:
        self._renamed(name=require_text(name, "name", 120))

    @event(Renamed)
    def _renamed(self, name: str) -> None:
        self.name = name

    def change_settings(
        self,
        *,
        pkp: bool | None = None,
        invoice_prefix: str | None = None,
        timezone: str | None = None,
    ) -> None:
        prefix = self.invoice_prefix if invoice_prefix is None else _invoice_prefix(invoice_prefix)
        zone = self.timezone if timezone is None else _timezone(timezone)
        self._settings_changed(
            pkp=self.pkp if pkp is None else pkp, invoice_prefix=prefix, timezone=zone
        )

    @event(SettingsChanged)
    def _settings_changed(self, pkp: bool, invoice_prefix: str, timezone: str) -> None:
        self.pkp = pkp
        self.invoice_prefix = invoice_prefix
        self.timezone = timezone

    def issue_api_key(
        self,
        key_id: str,
        secret_hash: str,
        role: Role,
        label: str,
        custom_role_id: UUID | None = None,
    ) -> None:
        """A key with a built-in role, or with a custom role and the role it is based on."""
        self._api_key_issued(
            key_id=key_id,
            secret_hash=secret_hash,
            role=role.value,
            label=label.strip()[:80],
            custom_role_id=custom_role_id,
        )

    @event(ApiKeyIssued)
    def _api_key_issued(
        self, key_id: str, secret_hash: str, role: str, label: str, custom_role_id: UUID | None
    ) -> None:
        self.api_keys[key_id] = ApiKey(
            key_id, secret_hash, Role(role), label, False, custom_role_id
        )

    def keys_holding(self, custom_role_id: UUID) -> int:
        """How many keys not revoked hold the custom role."""
        return sum(
            1
            for k in self.api_keys.values()
            if k.custom_role_id == custom_role_id and not k.revoked
        )

    def revoke_api_key(self, key_id: str) -> None:
        key = self.api_keys.get(key_id)
        if key is None:
            raise ApiKeyNotFound(f"tenant has no API key {key_id!r}", field="key_id")
        if not key.revoked:
            self._api_key_revoked(key_id=key_id)

    @event(ApiKeyRevoked)
    def _api_key_revoked(self, key_id: str) -> None:
        key = self.api_keys[key_id]
        self.api_keys[key_id] = ApiKey(
            key.key_id, key.secret_hash, key.role, key.label, True, key.custom_role_id
        )

    def change_billing_policy(self, policy: BillingPolicy) -> None:
        self._billing_policy_changed(policy=policy.validated())

    @event(BillingPolicyChanged)
    def _billing_policy_changed(self, policy: BillingPolicy) -> None:
        self.billing_policy = policy

    def change_isolir_policy(self, policy: IsolirPolicy) -> None:
        policy = policy.validated()
        self._isolir_policy_changed(
            mode=policy.mode, profile=policy.profile, address_list=policy.address_list
        )

    @event(IsolirPolicyChanged)
    def _isolir_policy_changed(self, mode: str, profile: str, address_list: str) -> None:
        self.isolir_policy = IsolirPolicy(mode, profile, address_list)

    def change_legal_details(
        self,
        *,
        legal_name: str | None = None,
        address: str | None = None,
        npwp: str | None = None,
        bank_accounts: Sequence[BankAccount] | None = None,
    ) -> None:
        """Change what invoices say about the seller; what is not given is kept, and a change
        that changes nothing records nothing."""
        details = self.legal_details.changed(
            legal_name=legal_name, address=address, npwp=npwp, bank_accounts=bank_accounts
        )
        if details != self.legal_details:
            self._legal_details_changed(details=details)

    @event(LegalDetailsChanged)
    def _legal_details_changed(self, details: LegalDetails) -> None:
        self.legal_details = details

    def place(self, region: str, tier: str, server: str, store: str) -> None:
        """Record where the tenant's data lives; ends any move under way."""
        self._placed(region=region, tier=tier, server=server, store=store)

    @event(Placed)
    def _placed(self, region: str, tier: str, server: str, store: str) -> None:
        self.region, self.tier, self.server, self.store = region, tier, server, store
        self.moving = None

    def lock(self, reason: str) -> bool:
        """Soft-lock: reads go on, writes are refused. False when it was locked already."""
        reason = require_text(reason, "reason", 200)
        if self.locked:
            return False
        self._locked(reason=reason)
        return True

    @event(Locked)
    def _locked(self, reason: str) -> None:
        self.locked, self.lock_reason = True, reason

    def unlock(self) -> bool:
        if not self.locked:
            return False
        self._unlocked()
        return True

    @event(Unlocked)
    def _unlocked(self) -> None:
        self.locked, self.lock_reason = False, ""

    def start_move(self, move_id: str, tier: str, server: str) -> None:
        if self.moving is not None:
            raise TenantAlreadyMoving(
                f"tenant is already moving (move {self.moving}); resume or wait", field="tenant"
            )
        self._move_started(move_id=move_id, tier=tier, server=server)

    @event(MoveStarted)
    def _move_started(self, move_id: str, tier: str, server: str) -> None:
        self.moving = move_id

    def abandon_move(self, move_id: str, reason: str) -> None:
        if self.moving == move_id:
            self._move_abandoned(move_id=move_id, reason=require_text(reason, "reason", 500))

    @event(MoveAbandoned)
    def _move_abandoned(self, move_id: str, reason: str) -> None:
        self.moving = None

    @property
    def writes(self) -> TenantWrites:
        """Whether the tenant's commands may write now: a move freezes them, a lock refuses them."""
        if self.moving is not None:
            return TenantWrites.MOVING
        return TenantWrites.LOCKED if self.locked else TenantWrites.OPEN

    @property
    def registered_at(self) -> datetime:
        return self.created_on

    @property
    def tenant_id(self) -> UUID:
        return self.id


def _invoice_prefix(raw: str) -> str:
    prefix = raw.strip().upper()
    if not (1 <= len(prefix) <= 12) or not prefix.replace("-", "").replace("/", "").isalnum():
        raise InvalidValue(
            "invoice prefix must be 1-12 letters, digits, '-' or '/'", field="invoice_prefix"
        )
    return prefix


def _timezone(raw: str) -> str:
    if raw not in INDONESIAN_TIMEZONES and raw not in available_timezones():
        raise InvalidValue(f"unknown time zone {raw!r}", field="timezone")
    return raw

"""Resellers of vouchers: a tree of agents, each with a prepaid balance and its ledger.

Every movement of a balance is an event carrying the balance before and after it, so the ledger
is the balance's own history: the sum of the movements is the balance, always.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.money import format_rupiah, positive_amount
from domain.shared.personal_data import CarriesPersonalData
from domain.shared.values import normalise_phone, require_text

MAX_DEPTH = 5


class InsufficientBalance(DomainError):
    code = "INSUFFICIENT_BALANCE"


class DuplicateAgent(DomainError):
    code = "DUPLICATE_AGENT"


class Movement(StrEnum):
    TOP_UP = "top_up"
    PURCHASE = "purchase"
    REFUND = "refund"
    COMMISSION = "commission"
    ADJUSTMENT = "adjustment"


class Agent(Aggregate):
    """A reseller. Level 1 agents sell for the owner; their children are level 2, and so on."""

    class Enrolled(Aggregate.Created, CarriesPersonalData):
        """An agent is often a person: name and number are encrypted with the agent's key."""

        personal_fields = frozenset({"name", "phone"})
        tenant_id: UUID
        name: str
        phone: str
        parent_id: UUID | None
        ancestors: list[UUID]  # parent first, up to the level 1 agent
        credit_limit: int

    class ToppedUp(Aggregate.Event):
        amount: int
        balance_before: int
        balance_after: int
        reference: str

    class Debited(Aggregate.Event):
        """Bought vouchers with its balance."""

        amount: int
        balance_before: int
        balance_after: int
        batch_id: UUID
        profile_id: UUID
        quantity: int

    class Refunded(Aggregate.Event):
        amount: int
        balance_before: int
        balance_after: int
        voucher_id: UUID
        reason: str

    class CommissionEarned(Aggregate.Event):
        amount: int
        balance_before: int
        balance_after: int
        from_agent_id: UUID
        batch_id: UUID
        profile_id: UUID
        quantity: int

    class Adjusted(Aggregate.Event):
        amount: int  # signed
        balance_before: int
        balance_after: int
        reason: str

    class TopUpRequested(Aggregate.Event):
        """Asked for a top-up (e.g. by WhatsApp); the balance moves when it is paid."""

        amount: int

    class CreditLimitChanged(Aggregate.Event):
        credit_limit: int

    class LoginLinked(Aggregate.Event):
        """An API key or user now acts as this agent."""

        login: str

    @classmethod
    def enroll(
        cls,
        tenant_id: UUID,
        name: str,
        phone: str,
        parent: Agent | None = None,
        credit_limit: int = 0,
    ) -> Agent:
        ancestors = [parent.id, *parent.ancestors] if parent else []
        if len(ancestors) >= MAX_DEPTH:
            raise InvalidValue(f"agents go at most {MAX_DEPTH} levels deep", field="parentId")
        return cls(
            tenant_id=tenant_id,
            name=require_text(name, "name", 120),
            phone=normalise_phone(phone),
            parent_id=parent.id if parent else None,
            ancestors=ancestors,
            credit_limit=_credit_limit(credit_limit),
        )

    @event(Enrolled)
    def __init__(
        self,
        tenant_id: UUID,
        name: str,
        phone: str,
        parent_id: UUID | None,
        ancestors: list[UUID],
        credit_limit: int,
    ) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.phone = phone
        self.parent_id = parent_id
        self.ancestors = ancestors
        self.credit_limit = credit_limit
        self.balance = 0
        self.logins: list[str] = []

    @property
    def level(self) -> int:
        return len(self.ancestors) + 1

    def can_spend(self, amount: int) -> bool:
        return self.balance - amount >= -self.credit_limit

    def top_up(self, amount: int, reference: str) -> None:
        positive_amount(amount)
        self._topped_up(
            amount=amount,
            balance_before=self.balance,
            balance_after=self.balance + amount,
            reference=require_text(reference, "reference", 120),
        )

    @event(ToppedUp)
    def _topped_up(
        self, amount: int, balance_before: int, balance_after: int, reference: str
    ) -> None:
        self.balance = balance_after

    def debit(self, amount: int, batch_id: UUID, profile_id: UUID, quantity: int) -> None:
        """Pay for vouchers; refused when the balance (with any credit limit) cannot cover it."""
        if amount < 0:
            raise InvalidValue("a purchase cannot cost less than nothing", field="amount")
        if not self.can_spend(amount):
            raise InsufficientBalance(
                f"saldo {format_rupiah(self.balance)} tidak cukup untuk {format_rupiah(amount)}",
                field="quantity",
            )
        self._debited(
            amount=amount,
            balance_before=self.balance,
            balance_after=self.balance - amount,
            batch_id=batch_id,
            profile_id=profile_id,
            quantity=quantity,
        )

    @event(Debited)
    def _debited(
        self,
        amount: int,
        balance_before: int,
        balance_after: int,
        batch_id: UUID,
        profile_id: UUID,
        quantity: int,
    ) -> None:
        self.balance = balance_after

    def refund(self, amount: int, voucher_id: UUID, reason: str) -> None:
        positive_amount(amount)
        self._refunded(
            amount=amount,
            balance_before=self.balance,
            balance_after=self.balance + amount,
            voucher_id=voucher_id,
            reason=require_text(reason, "reason", 200),
        )

    @event(Refunded)
    def _refunded(
        self, amount: int, balance_before: int, balance_after: int, voucher_id: UUID, reason: str
    ) -> None:
        self.balance = balance_after

    def earn_commission(
        self, amount: int, from_agent_id: UUID, batch_id: UUID, profile_id: UUID, quantity: int
    ) -> None:
        if amount <= 0:
            return
        self._commission_earned(
            amount=amount,
            balance_before=self.balance,
            balance_after=self.balance + amount,
            from_agent_id=from_agent_id,
            batch_id=batch_id,
            profile_id=profile_id,
            quantity=quantity,
        )

    @event(CommissionEarned)
    def _commission_earned(
        self,
        amount: int,
        balance_before: int,
        balance_after: int,
        from_agent_id: UUID,
        batch_id: UUID,
        profile_id: UUID,
        quantity: int,
    ) -> None:
        self.balance = balance_after

    def adjust(self, amount: int, reason: str) -> None:
        """Correct the balance by a signed amount; a correction may not overspend either."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidValue("an adjustment is a whole amount other than zero", field="amount")
        if amount < 0 and not self.can_spend(-amount):
            raise InsufficientBalance(
                f"saldo {format_rupiah(self.balance)} tidak cukup untuk koreksi "
                f"{format_rupiah(amount)}",
                field="amount",
            )
        self._adjusted(
            amount=amount,
            balance_before=self.balance,
            balance_after=self.balance + amount,
            reason=require_text(reason, "reason", 200),
        )

    @event(Adjusted)
    def _adjusted(self, amount: int, balance_before: int, balance_after: int, reason: str) -> None:
        self.balance = balance_after

    def request_top_up(self, amount: int) -> None:
        self._top_up_requested(amount=positive_amount(amount))

    @event(TopUpRequested)
    def _top_up_requested(self, amount: int) -> None:
        pass

    def change_credit_limit(self, credit_limit: int) -> None:
        self._credit_limit_changed(credit_limit=_credit_limit(credit_limit))

    @event(CreditLimitChanged)
    def _credit_limit_changed(self, credit_limit: int) -> None:
        self.credit_limit = credit_limit

    def link_login(self, login: str) -> None:
        if login not in self.logins:
            self._login_linked(login=login)

    @event(LoginLinked)
    def _login_linked(self, login: str) -> None:
        self.logins.append(login)


def _credit_limit(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(
            "credit limit must be a whole amount of zero or more", field="creditLimit"
        )
    return value


class AgentPhone(Aggregate):
    """Claims a phone number for one agent of a tenant: WhatsApp commands find the agent by it,
    and two enrolments racing for one number collide in the event store."""

    class Claimed(Aggregate.Created):
        agent_id: UUID

    @staticmethod
    def id_for(tenant_id: UUID, phone: str) -> UUID:
        return uuid5(tenant_id, f"agent-phone:{phone}")

    @classmethod
    def claim(cls, tenant_id: UUID, phone: str, agent_id: UUID) -> AgentPhone:
        return cls._create(cls.Claimed, id=cls.id_for(tenant_id, phone), agent_id=agent_id)

    @event(Claimed)
    def __init__(self, agent_id: UUID) -> None:
        self.agent_id = agent_id


class AgentLogin(Aggregate):
    """Ties a login (an API key or a user, as recorded in events) to the agent it acts as."""

    class Linked(Aggregate.Created):
        agent_id: UUID

    @staticmethod
    def id_for(tenant_id: UUID, login: str) -> UUID:
        return uuid5(tenant_id, f"agent-login:{login}")

    @classmethod
    def link(cls, tenant_id: UUID, login: str, agent_id: UUID) -> AgentLogin:
        return cls._create(cls.Linked, id=cls.id_for(tenant_id, login), agent_id=agent_id)

    @event(Linked)
    def __init__(self, agent_id: UUID) -> None:
        self.agent_id = agent_id

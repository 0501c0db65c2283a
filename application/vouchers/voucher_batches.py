"""Generating voucher batches: as stock for the owner, or bought by an agent with its balance.

A batch is saved in one transaction: the batch, every voucher and, when an agent buys, the
vouchers' sale, the agent's debit and its upline's commissions. Codes are the vouchers' ids, so
a code drawn twice (here or by a concurrent batch) and an agent changed concurrently both make
the insert fail as a whole; the batch is then drawn again, avoiding the codes found taken, from
a freshly loaded agent. Nothing is debited unless the vouchers exist, and the reverse.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from application.shared.authorization import Permission, authorize
from application.shared.clock import Clock
from application.shared.context import Principal, recording
from application.shared.errors import ConcurrentModification, PermissionDenied
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import find
from application.vouchers.agents import AgentService
from domain.shared.errors import InvalidValue
from domain.vouchers.agent import Agent
from domain.vouchers.voucher import Voucher, VoucherBatch, VoucherProfile
from domain.vouchers.voucher_codes import CodeSpec, Draw, check_quantity, draw_codes

MAX_ATTEMPTS = 10
SALE_CODE_LENGTH = 8  # a voucher sold online on its own: longer than printed batches' default


@dataclass(frozen=True)
class GenerateVouchers:
    profile: str  # the profile's name (as customers type it) or its id
    quantity: int
    mode: str = "vc"
    length: int = 6
    charset: str = "lower_numeric"
    prefix: str = ""


@dataclass(frozen=True)
class GeneratedBatch:
    batch_id: UUID
    profile_id: UUID
    profile_name: str
    codes: list[tuple[str, str]]  # (username, password)
    agent_id: UUID | None
    unit_price: int
    charged: int
    balance_after: int | None


def find_profile(store: EventStore, tenant_id: UUID, name_or_id: str) -> VoucherProfile:
    """A profile by name (any case) or id; InvalidValue naming the unknown package otherwise."""
    wanted = (name_or_id or "").strip()
    candidates = [VoucherProfile.id_for(tenant_id, wanted)]
    with contextlib.suppress(ValueError):
        candidates.append(UUID(wanted))
    for profile_id in candidates:
        profile = find(store, VoucherProfile, profile_id)
        if profile is not None and profile.tenant_id == tenant_id:
            return profile
    raise InvalidValue(f"unknown voucher profile {wanted!r}", field="profile")


class VoucherBatches:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        clock: Clock,
        agents: AgentService,
        max_attempts: int = MAX_ATTEMPTS,
        draw: Draw | None = None,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._clock = clock
        self._agents = agents
        self._max_attempts = max_attempts
        self._draw = draw  # None: a cryptographic random source

    def generate(self, principal: Principal, command: GenerateVouchers) -> GeneratedBatch:
        """Vouchers for the owner's own stock: nobody's balance moves."""
        authorize(principal, Permission.MANAGE_VOUCHERS)
        return self._issue(principal, command, None, "GenerateVouchers")

    def buy(
        self, principal: Principal, command: GenerateVouchers, agent_id: UUID | None = None
    ) -> GeneratedBatch:
        """An agent buys new vouchers with its balance at its level's price; its upline earns
        commissions. An agent buys for itself; the owner or an admin names the agent."""
        authorize(principal, Permission.BUY_VOUCHERS)
        acting = self._agents.acting_agent(principal)
        if acting is not None:
            if agent_id not in (None, acting.id):
                raise PermissionDenied("an agent buys vouchers only for itself")
            agent_id = acting.id
        if agent_id is None:
            raise InvalidValue("name the agent who buys the vouchers", field="agentId")
        return self._issue(principal, command, agent_id, "BuyVouchers")

    def _issue(
        self,
        principal: Principal,
        command: GenerateVouchers,
        buyer_id: UUID | None,
        command_name: str,
    ) -> GeneratedBatch:
        spec = CodeSpec.of(command.mode, command.length, command.charset, command.prefix)
        check_quantity(command.quantity, spec)
        store = self._stores.for_tenant(principal.tenant_id)
        profile = find_profile(store, principal.tenant_id, command.profile)
        if buyer_id is not None:
            self._agents.load(store, principal.tenant_id, buyer_id)  # NotFound before drawing
        taken: set[str] = set()
        for _ in range(self._max_attempts):
            draft = self._draft(store, principal, profile, command.quantity, spec, buyer_id, taken)
            try:
                with recording(
                    command_name,
                    actor=principal.actor,
                    tenant_id=principal.tenant_id,
                    correlation_id=principal.correlation_id,
                ):
                    position = store.save_and_locate(*draft.objects)
            except IntegrityError:
                if not _moved_on(store, draft.agents):
                    taken |= _existing(store, draft.vouchers)
                continue
            self._sync.wait(store, position)
            return draft.result
        raise ConcurrentModification(
            f"{command_name} kept conflicting with concurrent changes; try again"
        )

    def draft_sale(
        self,
        store: EventStore,
        principal: Principal,
        profile: VoucherProfile,
        agent: Agent | None,
        price: int,
    ) -> tuple[list[object], Voucher]:
        """One new voucher, not yet saved: bought by `agent` (as loaded, possibly with pending
        changes) with its balance and upline commissions, or with no agent sold directly at
        `price`. The caller saves it with its own changes and draws again if the code turns
        out taken."""
        spec = CodeSpec.of("vc", SALE_CODE_LENGTH, "lower_numeric", "")
        buyer_id = agent.id if agent else None
        draft = self._draft(store, principal, profile, 1, spec, buyer_id, set(), buyer=agent)
        voucher = draft.vouchers[0]
        if agent is None:
            voucher.sell(price, self._clock.now())
        return draft.objects, voucher

    def _draft(
        self,
        store: EventStore,
        principal: Principal,
        profile: VoucherProfile,
        quantity: int,
        spec: CodeSpec,
        buyer_id: UUID | None,
        taken: set[str],
        buyer: Agent | None = None,
    ) -> _Draft:
        tenant_id = principal.tenant_id
        batch = VoucherBatch.generate(tenant_id, profile.id, quantity, spec, buyer_id)
        agents: list[Agent] = []
        unit_price = charged = 0
        if buyer_id is not None:  # pay first: a refusal costs no drawing
            agent = buyer or self._agents.load(store, tenant_id, buyer_id)
            unit_price = profile.terms.price_for_level(agent.level)
            charged = unit_price * quantity
            agent.debit(charged, batch.id, profile.id, quantity)
            agents = [agent, *self._pay_commissions(store, profile, agent, batch.id, quantity)]
        pairs = draw_codes(spec, quantity, taken, self._draw)
        vouchers = [Voucher.generate(tenant_id, batch.id, profile.id, u, p) for u, p in pairs]
        if agents:
            now = self._clock.now()
            for voucher in vouchers:
                voucher.sell(unit_price, now, agents[0].id)
        objects: list[object] = [batch, *vouchers, *agents]
        balance_after = agents[0].balance if agents else None
        result = GeneratedBatch(
            batch.id, profile.id, profile.name, pairs, buyer_id, unit_price, charged, balance_after
        )
        return _Draft(objects, vouchers, agents, result)

    def _pay_commissions(
        self,
        store: EventStore,
        profile: VoucherProfile,
        agent: Agent,
        batch_id: UUID,
        quantity: int,
    ) -> list[Agent]:
        upline = [self._agents.load(store, agent.tenant_id, a) for a in agent.ancestors]
        per_voucher = profile.terms.commissions(agent.level, len(upline))
        paid = []
        for ancestor, amount in zip(upline, per_voucher, strict=True):
            if amount > 0:
                ancestor.earn_commission(
                    amount * quantity, agent.id, batch_id, profile.id, quantity
                )
                paid.append(ancestor)
        return paid


@dataclass(frozen=True)
class _Draft:
    objects: list[object]
    vouchers: list[Voucher]
    agents: list[Agent]
    result: GeneratedBatch


def _moved_on(store: EventStore, agents: list[Agent]) -> bool:
    """Whether an agent of a failed draft changed meanwhile (then its codes were not the
    reason, most likely, and checking a thousand of them would only cost time)."""
    for agent in agents:
        drafted_from = agent.version - len(agent.pending_events)
        latest = store.recorder.select_events(agent.id, desc=True, limit=1)
        if latest and latest[0].originator_version != drafted_from:
            return True
    return False


def _existing(store: EventStore, vouchers: list[Voucher]) -> set[str]:
    """The usernames of a failed draft that another batch holds already."""
    return {v.username for v in vouchers if store.recorder.select_events(v.id, desc=True, limit=1)}

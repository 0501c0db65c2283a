"""Generating voucher batches: as stock for the owner, or bought by an agent with its balance.

A batch is saved in one transaction: the batch, every voucher and, when an agent buys, the
vouchers' sale, the agent's debit and its upline's commissions. Codes are the vouchers' ids, so
the event store keeps them unique. Before saving, the drawn codes are looked up there and only
those already held are drawn again; a code a concurrent batch took in the meantime, or an agent
changed concurrently, makes the insert fail as a whole, and the batch is saved again with the
same codes but the taken ones, from a freshly loaded agent. Nothing is debited unless the
vouchers exist, and the reverse. A code space with no room left for the batch is refused as
such (`CodeSpaceExhausted`) before anything is drawn.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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
from application.vouchers.ports import VoucherReadModels
from domain.shared.errors import InvalidValue
from domain.shared.text import check_line
from domain.vouchers.agent import Agent
from domain.vouchers.voucher import Voucher, VoucherBatch, VoucherProfile
from domain.vouchers.voucher_codes import (
    CodeSpaceExhausted,
    CodeSpec,
    Draw,
    check_quantity,
    check_room,
    draw_codes,
    redraw_taken,
)

MAX_ATTEMPTS = 10  # saves refused by concurrent changes before giving up
# Rounds of looking drawn codes up and drawing the taken ones again. With at most 1/20 of a
# space used, each round leaves about 1/20 of the previous round's codes taken: ten rounds
# leave none but in a space far fuller than its counted codes say.
DRAW_ROUNDS = 10
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
    wanted = check_line((name_or_id or "").strip(), "profile")
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
        read_models: VoucherReadModels,
        max_attempts: int = MAX_ATTEMPTS,
        draw: Draw | None = None,
    ) -> None:
        self._stores = stores
        self._sync = sync
        self._clock = clock
        self._agents = agents
        self._read_models = read_models
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
        used = self._read_models.codes_in_space(store, principal.tenant_id, spec)
        check_room(spec, used, command.quantity)
        pairs: list[tuple[str, str]] = []  # drawn once; later attempts redraw only taken codes
        for _ in range(self._max_attempts):
            codes = partial(
                self._free_codes, store, principal.tenant_id, spec, command.quantity, pairs, used
            )
            draft = self._draft(store, principal, profile, spec, buyer_id, command.quantity, codes)
            pairs = draft.result.codes
            try:
                with recording(
                    command_name,
                    actor=principal.actor,
                    tenant_id=principal.tenant_id,
                    correlation_id=principal.correlation_id,
                ):
                    position = store.save_and_locate(*draft.objects)
            except IntegrityError:
                continue  # a concurrent batch took some codes, or an agent changed: again
            self._sync.wait(store, position)
            return draft.result
        raise ConcurrentModification(
            f"{command_name} kept conflicting with concurrent changes; try again"
        )

    def _free_codes(
        self,
        store: EventStore,
        tenant_id: UUID,
        spec: CodeSpec,
        quantity: int,
        pairs: list[tuple[str, str]],
        used: int,
    ) -> list[tuple[str, str]]:
        """`pairs` (drawn now when empty) with every code the event store holds already drawn
        again, and only those. `used` is how many codes of the space were counted before; codes
        found taken beyond that count (the count lags) are refused as a full space, never drawn
        forever."""
        pairs = pairs or draw_codes(spec, quantity, draw=self._draw)
        taken: set[str] = set()
        for _ in range(DRAW_ROUNDS):
            held = _held(store, tenant_id, pairs)
            if not held:
                return pairs
            taken |= held
            check_room(spec, max(used, len(taken)), len(pairs))
            pairs = redraw_taken(spec, pairs, taken, self._draw)
        raise CodeSpaceExhausted(spec, max(used, len(taken)), len(pairs))

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
        code = partial(self._free_codes, store, principal.tenant_id, spec, 1, [], 0)
        draft = self._draft(store, principal, profile, spec, buyer_id, 1, code, buyer=agent)
        voucher = draft.vouchers[0]
        if agent is None:
            voucher.sell(price, self._clock.now())
        return draft.objects, voucher

    def _draft(
        self,
        store: EventStore,
        principal: Principal,
        profile: VoucherProfile,
        spec: CodeSpec,
        buyer_id: UUID | None,
        quantity: int,
        codes: Callable[[], list[tuple[str, str]]],
        buyer: Agent | None = None,
    ) -> _Draft:
        """The batch's aggregates, not yet saved, with the codes `codes` returns."""
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
        pairs = codes()
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
        return _Draft(objects, vouchers, result)

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
    result: GeneratedBatch


def _held(store: EventStore, tenant_id: UUID, pairs: list[tuple[str, str]]) -> set[str]:
    """The usernames among `pairs` whose vouchers exist already (one query for all of them)."""
    by_id = {Voucher.id_for(tenant_id, username): username for username, _ in pairs}
    return {by_id[voucher_id] for voucher_id in store.get_many(list(by_id))}

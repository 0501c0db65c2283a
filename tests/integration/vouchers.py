"""A voucher desk for integration tests: a router, profiles and agents, made through the
application services as a user would make them."""

from __future__ import annotations

from uuid import UUID

from adapters.bootstrap import Niaga
from application.routers.routers import AddRouter
from application.shared.context import Actor, ActorKind, Principal
from application.vouchers.agents import EnrollAgent
from application.vouchers.vouchers import CreateVoucherProfile
from domain.shared.roles import Role
from domain.vouchers.voucher import ProfileTerms


class Desk:
    def __init__(self, niaga: Niaga, owner: Principal, router_name: str = "hotspot-1") -> None:
        self.niaga = niaga
        self.owner = owner
        self.tenant_id = owner.tenant_id
        self.v = niaga.vouchers
        self.router_id = niaga.routers.add(
            owner, AddRouter(router_name, "192.0.2.10", "niaga", "rahasia")
        )

    def profile(
        self,
        name: str = "3JAM",
        *,
        selling_price: int = 3000,
        cost_price: int = 1500,
        agent_prices: tuple[int, ...] = (2000, 2300, 2500),
        commission_kind: str = "level_margin",
        commission_values: tuple[int, ...] = (),
        validity_seconds: int = 3 * 3600,
    ) -> UUID:
        terms = ProfileTerms.of(
            name.lower(),
            validity_seconds=validity_seconds,
            cost_price=cost_price,
            selling_price=selling_price,
            time_quota_seconds=3 * 3600,
            agent_prices=agent_prices,
            commission_kind=commission_kind,
            commission_values=commission_values,
        )
        return self.v.service.create_profile(
            self.owner, CreateVoucherProfile(name, self.router_id, terms)
        )

    def agent(
        self,
        name: str,
        phone: str,
        parent: UUID | None = None,
        balance: int = 0,
        credit_limit: int = 0,
    ) -> UUID:
        agent_id = self.v.agents.enroll(self.owner, EnrollAgent(name, phone, parent, credit_limit))
        if balance:
            self.v.agents.top_up(self.owner, agent_id, balance, f"setoran awal {name}")
        return agent_id

    def agent_principal(self, agent_id: UUID, login: str | None = None) -> Principal:
        """A caller with the agent role, linked to the agent."""
        actor = Actor(ActorKind.USER, login or f"agent-{agent_id}")
        principal = Principal(self.tenant_id, Role.AGENT, actor)
        self.v.agents.link_login(self.owner, agent_id, str(actor))
        return principal

    def balance(self, agent_id: UUID) -> int:
        store = self.niaga.stores.for_tenant(self.tenant_id)
        return self.v.agents.load(store, self.tenant_id, agent_id).balance

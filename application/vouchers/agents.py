"""Agent use-cases: enrol resellers, move their balances, and find which agent a caller is.

An agent principal acts as the agent its login is linked to and sees only that agent and its
downline; every other role sees every agent of its tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.shared.authorization import Permission, authorize
from application.shared.context import Actor, Principal
from application.shared.errors import NotFound, PermissionDenied
from application.shared.event_store import EventStore
from application.shared.ports import ReadModelSync, Stores
from application.shared.unit_of_work import Saver, find, load
from application.vouchers.ports import VoucherReadModels
from domain.shared.roles import Role
from domain.shared.values import normalise_phone
from domain.vouchers.agent import Agent, AgentLogin, AgentPhone, DuplicateAgent


@dataclass(frozen=True)
class EnrollAgent:
    name: str
    phone: str
    parent_id: UUID | None = None
    credit_limit: int = 0


def login_of(principal: Principal) -> str:
    """How events name this caller (`api_key:<id>`, `user:<id>`): what an agent login links."""
    return str(principal.actor)


# Issues an API key with the agent role: (tenant, label, actor) -> (key id, token).
KeyIssuer = Callable[[UUID, str, Actor], tuple[str, str]]


class AgentService:
    def __init__(
        self,
        stores: Stores,
        sync: ReadModelSync,
        read_models: VoucherReadModels,
        issue_key: KeyIssuer,
    ) -> None:
        self._stores = stores
        self._saver = Saver(sync)
        self._read_models = read_models
        self._issue_key = issue_key

    def enroll(self, principal: Principal, command: EnrollAgent) -> UUID:
        """Enrol an agent under the owner or under a parent agent; an agent may enrol its own
        sub-agents."""
        store = self._store(principal)
        parent = self._parent(store, principal, command.parent_id)
        agent = Agent.enroll(
            principal.tenant_id, command.name, command.phone, parent, command.credit_limit
        )
        if find(store, AgentPhone, AgentPhone.id_for(principal.tenant_id, agent.phone)):
            raise DuplicateAgent(
                "an agent with this phone number is already enrolled", field="phone"
            )
        claim = AgentPhone.claim(principal.tenant_id, agent.phone, agent.id)
        duplicate = DuplicateAgent(
            "an agent with this phone number is already enrolled", field="phone"
        )
        self._saver.save(store, principal, "EnrollAgent", agent, claim, conflict=duplicate)
        return agent.id

    def top_up(self, principal: Principal, agent_id: UUID, amount: int, reference: str) -> None:
        authorize(principal, Permission.MANAGE_AGENTS)
        store = self._store(principal)
        agent = self.load(store, principal.tenant_id, agent_id)
        agent.top_up(amount, reference)
        self._saver.save(store, principal, "TopUpAgent", agent)

    def adjust(self, principal: Principal, agent_id: UUID, amount: int, reason: str) -> None:
        authorize(principal, Permission.MANAGE_AGENTS)
        store = self._store(principal)
        agent = self.load(store, principal.tenant_id, agent_id)
        agent.adjust(amount, reason)
        self._saver.save(store, principal, "AdjustAgentBalance", agent)

    def change_credit_limit(self, principal: Principal, agent_id: UUID, credit_limit: int) -> None:
        authorize(principal, Permission.MANAGE_AGENTS)
        store = self._store(principal)
        agent = self.load(store, principal.tenant_id, agent_id)
        agent.change_credit_limit(credit_limit)
        self._saver.save(store, principal, "ChangeAgentCreditLimit", agent)

    def link_login(self, principal: Principal, agent_id: UUID, login: str) -> None:
        """Let a login (e.g. `api_key:<id>` of a key with the agent role) act as this agent."""
        authorize(principal, Permission.MANAGE_AGENTS)
        store = self._store(principal)
        agent = self.load(store, principal.tenant_id, agent_id)
        existing = find(store, AgentLogin, AgentLogin.id_for(principal.tenant_id, login))
        if existing is not None and existing.agent_id != agent_id:
            raise DuplicateAgent(f"{login} already acts as another agent", field="login")
        agent.link_login(login)
        links = [] if existing else [AgentLogin.link(principal.tenant_id, login, agent_id)]
        self._saver.save(store, principal, "LinkAgentLogin", agent, *links)

    def issue_api_key(self, principal: Principal, agent_id: UUID) -> str:
        """A new API key that acts as the agent (role agent); the token is shown only once."""
        authorize(principal, Permission.MANAGE_AGENTS)
        agent = self.load(self._store(principal), principal.tenant_id, agent_id)
        key_id, token = self._issue_key(principal.tenant_id, f"agent {agent.name}", principal.actor)
        self.link_login(principal, agent_id, f"api_key:{key_id}")
        return token

    def request_top_up(self, principal: Principal, agent_id: UUID, amount: int) -> None:
        store = self._store(principal)
        agent = self.load(store, principal.tenant_id, agent_id)
        self._require_self_or_manager(principal, agent)
        agent.request_top_up(amount)
        self._saver.save(store, principal, "RequestAgentTopUp", agent)

    def acting_agent(self, principal: Principal) -> Agent | None:
        """The agent an agent principal acts as; None for the tenant's own staff."""
        if principal.role is not Role.AGENT:
            return None
        store = self._store(principal)
        link = find(store, AgentLogin, AgentLogin.id_for(principal.tenant_id, login_of(principal)))
        if link is None:
            raise PermissionDenied("this login is not linked to an agent")
        return self.load(store, principal.tenant_id, link.agent_id)

    def scope(self, principal: Principal) -> list[UUID] | None:
        """The agents a caller may see: None for all, else an agent and its downline."""
        agent = self.acting_agent(principal)
        if agent is None:
            return None
        return self._read_models.downline(self._store(principal), principal.tenant_id, agent.id)

    def by_phone(self, tenant_id: UUID, phone: str) -> Agent | None:
        store = self._stores.for_tenant(tenant_id)
        claim = find(store, AgentPhone, AgentPhone.id_for(tenant_id, normalise_phone(phone)))
        return find(store, Agent, claim.agent_id) if claim else None

    def load(self, store: EventStore, tenant_id: UUID, agent_id: UUID) -> Agent:
        return load(store, Agent, agent_id, tenant_id, "agent")

    def _parent(
        self, store: EventStore, principal: Principal, parent_id: UUID | None
    ) -> Agent | None:
        acting = self.acting_agent(principal)
        if acting is None:
            authorize(principal, Permission.MANAGE_AGENTS)
            return self.load(store, principal.tenant_id, parent_id) if parent_id else None
        if parent_id not in (None, acting.id):
            raise PermissionDenied("an agent enrols sub-agents only under itself")
        return acting

    def _require_self_or_manager(self, principal: Principal, agent: Agent) -> None:
        acting = self.acting_agent(principal)
        if acting is None:
            authorize(principal, Permission.MANAGE_AGENTS)
        elif acting.id != agent.id:
            raise NotFound(f"no agent {agent.id}", field="id")

    def _store(self, principal: Principal) -> EventStore:
        return self._stores.for_tenant(principal.tenant_id)

"""Vouchers and agents in GraphQL: resolvers parse, call the application, and map errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry

from adapters.bootstrap import Services
from api.graphql.shared.parsing import found, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.vouchers import types as t
from application.shared.context import Principal
from application.shared.ports import Page
from application.vouchers.agents import EnrollAgent
from application.vouchers.ports import LedgerEntry, VoucherFilter, VoucherView
from application.vouchers.voucher_batches import GenerateVouchers
from application.vouchers.vouchers import CreateVoucherProfile
from domain.vouchers.voucher import ProfileTerms
from domain.vouchers.voucher_codes import parse_duration, parse_size


@strawberry.input
class VoucherProfileInput:
    name: str = strawberry.field(description="One word customers type: BELI <name>")
    router_id: strawberry.ID
    hotspot_profile: str = strawberry.field(description="The router's /ip/hotspot/user/profile")
    validity: str = strawberry.field(description="From first login: 3h, 1d, 30d")
    cost_price: int
    selling_price: int
    rate_limit: str | None = strawberry.field(default=None, description="e.g. 2M/5M")
    time_quota: str | None = strawberry.field(default=None, description="Uptime limit, e.g. 3h")
    data_quota: str | None = strawberry.field(default=None, description="e.g. 500M, 2G")
    shared_users: int = 1
    agent_prices: list[int] = strawberry.field(
        default_factory=list, description="Per agent level, level 1 first"
    )
    commission_kind: str = strawberry.field(
        default="none", description="none, level_margin, fixed or margin_percent"
    )
    commission_values: list[int] = strawberry.field(
        default_factory=list, description="Per upline depth (parent first): rupiah or percent"
    )


@strawberry.input(description="Fields left out keep their value.")
class UpdateVoucherProfileInput:
    id: strawberry.ID
    hotspot_profile: str | None = None
    validity: str | None = None
    cost_price: int | None = None
    selling_price: int | None = None
    rate_limit: str | None = None
    time_quota: str | None = None
    data_quota: str | None = None
    shared_users: int | None = None
    agent_prices: list[int] | None = None
    commission_kind: str | None = None
    commission_values: list[int] | None = None


@strawberry.input
class GenerateVouchersInput:
    profile: str = strawberry.field(description="Profile name or id")
    quantity: int = strawberry.field(description="1-100000")
    mode: str = strawberry.field(default="vc", description="vc: username = password; up: both")
    length: int = 6
    charset: str = strawberry.field(
        default="lower_numeric",
        description="numeric, lower, upper, lower_numeric, upper_numeric or mixed",
    )
    prefix: str = ""
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="buyVouchers by an owner or admin: the agent who pays"
    )


@strawberry.input
class EnrollAgentInput:
    name: str
    phone: str
    parent_id: strawberry.ID | None = None
    credit_limit: int = 0


def _ids(raw: list[strawberry.ID], field: str) -> list[UUID]:
    return [parse_id(i, field) for i in raw]


def _generate(input: GenerateVouchersInput) -> GenerateVouchers:
    return GenerateVouchers(
        input.profile, input.quantity, input.mode, input.length, input.charset, input.prefix
    )


def _terms(input: VoucherProfileInput) -> ProfileTerms:
    return ProfileTerms.of(
        input.hotspot_profile,
        validity_seconds=parse_duration(input.validity, "validity") or 0,
        cost_price=input.cost_price,
        selling_price=input.selling_price,
        rate_limit=input.rate_limit,
        time_quota_seconds=parse_duration(input.time_quota, "timeQuota"),
        data_quota_bytes=parse_size(input.data_quota, "dataQuota"),
        shared_users=input.shared_users,
        agent_prices=input.agent_prices,
        commission_kind=input.commission_kind,
        commission_values=input.commission_values,
    )


def _changes(input: UpdateVoucherProfileInput) -> dict[str, object]:
    return {
        "hotspot_profile": input.hotspot_profile,
        "validity_seconds": parse_duration(input.validity, "validity"),
        "cost_price": input.cost_price,
        "selling_price": input.selling_price,
        "rate_limit": input.rate_limit,
        "time_quota_seconds": parse_duration(input.time_quota, "timeQuota"),
        "data_quota_bytes": parse_size(input.data_quota, "dataQuota"),
        "shared_users": input.shared_users,
        "agent_prices": input.agent_prices,
        "commission_kind": input.commission_kind,
        "commission_values": input.commission_values,
    }


def _profile(services: Services, who: Principal, profile_id: UUID) -> t.VoucherProfileSuccess:
    views = services.voucher_queries.profiles(who)
    view = found(next((v for v in views if v.id == profile_id), None), "voucher profile")
    return t.VoucherProfileSuccess(profile=t.VoucherProfile.from_view(view))


def _agent(services: Services, who: Principal, agent_id: UUID) -> t.AgentSuccess:
    view = services.voucher_queries.agent(who, agent_id)
    return t.AgentSuccess(agent=t.Agent.from_view(view))


async def _on_agent(
    info: NiagaInfo, raw_id: strawberry.ID, change: Callable[[Principal, UUID], object]
) -> Any:
    """Parse the agent's id, run the change, answer with the agent as it is now."""
    services, who = info.context.services, info.context.principal

    def run() -> t.AgentSuccess:
        agent_id = parse_id(raw_id, "agentId")
        change(who, agent_id)
        return _agent(services, who, agent_id)

    return await run_command(run)


def _vouchers(
    services: Services, who: Principal, ids: list[UUID], total: int = 0
) -> t.VouchersChanged:
    views = services.voucher_queries.by_ids(who, ids)
    return t.VouchersChanged(vouchers=[t.Voucher.from_view(v) for v in views], total=total)


@strawberry.type
class VoucherQuery:
    @strawberry.field(description="The hotspot login URL printed as QR codes, and admin numbers.")
    async def voucher_settings(self, info: NiagaInfo) -> t.VoucherSettingsSuccess | None:
        services, who = info.context.services, info.context.principal

        def read() -> t.VoucherSettingsSuccess | None:
            settings = services.vouchers.settings_for(who)
            if settings is None:
                return None
            return t.VoucherSettingsSuccess(
                login_url=settings.login_url, admin_phones=settings.admin_phones
            )

        return await query(read)

    @strawberry.field(description="Voucher packages, by name.")
    async def voucher_profiles(self, info: NiagaInfo) -> list[t.VoucherProfile]:
        services, who = info.context.services, info.context.principal
        views = await query(lambda: services.voucher_queries.profiles(who))
        return [t.VoucherProfile.from_view(v) for v in views]

    @strawberry.field(
        description="Vouchers, oldest first; an agent sees its own and its downline's."
    )
    async def vouchers(
        self,
        info: NiagaInfo,
        status: str | None = None,
        profile_id: strawberry.ID | None = None,
        agent_id: strawberry.ID | None = None,
        batch_id: strawberry.ID | None = None,
        search: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> t.VoucherConnection:
        services, who = info.context.services, info.context.principal

        def read() -> Page[VoucherView]:
            where = VoucherFilter(
                status=status,
                profile_id=parse_id(profile_id, "profileId") if profile_id else None,
                agent_id=parse_id(agent_id, "agentId") if agent_id else None,
                batch_id=parse_id(batch_id, "batchId") if batch_id else None,
                search=search,
            )
            return services.voucher_queries.vouchers(who, where, first, after)

        return t.VoucherConnection.from_page(await query(read))

    @strawberry.field(description="Voucher counts by profile, agent and status.")
    async def voucher_stock(self, info: NiagaInfo) -> list[t.VoucherStock]:
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.voucher_queries.stock(who))
        return [t.VoucherStock.from_view(r) for r in rows]

    @strawberry.field(
        description="Agents with their balances; an agent sees itself and its downline."
    )
    async def agents(self, info: NiagaInfo) -> list[t.Agent]:
        services, who = info.context.services, info.context.principal
        return [
            t.Agent.from_view(v) for v in await query(lambda: services.voucher_queries.agents(who))
        ]

    @strawberry.field(description="Every movement of an agent's balance, oldest first.")
    async def agent_ledger(
        self, info: NiagaInfo, agent_id: strawberry.ID, first: int = 50, after: str | None = None
    ) -> t.AgentLedgerConnection:
        services, who = info.context.services, info.context.principal

        def read() -> Page[LedgerEntry]:
            agent = parse_id(agent_id, "agentId")
            return services.voucher_queries.ledger(who, agent, first, after)

        return t.AgentLedgerConnection.from_page(await query(read))

    @strawberry.field(description="Vouchers sold per day, week or month, per agent and profile.")
    async def voucher_sales(
        self, info: NiagaInfo, since: date, until: date, period: str = "day"
    ) -> list[t.VoucherSales]:
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.voucher_queries.sales(who, period, since, until))
        return [t.VoucherSales.from_view(r) for r in rows]

    @strawberry.field(description="Commissions earned per agent, month and downline agent.")
    async def commission_statements(
        self, info: NiagaInfo, from_month: date, to_month: date
    ) -> list[t.CommissionStatementLine]:
        services, who = info.context.services, info.context.principal
        rows = await query(lambda: services.voucher_queries.commissions(who, from_month, to_month))
        return [t.CommissionStatementLine.from_view(r) for r in rows]


@strawberry.type
class VoucherMutation:
    @strawberry.mutation(
        description="The hotspot login URL printed as QR codes, and admin numbers."
    )
    async def configure_vouchers(
        self, info: NiagaInfo, login_url: str, admin_phones: list[str]
    ) -> t.VoucherSettingsResult:
        services, who = info.context.services, info.context.principal

        def configure() -> t.VoucherSettingsSuccess:
            services.vouchers.configure(who, login_url, admin_phones)
            settings = services.vouchers.settings(who.tenant_id)
            return t.VoucherSettingsSuccess(
                login_url=settings.login_url if settings else login_url,
                admin_phones=settings.admin_phones if settings else [],
            )

        return await run_command(configure)

    @strawberry.mutation(description="Create a voucher package on a router.")
    async def create_voucher_profile(
        self, info: NiagaInfo, input: VoucherProfileInput
    ) -> t.VoucherProfileResult:
        services, who = info.context.services, info.context.principal

        def create() -> t.VoucherProfileSuccess:
            command = CreateVoucherProfile(
                input.name, parse_id(input.router_id, "routerId"), _terms(input)
            )
            return _profile(services, who, services.vouchers.create_profile(who, command))

        return await run_command(create)

    @strawberry.mutation(description="Change a package's terms for vouchers sold from now on.")
    async def update_voucher_profile(
        self, info: NiagaInfo, input: UpdateVoucherProfileInput
    ) -> t.VoucherProfileResult:
        services, who = info.context.services, info.context.principal

        def update() -> t.VoucherProfileSuccess:
            profile_id = parse_id(input.id, "id")
            services.vouchers.update_profile(who, profile_id, _changes(input))
            return _profile(services, who, profile_id)

        return await run_command(update)

    @strawberry.mutation(description="Generate vouchers for the owner's stock (no balance moves).")
    async def generate_vouchers(
        self, info: NiagaInfo, input: GenerateVouchersInput
    ) -> t.VoucherBatchResult:
        services, who = info.context.services, info.context.principal
        return await run_command(
            lambda: t.VoucherBatchSuccess(
                batch=t.VoucherBatch.from_result(
                    services.voucher_batches.generate(who, _generate(input))
                )
            )
        )

    @strawberry.mutation(
        description="An agent buys new vouchers with its balance (owner/admin: name the agent)."
    )
    async def buy_vouchers(
        self, info: NiagaInfo, input: GenerateVouchersInput
    ) -> t.VoucherBatchResult:
        services, who = info.context.services, info.context.principal

        def buy() -> t.VoucherBatchSuccess:
            agent = parse_id(input.agent_id, "agentId") if input.agent_id else None
            batch = services.voucher_batches.buy(who, _generate(input), agent)
            return t.VoucherBatchSuccess(batch=t.VoucherBatch.from_result(batch))

        return await run_command(buy)

    @strawberry.mutation(description="Record the sale of stock vouchers, all or none.")
    async def sell_vouchers(
        self, info: NiagaInfo, ids: list[strawberry.ID], price: int | None = None
    ) -> t.VouchersResult:
        services, who = info.context.services, info.context.principal

        def sell() -> t.VouchersChanged:
            voucher_ids = _ids(ids, "ids")
            total = services.vouchers.sell(who, voucher_ids, price)
            return _vouchers(services, who, voucher_ids, total)

        return await run_command(sell)

    @strawberry.mutation(description="Record the sale of one stock voucher.")
    async def sell_voucher(
        self, info: NiagaInfo, id: strawberry.ID, price: int | None = None
    ) -> t.VouchersResult:
        services, who = info.context.services, info.context.principal

        def sell() -> t.VouchersChanged:
            voucher_id = parse_id(id, "id")
            total = services.vouchers.sell(who, [voucher_id], price)
            return _vouchers(services, who, [voucher_id], total)

        return await run_command(sell)

    @strawberry.mutation(description="Revoke a voucher; refund: give an agent its price back.")
    async def revoke_voucher(
        self, info: NiagaInfo, id: strawberry.ID, reason: str, refund: bool = False
    ) -> t.VouchersResult:
        services, who = info.context.services, info.context.principal

        def revoke() -> t.VouchersChanged:
            voucher_id = parse_id(id, "id")
            services.vouchers.revoke(who, voucher_id, reason, refund)
            return _vouchers(services, who, [voucher_id])

        return await run_command(revoke)

    @strawberry.mutation(description="A voucher logged in for the first time: validity starts.")
    async def record_first_login(
        self, info: NiagaInfo, username: str, at: datetime | None = None
    ) -> t.VouchersResult:
        services, who = info.context.services, info.context.principal

        def record() -> t.VouchersChanged:
            voucher = services.vouchers.record_first_login(who, username, at)
            return _vouchers(services, who, [voucher.id])

        return await run_command(record)

    @strawberry.mutation(description="A voucher's time or data quota ran out.")
    async def record_voucher_used_up(self, info: NiagaInfo, username: str) -> t.VouchersResult:
        services, who = info.context.services, info.context.principal

        def record() -> t.VouchersChanged:
            voucher = services.vouchers.record_used_up(who, username)
            return _vouchers(services, who, [voucher.id])

        return await run_command(record)

    @strawberry.mutation(description="Enrol an agent (an agent may enrol sub-agents under itself).")
    async def enroll_agent(self, info: NiagaInfo, input: EnrollAgentInput) -> t.AgentResult:
        services, who = info.context.services, info.context.principal

        def enroll() -> t.AgentSuccess:
            parent = parse_id(input.parent_id, "parentId") if input.parent_id else None
            command = EnrollAgent(input.name, input.phone, parent, input.credit_limit)
            return _agent(services, who, services.agents.enroll(who, command))

        return await run_command(enroll)

    @strawberry.mutation(description="Add to an agent's balance (cash or transfer received).")
    async def top_up_agent(
        self, info: NiagaInfo, agent_id: strawberry.ID, amount: int, reference: str
    ) -> t.AgentResult:
        agents = info.context.services.agents
        return await _on_agent(
            info, agent_id, lambda who, agent: agents.top_up(who, agent, amount, reference)
        )

    @strawberry.mutation(description="Correct an agent's balance by a signed amount.")
    async def adjust_agent_balance(
        self, info: NiagaInfo, agent_id: strawberry.ID, amount: int, reason: str
    ) -> t.AgentResult:
        agents = info.context.services.agents
        return await _on_agent(
            info, agent_id, lambda who, agent: agents.adjust(who, agent, amount, reason)
        )

    @strawberry.mutation(description="How far below zero an agent's balance may go.")
    async def change_agent_credit_limit(
        self, info: NiagaInfo, agent_id: strawberry.ID, credit_limit: int
    ) -> t.AgentResult:
        agents = info.context.services.agents
        return await _on_agent(
            info, agent_id, lambda who, agent: agents.change_credit_limit(who, agent, credit_limit)
        )

    @strawberry.mutation(description="Ask for a top-up of your own balance (agents).")
    async def request_agent_top_up(
        self, info: NiagaInfo, agent_id: strawberry.ID, amount: int
    ) -> t.AgentResult:
        agents = info.context.services.agents
        return await _on_agent(
            info, agent_id, lambda who, agent: agents.request_top_up(who, agent, amount)
        )

    @strawberry.mutation(description="A new API key (role agent) that acts as this agent.")
    async def issue_agent_api_key(
        self, info: NiagaInfo, agent_id: strawberry.ID
    ) -> t.AgentApiKeyResult:
        services, who = info.context.services, info.context.principal

        def issue() -> t.AgentApiKey:
            agent = parse_id(agent_id, "agentId")
            token = services.agents.issue_api_key(who, agent)
            return t.AgentApiKey(agent=_agent(services, who, agent).agent, token=token)

        return await run_command(issue)

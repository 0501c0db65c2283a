"""GraphQL for selling vouchers online: agents' shop codes and top-ups paid by gateway."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from api.graphql.shared.errors import Errors
from api.graphql.shared.parsing import parse_id
from api.graphql.shared.support import NiagaInfo, run_command


@strawberry.type
class ShopCodeSuccess:
    code: str = strawberry.field(description="The agent's public page is /buy?agent=<code>")


@strawberry.type
class TopUpLinkSuccess:
    link_id: strawberry.ID
    url: str = strawberry.field(description="Where the agent pays; the balance moves once paid")
    amount: int
    expires_at: datetime


ShopCodeResult = Annotated[ShopCodeSuccess | Errors, strawberry.union("ShopCodeResult")]
TopUpLinkResult = Annotated[TopUpLinkSuccess | Errors, strawberry.union("TopUpLinkResult")]


@strawberry.type
class VoucherSalesMutation:
    @strawberry.mutation(
        description="Give an agent a public voucher page, /buy?agent=<code> (codes are unique "
        "across all tenants; 3-16 letters or digits)."
    )
    async def assign_agent_shop_code(
        self, info: NiagaInfo, agent_id: strawberry.ID, code: str
    ) -> ShopCodeResult:
        services, who = info.context.services, info.context.principal

        def assign() -> ShopCodeSuccess:
            agent = parse_id(agent_id, "agentId")
            return ShopCodeSuccess(code=services.voucher_sales.assign_shop_code(who, agent, code))

        result: ShopCodeResult = await run_command(assign)
        return result

    @strawberry.mutation(
        description="A payment link at the tenant's gateway that tops the agent's balance up "
        "once paid (an agent for itself; owners, admins and finance for any agent)."
    )
    async def create_agent_top_up_link(
        self, info: NiagaInfo, agent_id: strawberry.ID, amount: int
    ) -> TopUpLinkResult:
        services, who = info.context.services, info.context.principal

        def create() -> TopUpLinkSuccess:
            agent = parse_id(agent_id, "agentId")
            link = services.voucher_sales.top_up_link(who, agent, amount)
            return TopUpLinkSuccess(
                link_id=strawberry.ID(str(link.link_id)),
                url=link.url,
                amount=link.amount,
                expires_at=link.expires_at,
            )

        result: TopUpLinkResult = await run_command(create)
        return result

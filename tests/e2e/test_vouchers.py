"""Vouchers through GraphQL and REST over HTTP: an owner sets up a package and an agent, the
agent buys and prints vouchers with its own API key, and sees only its own corner."""

from __future__ import annotations

import io
from typing import Any

import httpx
from pypdf import PdfReader

from adapters.bootstrap import Niaga
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

ERROR = "... on Error { __typename code message field }"
ADD_ROUTER = """
mutation { addRouter(input: {name: "hs-1", host: "192.0.2.7", username: "niaga",
  password: "rahasia"}) { ... on RouterSuccess { router { id } } } }"""
CREATE_PROFILE = f"""
mutation($input: VoucherProfileInput!) {{
  createVoucherProfile(input: $input) {{
    __typename
    ... on VoucherProfileSuccess {{ profile {{ id name validity timeQuota dataQuotaBytes
      sellingPrice agentPrices }} }}
    {ERROR}
  }}
}}"""
ENROLL = f"""
mutation($input: EnrollAgentInput!) {{
  enrollAgent(input: $input) {{ __typename ... on AgentSuccess {{ agent {{ id level }} }} {ERROR} }}
}}"""
TOP_UP = f"""
mutation($id: ID!, $amount: Int!) {{
  topUpAgent(agentId: $id, amount: $amount, reference: "setor tunai") {{
    __typename ... on AgentSuccess {{ agent {{ balance }} }} {ERROR} }}
}}"""
ISSUE_KEY = """
mutation($id: ID!) { issueAgentApiKey(agentId: $id) { ... on AgentApiKey { token } } }"""
BUY = f"""
mutation($input: GenerateVouchersInput!) {{
  buyVouchers(input: $input) {{
    __typename
    ... on VoucherBatchSuccess {{ batch {{ id quantity unitPrice charged balanceAfter
      codes {{ username password }} }} }}
    {ERROR}
  }}
}}"""


def _setup(niaga: Niaga, owner: GraphQL) -> dict[str, Any]:
    router = owner(ADD_ROUTER)["addRouter"]["router"]["id"]  # type: ignore[index]
    created = owner(
        CREATE_PROFILE,
        input={
            "name": "1HARI",
            "routerId": router,
            "hotspotProfile": "1hari",
            "validity": "1d",
            "timeQuota": "12h",
            "dataQuota": "2G",
            "costPrice": 2000,
            "sellingPrice": 5000,
            "agentPrices": [3500, 4000],
            "commissionKind": "level_margin",
        },
    )["createVoucherProfile"]
    top = owner(ENROLL, input={"name": "Budi", "phone": "081277770001"})["enrollAgent"]
    child = owner(
        ENROLL,
        input={"name": "Sari", "phone": "081277770002", "parentId": top["agent"]["id"]},  # type: ignore[index]
    )["enrollAgent"]
    return {"profile": created, "top": top["agent"]["id"], "child": child["agent"]["id"]}  # type: ignore[index]


def test_an_agent_buys_prints_and_sees_only_its_own_vouchers(niaga: Niaga, server: str) -> None:
    tenant_id = niaga.tenants.create("Hotspot Warung", Placement.SHARED)
    owner = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    setup = _setup(niaga, owner)
    profile = setup["profile"]["profile"]
    assert (profile["validity"], profile["timeQuota"]) == ("1d", "12h")
    assert profile["dataQuotaBytes"] == 2 * 1024**3
    assert owner(TOP_UP, id=setup["child"], amount=20_000)["topUpAgent"] == {
        "__typename": "AgentSuccess",
        "agent": {"balance": 20_000},
    }
    token = owner(ISSUE_KEY, id=setup["child"])["issueAgentApiKey"]["token"]  # type: ignore[index]
    agent = GraphQL(server, token)

    bought = agent(BUY, input={"profile": "1hari", "quantity": 4})["buyVouchers"]
    assert bought["__typename"] == "VoucherBatchSuccess"  # type: ignore[index]
    batch = bought["batch"]  # type: ignore[index]
    assert (batch["quantity"], batch["unitPrice"], batch["charged"], batch["balanceAfter"]) == (
        4,
        4000,
        16_000,
        4_000,
    )

    refused = agent(BUY, input={"profile": "1hari", "quantity": 2})["buyVouchers"]
    assert refused["code"] == "INSUFFICIENT_BALANCE"  # type: ignore[index]
    for bad, field in (({"quantity": 0}, "quantity"), ({"profile": "2HARI"}, "profile")):
        answer = agent(BUY, input={"profile": "1hari", "quantity": 1, **bad})["buyVouchers"]
        assert (answer["__typename"], answer["field"]) == ("ValidationError", field)  # type: ignore[index]

    agents = agent("{ agents { name balance } }")["agents"]
    assert agents == [{"name": "Sari", "balance": 4_000}]
    ledger = agent(
        "query($id: ID!) { agentLedger(agentId: $id) { totalCount edges { node { kind amount "
        "balanceBefore balanceAfter } } } }",
        id=setup["child"],
    )["agentLedger"]
    assert [e["node"] for e in ledger["edges"]] == [  # type: ignore[index]
        {"kind": "top_up", "amount": 20_000, "balanceBefore": 0, "balanceAfter": 20_000},
        {"kind": "purchase", "amount": -16_000, "balanceBefore": 20_000, "balanceAfter": 4_000},
    ]
    hidden = agent.post(
        "query($id: ID!) { agentLedger(agentId: $id) { totalCount } }", id=setup["top"]
    ).json()
    assert hidden["errors"][0]["extensions"]["code"] == "NOT_FOUND"

    stock = owner("{ voucherStock { profileName status count } }")["voucherStock"]
    assert stock == [{"profileName": "1HARI", "status": "sold", "count": 4}]
    statements = owner(
        'query { commissionStatements(fromMonth: "2020-01-01", toMonth: "2100-01-01") '
        "{ agentId vouchers amount } }"
    )["commissionStatements"]
    assert statements == [{"agentId": setup["top"], "vouchers": 4, "amount": 4 * 500}]

    sheet = httpx.get(
        f"{server}/voucher-batches/{batch['id']}.pdf",
        params={"layout": "small"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(sheet.content)).pages[0].extract_text()
    assert all(code["username"] in text for code in batch["codes"])
    wrong_layout = httpx.get(
        f"{server}/voucher-batches/{batch['id']}.pdf",
        params={"layout": "poster"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert wrong_layout.status_code == 422


GENERATE = f"""
mutation($input: GenerateVouchersInput!) {{
  generateVouchers(input: $input) {{
    __typename
    ... on VoucherBatchSuccess {{ batch {{ quantity codes {{ username }} }} }}
    {ERROR}
  }}
}}"""
SHORT_NUMERIC = {"profile": "1hari", "length": 5, "charset": "numeric", "prefix": "ee"}


def test_batches_fill_a_short_code_space_up_to_its_limit_and_then_are_refused_as_such(
    niaga: Niaga, server: str
) -> None:
    tenant_id = niaga.tenants.create("Hotspot Kampung", Placement.SHARED)
    owner = GraphQL(server, niaga.tenants.issue_api_key(tenant_id, Role.OWNER).token)
    setup = _setup(niaga, owner)
    # "ee" then 5 digits: 100,000 codes, of which at most 1/20 (5,000) may ever be used.
    drawn: set[str] = set()
    for _ in range(5):
        answer = owner(GENERATE, input={**SHORT_NUMERIC, "quantity": 1000})["generateVouchers"]
        assert answer["__typename"] == "VoucherBatchSuccess", answer  # type: ignore[index]
        codes = {c["username"] for c in answer["batch"]["codes"]}  # type: ignore[index]
        assert len(codes) == 1000
        assert all(len(c) == 7 and c.startswith("ee") and c[2:].isdigit() for c in codes)
        assert not codes & drawn
        drawn |= codes

    refused = owner(GENERATE, input={**SHORT_NUMERIC, "quantity": 1000})["generateVouchers"]
    assert (refused["__typename"], refused["code"], refused["field"]) == (  # type: ignore[index]
        "RefusedError",
        "CODE_SPACE_EXHAUSTED",
        "length",
    )
    for number in ("100.000 codes", "5.000 are used", "1.000 more"):
        assert number in refused["message"]  # type: ignore[index]
    assert owner(TOP_UP, id=setup["child"], amount=20_000)["topUpAgent"]["__typename"] == (  # type: ignore[index]
        "AgentSuccess"
    )
    bought = owner(BUY, input={**SHORT_NUMERIC, "quantity": 1, "agentId": setup["child"]})
    assert bought["buyVouchers"]["code"] == "CODE_SPACE_EXHAUSTED"  # type: ignore[index]

    stock = owner("{ voucherStock { status count } }")["voucherStock"]
    assert stock == [{"status": "generated", "count": 5000}]
    agents = owner("{ agents { name balance } }")["agents"]
    assert {a["name"]: a["balance"] for a in agents} == {"Budi": 0, "Sari": 20_000}  # type: ignore[index]

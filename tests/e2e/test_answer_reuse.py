"""Answers reused while nothing moved, through the real HTTP interface: a repeated GraphQL query
is answered from the cache (counted on /metrics), an answer is never stale after a write, one
principal never gets another's answer, and REST reads carry an ETag that answers 304."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.bootstrap import Niaga
from application.shared.ports import Placement
from domain.shared.roles import Role
from tests.e2e.conftest import GraphQL

HITS = "niaga_graphql_answer_cache_hits_total"
MISSES = "niaga_graphql_answer_cache_misses_total"
CUSTOMERS = """
query Customers {
  customers(first: 50) { totalCount edges { node { id name phone } } }
}"""
CUSTOMER = """
query Customer($id: ID!) { customer(id: $id) { id name phone } }"""
REGISTER = """
mutation Register($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) {
    __typename
    ... on RegisterCustomerSuccess { customer { id } }
  }
}"""
RENAME = """
mutation Rename($input: ChangeCustomerContactInput!) {
  changeCustomerContact(input: $input) { __typename }
}"""
_PHONES = itertools.count(10_000_000)


def _metric(server: str, name: str) -> float:
    text = httpx.get(f"{server}/metrics", timeout=10).text
    for line in text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    return 0.0


def _client(niaga: Niaga, server: str, tenant_id: uuid.UUID, role: Role) -> GraphQL:
    return GraphQL(server, niaga.tenants.issue_api_key(tenant_id, role, role.value).token)


def _tenant(niaga: Niaga) -> uuid.UUID:
    return niaga.tenants.create("Warung Net Sejahtera", Placement.SHARED)


def _register(gql: GraphQL, name: str) -> str:
    phone = f"0812{next(_PHONES)}"
    answer: Any = gql(REGISTER, input={"name": name, "phone": phone})["registerCustomer"]
    assert answer["__typename"] == "RegisterCustomerSuccess", answer
    return str(answer["customer"]["id"])


def _settled(niaga: Niaga) -> None:
    """Wait until the daemon has moved every read model past the last write: a position moving
    between two asks would rightly make the second one a fresh computation."""
    deadline = time.monotonic() + 10
    while any(entry.status.lag for entry in niaga.projections.status()):
        assert time.monotonic() < deadline, "read models did not catch up"
        time.sleep(0.02)


def _fresh(document: str) -> str:
    """The same question in a document never asked before: computed afresh, never reused."""
    return f"{document}\n# {uuid.uuid4()}"


def test_a_repeated_query_is_answered_from_the_cache(niaga: Niaga, server: str) -> None:
    gql = _client(niaga, server, _tenant(niaga), Role.OWNER)
    _register(gql, "Budi Santoso")
    _settled(niaga)
    hits, misses = _metric(server, HITS), _metric(server, MISSES)

    first = gql(CUSTOMERS)
    assert (_metric(server, HITS), _metric(server, MISSES)) == (hits, misses + 1)
    again = gql(CUSTOMERS)
    assert (_metric(server, HITS), _metric(server, MISSES)) == (hits + 1, misses + 1)
    assert again == first


def test_a_write_is_seen_by_the_next_identical_query(niaga: Niaga, server: str) -> None:
    gql = _client(niaga, server, _tenant(niaga), Role.OWNER)
    before: Any = gql(CUSTOMERS)["customers"]
    _register(gql, "Siti Aminah")
    after: Any = gql(CUSTOMERS)["customers"]
    assert (before["totalCount"], after["totalCount"]) == (0, 1)


def test_different_principals_never_share_an_answer(niaga: Niaga, server: str) -> None:
    tenant_id = _tenant(niaga)
    owner, agent, finance = (
        _client(niaga, server, tenant_id, role) for role in (Role.OWNER, Role.AGENT, Role.FINANCE)
    )
    stranger = _client(niaga, server, _tenant(niaga), Role.OWNER)
    _register(owner, "Agus Salim")
    _settled(niaga)
    owner(CUSTOMERS)
    owner(CUSTOMERS)  # filed and reused for the owner
    hits = _metric(server, HITS)

    # An agent may not read customers: it is refused, never handed the owner's answer.
    refused = agent.post(CUSTOMERS)
    assert refused.status_code == 403
    assert refused.json()["data"] is None
    # Another role that may read them computes its own answer.
    assert finance(CUSTOMERS) == owner(CUSTOMERS)
    assert _metric(server, HITS) == hits + 1  # only the owner's third ask was a reuse
    # Another tenant asking the same gets its own (empty) list.
    assert stranger(CUSTOMERS) == {"customers": {"totalCount": 0, "edges": []}}


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("register"), st.text("abcdefghij ", min_size=1, max_size=12)),
        st.tuples(st.just("rename"), st.integers(0, 50)),
        st.tuples(st.just("list"), st.none()),
        st.tuples(st.just("one"), st.integers(0, 50)),
    ),
    min_size=1,
    max_size=8,
)


def test_a_reused_answer_is_never_stale_after_a_write(niaga: Niaga, server: str) -> None:
    """After any mutation has returned, the next identical query answers what a fresh
    computation answers, whatever the interleaving of writes and reads."""
    gql = _client(niaga, server, _tenant(niaga), Role.OWNER)
    ids = [_register(gql, "Budi")]
    hits = _metric(server, HITS)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=STEPS)
    def interleaving(steps: list[tuple[str, Any]]) -> None:
        for step, value in steps:
            if step == "register":
                ids.append(_register(gql, f"{value.strip() or 'x'} {len(ids)}"))
            elif step == "rename":
                customer_id = ids[value % len(ids)]
                name = f"Renamed {uuid.uuid4().hex[:6]}"
                gql(RENAME, input={"id": customer_id, "name": name})
            elif step == "list":
                _same_as_fresh(gql, CUSTOMERS)
            else:
                _same_as_fresh(gql, CUSTOMER, id=ids[value % len(ids)])

    interleaving()
    assert _metric(server, HITS) > hits  # answers were reused along the way


def _same_as_fresh(gql: GraphQL, document: str, **variables: object) -> None:
    reused = gql(document, **variables)  # reused whenever nothing moved since last asked
    assert reused == gql(_fresh(document), **variables)
    assert gql(document, **variables) == reused


class Rest:
    def __init__(self, server: str, token: str) -> None:
        self.url = f"{server}/api/v1/customers"
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, tag: str | None = None) -> httpx.Response:
        extra = {"If-None-Match": tag} if tag else {}
        return httpx.get(self.url, headers={**self.headers, **extra}, timeout=10)


def test_rest_reads_carry_an_etag_that_answers_304_until_something_moves(
    niaga: Niaga, server: str
) -> None:
    tenant_id = _tenant(niaga)
    owner_key, finance_key, agent_key = (
        niaga.tenants.issue_api_key(tenant_id, role, "erp").token
        for role in (Role.OWNER, Role.FINANCE, Role.AGENT)
    )
    rest, gql = Rest(server, owner_key), GraphQL(server, owner_key)
    _register(gql, "Budi Santoso")
    _settled(niaga)

    first = rest.get()
    tag = first.headers["ETag"]
    assert first.status_code == 200
    assert tag.startswith('W/"')
    unchanged = rest.get(tag)
    assert (unchanged.status_code, unchanged.content, unchanged.headers["ETag"]) == (304, b"", tag)
    assert rest.get(f'"other", {tag}').status_code == 304  # any listed tag, weakly compared

    # Another principal holding that tag still gets the answer it is allowed to read.
    assert Rest(server, finance_key).get(tag).status_code == 200
    assert Rest(server, agent_key).get(tag).status_code == 403

    _register(gql, "Siti Aminah")
    moved = rest.get(tag)
    assert moved.status_code == 200
    assert moved.headers["ETag"] != tag
    assert len(moved.json()["data"]) == 2


def test_a_document_route_answers_304_without_producing_it_again(niaga: Niaga, server: str) -> None:
    tenant_id = _tenant(niaga)
    token = niaga.tenants.issue_api_key(tenant_id, Role.AUDITOR, "audit").token
    owner = _client(niaga, server, tenant_id, Role.OWNER)
    _register(owner, "Budi Santoso")
    _settled(niaga)
    url = f"{server}/audit/export"
    period = {"from": "2000-01-01T00:00:00+00:00", "to": "2100-01-01T00:00:00+00:00"}
    auth = {"Authorization": f"Bearer {token}"}

    first = httpx.get(url, params=period, headers=auth, timeout=10)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    again = httpx.get(url, params=period, headers={**auth, "If-None-Match": tag}, timeout=10)
    assert (again.status_code, again.content) == (304, b"")

    _register(owner, "Siti Aminah")
    moved = httpx.get(url, params=period, headers={**auth, "If-None-Match": tag}, timeout=10)
    assert moved.status_code == 200
    assert moved.content.count(b"Customer.Registered") == 2

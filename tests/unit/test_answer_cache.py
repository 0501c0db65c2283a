"""The answer cache's bounds and keys, and how a GraphQL request is told to be read-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from strawberry.http import GraphQLRequestData

from api.graphql.shared.answer_reuse import _read_only
from api.shared.answer_cache import AnswerCache, answer_key
from api.shared.etag import _opaque_tags
from application.shared.read_state import ReadVersion

NOON = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
VERSION = ReadVersion("tenant/owner/api_key:a", "41/customer_list=41/0", NOON)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_its_time_to_live_only() -> None:
    clock = Clock()
    cache: AnswerCache[str] = AnswerCache(30, 10, clock)
    cache.put("k", "answer")
    clock.now = 29.9
    assert cache.get("k") == "answer"
    clock.now = 30.0
    assert cache.get("k") is None


def test_the_least_recently_used_answer_goes_first() -> None:
    cache: AnswerCache[str] = AnswerCache(30, 2, Clock())
    cache.put("a", "1")
    cache.put("b", "2")
    cache.get("a")
    cache.put("c", "3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("1", None, "3")


def test_a_cache_without_time_or_room_is_off() -> None:
    assert not AnswerCache(0, 10).enabled
    assert not AnswerCache(30, 0).enabled
    assert AnswerCache(30, 10).enabled


def test_the_key_changes_with_who_asks_what_and_where_the_read_models_stand() -> None:
    key = answer_key(VERSION, 30, "{ customers { totalCount } }", None, {"first": 1})
    others = [
        answer_key(
            ReadVersion("tenant/staff/api_key:b", VERSION.positions, NOON),
            30,
            "{ customers { totalCount } }",
            None,
            {"first": 1},
        ),
        answer_key(
            ReadVersion(VERSION.audience, "42/customer_list=42/0", NOON),
            30,
            "{ customers { totalCount } }",
            None,
            {"first": 1},
        ),
        answer_key(VERSION, 30, "{ customers { totalCount } }", None, {"first": 2}),
        answer_key(VERSION, 30, "{ customers { totalCount } }", "Other", {"first": 1}),
        answer_key(
            ReadVersion(VERSION.audience, VERSION.positions, NOON + timedelta(seconds=30)),
            30,
            "{ customers { totalCount } }",
            None,
            {"first": 1},
        ),
    ]
    assert key not in others
    assert len(set(others)) == len(others)
    assert key == answer_key(VERSION, 30, "{ customers { totalCount } }", None, {"first": 1})


def test_parts_cannot_run_into_each_other() -> None:
    assert answer_key(VERSION, 30, "ab", "c") != answer_key(VERSION, 30, "a", "bc")


def _request(query: str | None, operation: str | None = None) -> GraphQLRequestData:
    return GraphQLRequestData(
        query=query, variables=None, operation_name=operation, extensions=None
    )


def test_only_a_query_operation_is_read_only() -> None:
    document = "query A { plans { id } } mutation B { runBilling { __typename } }"
    assert _read_only(_request("{ plans { id } }"))
    assert _read_only(_request(document, "A"))
    assert not _read_only(_request(document, "B"))
    assert not _read_only(_request(document))  # two operations, none named
    assert not _read_only(_request("subscription { jobBoardChanged { id } }"))
    assert not _read_only(_request("{ plans { id }"))  # does not parse
    assert not _read_only(_request(None))


def test_if_none_match_lists_tags_compared_weakly_and_ignores_a_star() -> None:
    assert _opaque_tags('W/"a", "b" ,W/"c"') == {"a", "b", "c"}
    assert _opaque_tags("*") == set()
    assert _opaque_tags('"unterminated') == set()

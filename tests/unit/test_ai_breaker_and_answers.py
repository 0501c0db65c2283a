"""The circuit breaker's states on a clock the test moves, and how JSON answers are read
against a JSON schema."""

from __future__ import annotations

import pytest

from adapters.ai.breaker import BreakerState, CircuitBreaker
from application.ai.json_answers import InvalidAnswer, check, map_strings, parsed


def state_of(breaker: CircuitBreaker) -> BreakerState:
    """Read afresh each time (the state changes under the test's feet)."""
    return breaker.state


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_the_threshold_of_failures_in_a_row() -> None:
    ticks = Ticks()
    breaker = CircuitBreaker(3, 60.0, ticks)
    breaker.failed()
    breaker.failed()
    breaker.succeeded()  # a success in between starts the count again
    breaker.failed()
    breaker.failed()
    assert breaker.allow()
    assert state_of(breaker) is BreakerState.CLOSED
    breaker.failed()
    assert state_of(breaker) is BreakerState.OPEN
    assert not breaker.allow()


def test_after_its_rest_the_breaker_lets_one_trial_through_which_closes_or_reopens_it() -> None:
    ticks = Ticks()
    breaker = CircuitBreaker(1, 60.0, ticks)
    breaker.failed()
    ticks.now = 60.0
    assert state_of(breaker) is BreakerState.HALF_OPEN
    assert breaker.allow()
    assert not breaker.allow()  # one trial at a time
    breaker.failed()
    assert state_of(breaker) is BreakerState.OPEN
    ticks.now = 120.0
    assert breaker.allow()
    breaker.succeeded()
    assert state_of(breaker) is BreakerState.CLOSED
    assert breaker.allow()
    assert breaker.allow()


SCHEMA = {
    "type": "object",
    "required": ["valid", "reasons"],
    "properties": {
        "valid": {"type": "boolean"},
        "reasons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "source"],
                "properties": {"text": {"type": "string"}, "source": {"enum": ["rule", "ai"]}},
            },
        },
    },
}


def test_an_answer_of_the_schemas_shape_passes() -> None:
    check(parsed('{"valid": false, "reasons": [{"text": "Diskon 50%", "source": "ai"}]}'), SCHEMA)


@pytest.mark.parametrize(
    ("answer", "where"),
    [
        ("Maaf, saya tidak bisa", "not JSON"),
        ('{"valid": "no", "reasons": []}', "$.valid is not boolean"),
        ('{"valid": true}', "$ lacks reasons"),
        ('{"valid": true, "reasons": [{"text": "x", "source": "model"}]}', "$.reasons[0].source"),
        ('{"valid": true, "reasons": [{"text": 5, "source": "ai"}]}', "$.reasons[0].text"),
        ("[1, 2]", "$ is not object"),
    ],
)
def test_an_answer_off_the_schema_is_refused_naming_where(answer: str, where: str) -> None:
    with pytest.raises(InvalidAnswer) as refused:
        check(parsed(answer), SCHEMA)
    assert where in str(refused.value)


def test_values_are_restored_in_string_values_only() -> None:
    restore = {"[REDACTED_NAME_1]": "Budi"}.get
    value = {"[REDACTED_NAME_1]": ["[REDACTED_NAME_1]", 3, None]}
    assert map_strings(value, lambda s: restore(s, s)) == {"[REDACTED_NAME_1]": ["Budi", 3, None]}

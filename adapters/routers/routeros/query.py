"""`print` query words (`?name=x`, `?-name`, `?<n=1`, `?#|!`): a stack machine over one row.

Each test word pushes a boolean; `?#` words combine the stack (`|` or, `&` and, `!` not, `.` copy
the top, digits copy the value that many places below the top, or keep only it at the word's end).
Whatever is left on the stack must all be true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adapters.routers.routeros.menus import BOOLEANS

_TRUTH = {"yes": "true", "true": "true", "no": "false", "false": "false"}


class QueryError(Exception):
    """A query word the router cannot evaluate."""


def matches(row: Mapping[str, str], words: Sequence[str]) -> bool:
    stack: list[bool] = []
    for word in words:
        body = word[1:]
        if body.startswith("#"):
            _operate(stack, body[1:])
        else:
            stack.append(_test(row, body))
    return all(stack)


def _test(row: Mapping[str, str], body: str) -> bool:
    if body[:1] in ("=", "<", ">"):
        name, equals, wanted = body[1:].partition("=")
        if not name or not equals:
            raise QueryError(f"invalid query word ?{body}")
        return _compare(body[0], row.get(name, ""), _normal(name, wanted))
    if body.startswith("-"):
        return body[1:] not in row
    name, equals, wanted = body.partition("=")
    if not name:
        raise QueryError(f"invalid query word ?{body}")
    if equals:
        return row.get(name, "") == _normal(name, wanted)
    return name in row


def _normal(name: str, value: str) -> str:
    return _TRUTH.get(value, value) if name in BOOLEANS else value


def _compare(operator: str, actual: str, wanted: str) -> bool:
    if operator == "=":
        return actual == wanted
    if _is_number(actual) and _is_number(wanted):
        return int(actual) < int(wanted) if operator == "<" else int(actual) > int(wanted)
    return actual < wanted if operator == "<" else actual > wanted


def _is_number(value: str) -> bool:
    return value.removeprefix("-").isdigit()


def _operate(stack: list[bool], operations: str) -> None:
    index = ""
    for position, char in enumerate(operations):
        if char.isdigit():
            index += char
            if position == len(operations) - 1:
                kept = _at(stack, int(index))
                stack[:] = [kept]
            continue
        if index:
            stack.append(_at(stack, int(index)))
            index = ""
        _apply(stack, char)


def _apply(stack: list[bool], operation: str) -> None:
    if operation in "|&" and len(stack) >= 2:
        right, left = stack.pop(), stack.pop()
        stack.append(left or right if operation == "|" else left and right)
    elif operation == "!" and stack:
        stack[-1] = not stack[-1]
    elif operation == "." and stack:
        stack.append(stack[-1])
    else:
        raise QueryError(f"invalid query operation {operation!r} on a stack of {len(stack)}")


def _at(stack: list[bool], index: int) -> bool:
    if index >= len(stack):
        raise QueryError(f"query stack has no value at {index}")
    return stack[-1 - index]

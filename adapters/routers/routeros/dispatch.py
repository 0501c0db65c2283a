"""From one API sentence to the reply sentences: login, menu commands, `!trap` on failure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

from adapters.routers.routeros.menus import BOOLEANS, MENUS, Menu
from adapters.routers.routeros.protocol import Sentence
from adapters.routers.routeros.query import QueryError, matches
from adapters.routers.routeros.state import RouterError, RouterState

LOGIN_FAILED = "invalid user name or password (6)"
_PRINT_OPTIONS = frozenset(
    {".proplist", "count-only", "detail", "stats", "terse", "without-paging", "from"}
)
_SELECTORS = (".id", "numbers")


@dataclass(frozen=True)
class Request:
    command: str
    attributes: dict[str, str]
    queries: list[str]
    tag: str | None

    @classmethod
    def parse(cls, sentence: Sequence[str]) -> Request:
        attributes: dict[str, str] = {}
        queries: list[str] = []
        tag: str | None = None
        for word in sentence[1:]:
            if word.startswith("="):
                name, _, value = word[1:].partition("=")
                attributes[name] = value
            elif word.startswith("?"):
                queries.append(word)
            elif word.startswith(".tag="):
                tag = word.removeprefix(".tag=")
        return cls(sentence[0], attributes, queries, tag)


@dataclass
class Session:
    """One API connection: logged in or not, and the challenge of an old-style login."""

    user: str | None = None
    challenge: bytes | None = None


@dataclass
class Reply:
    sentences: list[Sentence] = field(default_factory=list)
    close: bool = False

    def tagged(self, tag: str | None) -> Reply:
        if tag is not None:
            for sentence in self.sentences:
                sentence.append(f".tag={tag}")
        return self


def trap(message: str, category: int | None = None) -> Reply:
    words = ["!trap", f"=message={message}"]
    if category is not None:
        words.insert(1, f"=category={category}")
    return Reply([words, ["!done"]])


def fatal(message: str) -> Reply:
    return Reply([["!fatal", message]], close=True)


class Dispatcher:
    """Answers requests as RouterOS 7 does, for one user account."""

    def __init__(self, state: RouterState, username: str, password: str) -> None:
        self._state = state
        self._username = username
        self._password = password

    def answer(self, request: Request, session: Session) -> Reply:
        return self._answer(request, session).tagged(request.tag)

    def _answer(self, request: Request, session: Session) -> Reply:
        if request.command == "/login":
            return self._login(request.attributes, session)
        if request.command == "/quit":
            return fatal("session terminated on request")
        if session.user is None:
            return fatal("not logged in")
        if request.command == "/cancel":
            return Reply([["!done"]])
        path, _, command = request.command.rpartition("/")
        menu = MENUS.get(path)
        if menu is None:
            return trap("no such command prefix", 0)
        if command not in menu.commands:
            return trap(f"no such command or directory ({command})", 0)
        try:
            with self._state.lock:
                return self._run(menu, command, request)
        except RouterError as error:
            return trap(error.message, error.category)
        except QueryError as error:
            return trap(str(error), 1)

    def _login(self, attributes: dict[str, str], session: Session) -> Reply:
        name = attributes.get("name")
        if name is None:
            # Before RouterOS 6.43 the client first asked for a challenge.
            session.challenge = secrets.token_bytes(16)
            return Reply([["!done", f"=ret={session.challenge.hex()}"]])
        if "password" in attributes:
            good = _same(attributes["password"], self._password)
        else:
            good = session.challenge is not None and _same(
                attributes.get("response", ""), self._challenge_response(session.challenge)
            )
        if not (good and _same(name, self._username)):
            return trap(LOGIN_FAILED)
        session.user = name
        return Reply([["!done"]])

    def _challenge_response(self, challenge: bytes) -> str:
        digest = hashlib.md5(b"\x00" + self._password.encode() + challenge, usedforsecurity=False)
        return "00" + digest.hexdigest()

    def _run(self, menu: Menu, command: str, request: Request) -> Reply:
        arguments = dict(request.attributes)
        if command in ("print", "getall"):
            return self._print(menu, arguments, request.queries)
        if command == "add":
            return Reply([["!done", f"=ret={self._state.add(menu.path, arguments)}"]])
        selector = self._selector(menu, arguments)
        if command == "set":
            self._state.set(menu.path, selector, arguments)
        elif command in ("enable", "disable"):
            self._reject_extra(arguments)
            self._state.set(menu.path, selector, {"disabled": str(command == "disable").lower()})
        elif command == "unset":
            name = arguments.pop("value-name", "")
            self._reject_extra(arguments)
            self._state.unset(menu.path, selector, name)
        else:
            self._reject_extra(arguments)
            self._state.remove(menu.path, selector)
        return Reply([["!done"]])

    def _print(self, menu: Menu, arguments: dict[str, str], queries: list[str]) -> Reply:
        if unknown := set(arguments) - _PRINT_OPTIONS:
            return trap(f"unknown parameter {sorted(unknown)[0]}", 1)
        rows = self._state.rows(menu.path, _equality(menu, queries))
        if "from" in arguments and not menu.singleton:
            chosen = {item.id for item in self._state.resolve(menu.path, arguments["from"])}
            rows = [row for row in rows if row[".id"] in chosen]
        rows = [row for row in rows if matches(row, queries)]
        if "count-only" in arguments:
            return Reply([["!done", f"=ret={len(rows)}"]])
        if ".proplist" in arguments:
            wanted = [name for name in arguments[".proplist"].split(",") if name]
            rows = [{name: row[name] for name in wanted if name in row} for row in rows]
        sentences = [["!re", *(f"={name}={value}" for name, value in row.items())] for row in rows]
        return Reply([*sentences, ["!done"]])

    @staticmethod
    def _selector(menu: Menu, arguments: dict[str, str]) -> str | None:
        if menu.singleton:
            return None
        found = [arguments.pop(name) for name in _SELECTORS if name in arguments]
        return found[0] if found else None

    @staticmethod
    def _reject_extra(arguments: dict[str, str]) -> None:
        if arguments:
            raise RouterError(f"unknown parameter {next(iter(arguments))}", 1)


def _equality(menu: Menu, queries: list[str]) -> tuple[str, str] | None:
    """A leading `?name=value` test on a stored, non-boolean property narrows the rows before
    they are rendered; every query word is still evaluated on what is left."""
    if not queries or any(word.startswith("?#") for word in queries):
        return None  # operators may combine tests: nothing can be left out beforehand
    if queries[0].startswith(("?-", "?<", "?>", "?=")):
        return None
    name, equals, value = queries[0][1:].partition("=")
    if not equals or name in BOOLEANS or name not in menu.fields:
        return None
    return name, value


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())

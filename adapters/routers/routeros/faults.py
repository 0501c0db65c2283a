"""Faults a test can arm: slow commands and commands that fail once (or a few times)."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Failure:
    command: str
    message: str
    category: int | None
    remaining: int


def covers(rule: str, command: str) -> bool:
    """A rule names a whole command ("/ppp/secret/add"), a menu ("/ppp/secret") or all ("")."""
    return rule in ("", command) or command.startswith(rule.rstrip("/") + "/")


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latency: dict[str, float] = {}
        self._failures: list[_Failure] = []

    def set_latency(self, seconds: float, command: str = "") -> None:
        with self._lock:
            if seconds > 0:
                self._latency[command] = seconds
            else:
                self._latency.pop(command, None)

    def latency(self, command: str) -> float:
        """The delay of the most specific rule that covers the command."""
        with self._lock:
            rules = [rule for rule in self._latency if covers(rule, command)]
            return self._latency[max(rules, key=len)] if rules else 0.0

    def fail_next(self, command: str, message: str, category: int | None, times: int) -> None:
        with self._lock:
            self._failures.append(_Failure(command, message, category, times))

    def take_failure(self, command: str) -> tuple[str, int | None] | None:
        """The first armed failure covering the command, used up once."""
        with self._lock:
            for failure in self._failures:
                if covers(failure.command, command):
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._failures.remove(failure)
                    return failure.message, failure.category
            return None

    def clear(self) -> None:
        with self._lock:
            self._latency.clear()
            self._failures.clear()

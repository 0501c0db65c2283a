"""The router's configuration in memory: items per menu, with the checks RouterOS makes."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from adapters.routers.routeros.menus import (
    BOOLEANS,
    HOTSPOT_ACTIVE,
    HOTSPOT_USER,
    HOTSPOT_USER_PROFILE,
    MENUS,
    PPP_PROFILE,
    SESSION_MENUS,
    SYSTEM_IDENTITY,
    SYSTEM_RESOURCE,
    Menu,
)

_TRUTH = {"yes": "true", "true": "true", "no": "false", "false": "false"}


class RouterError(Exception):
    """What the router answers with `!trap`."""

    def __init__(self, message: str, category: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.category = category


@dataclass
class Item:
    id: str
    values: dict[str, str]
    since: float | None = None
    """When a session began: its uptime is counted from here."""


@dataclass
class Table:
    menu: Menu
    items: dict[str, Item] = field(default_factory=dict)
    serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_id(self) -> str:
        return f"*{next(self.serial):X}"


@dataclass(frozen=True)
class Hardware:
    version: str = "7.16.2 (stable)"
    board_name: str = "hAP ac^2"
    architecture_name: str = "arm"


class RouterState:
    """Menus of items. Callers hold `lock` around each command, so a command is atomic."""

    def __init__(
        self,
        identity: str = "MikroTik",
        hardware: Hardware | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._hardware = hardware or Hardware()
        self._booted = clock()
        self._identity = {"name": identity}
        self._tables = {path: Table(menu) for path, menu in MENUS.items() if not menu.singleton}
        for menu in (PPP_PROFILE, HOTSPOT_USER_PROFILE):
            self._insert(menu.path, {"name": "default"}, read_only={"default": "true"})

    # --- commands -------------------------------------------------------------------------

    def rows(self, path: str, where: tuple[str, str] | None = None) -> list[dict[str, str]]:
        """Every item as `print` shows it, `.id` first (singletons have none); with `where`
        (a property and a stored value), only the items holding that value, without rendering
        the others: routers answer a look-up by name without listing everything."""
        if path == SYSTEM_RESOURCE.path:
            return [self._resource()]
        if path == SYSTEM_IDENTITY.path:
            return [dict(self._identity)]
        table = self._tables[path]
        items = list(table.items.values())
        if where is not None:
            name, value = where
            items = [item for item in items if item.values.get(name) == value]
        return [self._render(table.menu, item) for item in items]

    def add(self, path: str, given: Mapping[str, str]) -> str:
        table = self._tables[path]
        values = self._checked(table.menu, given)
        if table.menu.auto_name and "name" not in values:
            values["name"] = self._free_name(table)
        if missing := [name for name in table.menu.required if not values.get(name)]:
            raise RouterError(f"missing value(s) of argument(s) {' '.join(missing)}", 1)
        self._check_unique(table, values, exclude=())
        read_only = (
            {"creation-time": self._wall_time()} if "creation-time" in table.menu.read_only else {}
        )
        return self._insert(path, values, read_only=read_only).id

    def set(self, path: str, references: str | None, given: Mapping[str, str]) -> None:
        if path == SYSTEM_IDENTITY.path:
            self._identity.update(self._checked(SYSTEM_IDENTITY, given))
            return
        table = self._tables[path]
        items = self.resolve(path, references)
        values = self._checked(table.menu, given)
        updated = {item.id: {**item.values, **values} for item in items}
        for new_values in updated.values():
            self._check_unique(table, new_values, exclude=updated)
        unique = table.menu.unique
        keys = [tuple(new_values.get(name) for name in unique) for new_values in updated.values()]
        if unique and len(set(keys)) < len(keys):
            raise RouterError(table.menu.duplicate)
        for item in items:
            item.values = updated[item.id]

    def unset(self, path: str, references: str | None, name: str) -> None:
        menu = self._tables[path].menu
        if name not in menu.fields or name in menu.required or name == menu.key:
            raise RouterError(f"unknown parameter {name}", 1)
        for item in self.resolve(path, references):
            default = menu.fields[name]
            if default is None:
                item.values.pop(name, None)
            else:
                item.values[name] = default

    def remove(self, path: str, references: str | None) -> None:
        table = self._tables[path]
        items = self.resolve(path, references)
        if any(item.values.get("default") == "true" for item in items):
            raise RouterError("failure: default profile can not be removed")
        for item in items:
            del table.items[item.id]

    def resolve(self, path: str, references: str | None) -> list[Item]:
        """Items named by comma-separated `.id`s (or, where the menu has a key, names)."""
        if not references:
            raise RouterError("missing value(s) of argument(s) .id", 1)
        table = self._tables[path]
        return [self._find(table, reference) for reference in references.split(",")]

    # --- what happens on the router itself ------------------------------------------------

    def open_session(self, path: str, values: Mapping[str, str]) -> str:
        """A PPPoE or hotspot login: an item in an active-sessions menu."""
        item = self._insert(path, {}, read_only=values)
        item.since = self._clock()
        return item.id

    def count_usage(self, user: str, seconds: int, bytes_in: int, bytes_out: int) -> None:
        """Usage by a logged-in hotspot user, added to its session and to the user's totals."""
        sessions = [
            item
            for item in self._tables[HOTSPOT_ACTIVE.path].items.values()
            if item.values.get("user") == user
        ]
        if not sessions:
            raise ValueError(f"hotspot user {user!r} is not logged in")
        session = sessions[0]
        if session.since is not None:
            session.since -= seconds
        _add_counters(session.values, bytes_in, bytes_out)
        for item in self._tables[HOTSPOT_USER.path].items.values():
            if item.values.get("name") == user:
                item.values["uptime"] = format_duration(
                    parse_duration(item.values.get("uptime", "0s")) + seconds
                )
                _add_counters(item.values, bytes_in, bytes_out)

    def reboot(self) -> None:
        """Sessions end, uptime restarts and every item gets a new `.id`."""
        self._booted = self._clock()
        for path, table in self._tables.items():
            survivors = [] if path in SESSION_MENUS else list(table.items.values())
            table.items = {}
            for item in survivors:
                item.id = table.next_id()
                table.items[item.id] = item

    def has_name(self, path: str, name: str) -> bool:
        return any(item.values.get("name") == name for item in self._tables[path].items.values())

    # --- helpers --------------------------------------------------------------------------

    def _insert(self, path: str, values: Mapping[str, str], read_only: Mapping[str, str]) -> Item:
        table = self._tables[path]
        menu = table.menu
        defaults = {name: value for name, value in menu.fields.items() if value is not None}
        item = Item(table.next_id(), {**defaults, **menu.read_only, **values, **read_only})
        table.items[item.id] = item
        return item

    def _checked(self, menu: Menu, given: Mapping[str, str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for name, value in given.items():
            if name not in menu.fields:
                raise RouterError(f"unknown parameter {name}", 1)
            if name in BOOLEANS:
                if value not in _TRUTH:
                    raise RouterError(f"value of {name} must be yes or no", 1)
                value = _TRUTH[value]
            target = menu.references.get(name)
            if target and not self.has_name(target, value):
                raise RouterError(f"input does not match any value of {name}", 1)
            values[name] = value
        return values

    def _check_unique(
        self, table: Table, values: Mapping[str, str], exclude: Iterable[str]
    ) -> None:
        if not table.menu.unique:
            return
        wanted = tuple(values.get(name) for name in table.menu.unique)
        for item in table.items.values():
            if item.id in exclude:
                continue
            if tuple(item.values.get(name) for name in table.menu.unique) == wanted:
                raise RouterError(table.menu.duplicate)

    def _find(self, table: Table, reference: str) -> Item:
        if reference in table.items:
            return table.items[reference]
        key = table.menu.key
        if key and not reference.startswith("*"):
            for item in table.items.values():
                if item.values.get(key) == reference:
                    return item
        raise RouterError("no such item")

    def _free_name(self, table: Table) -> str:
        taken = {item.values.get("name") for item in table.items.values()}
        prefix = table.menu.auto_name or ""
        return next(f"{prefix}{n}" for n in itertools.count(1) if f"{prefix}{n}" not in taken)

    def _render(self, menu: Menu, item: Item) -> dict[str, str]:
        row = {".id": item.id}
        row.update((name, item.values[name]) for name in menu.columns() if name in item.values)
        if item.since is not None:
            row["uptime"] = format_duration(self._clock() - item.since)
        return row

    def _resource(self) -> dict[str, str]:
        hardware = self._hardware
        return {
            "uptime": format_duration(self._clock() - self._booted),
            "version": hardware.version,
            "build-time": "2024-12-12 08:35:59",
            "factory-software": "6.44.6",
            "free-memory": "201691136",
            "total-memory": "268435456",
            "cpu": "ARM",
            "cpu-count": "4",
            "cpu-frequency": "716",
            "cpu-load": "1",
            "free-hdd-space": "1028096",
            "total-hdd-space": "16777216",
            "architecture-name": hardware.architecture_name,
            "board-name": hardware.board_name,
            "platform": "MikroTik",
        }

    @staticmethod
    def _wall_time() -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S")


def _add_counters(values: dict[str, str], bytes_in: int, bytes_out: int) -> None:
    values["bytes-in"] = str(int(values.get("bytes-in", "0")) + bytes_in)
    values["bytes-out"] = str(int(values.get("bytes-out", "0")) + bytes_out)


def parse_duration(text: str) -> int:
    """Seconds in a RouterOS duration such as 1w2d3h4m5s."""
    units = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([wdhms])", text))


def format_duration(seconds: float) -> str:
    """RouterOS style: 1w2d3h4m5s, zero parts left out, "0s" for nothing."""
    remaining = int(seconds)
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"

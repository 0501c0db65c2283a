"""The menus the simulator knows: their properties, defaults, commands and naming rules.

Defaults follow a RouterOS 7 print; a default of None means the property is shown only once set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

LIST_COMMANDS = frozenset({"print", "getall", "add", "set", "unset", "remove", "enable", "disable"})
SESSION_COMMANDS = frozenset({"print", "getall", "remove"})
BOOLEANS = frozenset(
    {"disabled", "dynamic", "default", "invalid", "radius", "add-mac-cookie", "transparent-proxy"}
)


@dataclass(frozen=True)
class Menu:
    path: str
    fields: Mapping[str, str | None] = field(default_factory=dict)
    """Writable properties and their defaults."""
    read_only: Mapping[str, str] = field(default_factory=dict)
    """Properties the router keeps itself (counters, flags); add and set refuse them."""
    commands: frozenset[str] = LIST_COMMANDS
    required: tuple[str, ...] = ()
    key: str | None = "name"
    """The property that names an item: usable in place of an `.id`."""
    unique: tuple[str, ...] = ()
    duplicate: str = ""
    """The trap message when `unique` properties repeat."""
    references: Mapping[str, str] = field(default_factory=dict)
    """Property -> menu whose item names it must match."""
    auto_name: str | None = None
    """Prefix of the name given to an item added without one (queue1, queue2...)."""
    singleton: bool = False

    def columns(self) -> list[str]:
        return [*self.fields, *self.read_only]


PPP_SECRET = Menu(
    "/ppp/secret",
    fields={
        "name": None, "service": "any", "caller-id": "", "password": "", "profile": "default",
        "local-address": None, "remote-address": None, "routes": "", "ipv6-routes": "",
        "limit-bytes-in": "0", "limit-bytes-out": "0", "comment": None, "disabled": "false",
    },
    required=("name",),
    unique=("name",),
    duplicate="failure: secret with the same name already exists",
    references={"profile": "/ppp/profile"},
)  # fmt: skip

PPP_PROFILE = Menu(
    "/ppp/profile",
    fields={
        "name": None, "local-address": None, "remote-address": None, "bridge": None,
        "incoming-filter": None, "outgoing-filter": None, "address-list": "", "dns-server": None,
        "rate-limit": None, "session-timeout": None, "idle-timeout": None, "parent-queue": None,
        "only-one": "default", "change-tcp-mss": "default", "use-upnp": "default",
        "use-mpls": "default", "use-compression": "default", "use-encryption": "default",
        "on-up": "", "on-down": "", "comment": None,
    },
    read_only={"default": "false"},
    commands=LIST_COMMANDS - {"enable", "disable"},
    required=("name",),
    unique=("name",),
    duplicate="failure: profile with the same name already exists",
)  # fmt: skip

PPP_ACTIVE = Menu(
    "/ppp/active",
    read_only={
        "name": "", "service": "pppoe", "caller-id": "", "address": "", "uptime": "0s",
        "encoding": "", "session-id": "", "limit-bytes-in": "0", "limit-bytes-out": "0",
        "radius": "false",
    },
    commands=SESSION_COMMANDS,
)  # fmt: skip

HOTSPOT_USER = Menu(
    "/ip/hotspot/user",
    fields={
        "server": "all", "name": None, "password": None, "address": None, "mac-address": None,
        "profile": "default", "routes": None, "email": None, "limit-uptime": None,
        "limit-bytes-in": None, "limit-bytes-out": None, "limit-bytes-total": None,
        "comment": None, "disabled": "false",
    },
    read_only={
        "uptime": "0s", "bytes-in": "0", "bytes-out": "0", "packets-in": "0", "packets-out": "0",
        "dynamic": "false",
    },
    required=("name",),
    unique=("name",),
    duplicate="failure: already have user with this name",
    references={"profile": "/ip/hotspot/user/profile"},
)  # fmt: skip

HOTSPOT_USER_PROFILE = Menu(
    "/ip/hotspot/user/profile",
    fields={
        "name": None, "address-pool": "none", "idle-timeout": "none", "keepalive-timeout": "2m",
        "status-autorefresh": "1m", "shared-users": "1", "rate-limit": None,
        "session-timeout": None, "mac-cookie-timeout": "3d", "address-list": None,
        "incoming-filter": None, "outgoing-filter": None, "parent-queue": None,
        "on-login": None, "on-logout": None, "transparent-proxy": "false",
        "add-mac-cookie": "true", "open-status-page": "always",
    },
    read_only={"default": "false"},
    commands=LIST_COMMANDS - {"enable", "disable"},
    required=("name",),
    unique=("name",),
    duplicate="failure: profile with the same name already exists",
)  # fmt: skip

HOTSPOT_ACTIVE = Menu(
    "/ip/hotspot/active",
    read_only={
        "server": "hotspot1", "user": "", "address": "", "mac-address": "",
        "login-by": "http-chap", "uptime": "0s", "idle-time": "0s", "bytes-in": "0",
        "bytes-out": "0", "packets-in": "0", "packets-out": "0", "radius": "false",
    },
    commands=SESSION_COMMANDS,
    key="user",
)  # fmt: skip

QUEUE_SIMPLE = Menu(
    "/queue/simple",
    fields={
        "name": None, "target": None, "parent": "none", "packet-marks": "", "priority": "8/8",
        "queue": "default-small/default-small", "limit-at": "0/0", "max-limit": "0/0",
        "burst-limit": "0/0", "burst-threshold": "0/0", "burst-time": "0s/0s",
        "bucket-size": "0.1/0.1", "comment": None, "disabled": "false",
    },
    read_only={"invalid": "false", "dynamic": "false"},
    required=("target",),
    unique=("name",),
    duplicate="failure: queue with the same name already exists",
    auto_name="queue",
)  # fmt: skip

ADDRESS_LIST = Menu(
    "/ip/firewall/address-list",
    fields={"list": None, "address": None, "timeout": None, "comment": None, "disabled": "false"},
    read_only={"creation-time": "", "dynamic": "false"},
    required=("list", "address"),
    key=None,
    unique=("list", "address"),
    duplicate="failure: already have such entry",
)

SYSTEM_RESOURCE = Menu(
    "/system/resource",
    read_only=dict.fromkeys(
        [
            "uptime", "version", "build-time", "factory-software", "free-memory", "total-memory",
            "cpu", "cpu-count", "cpu-frequency", "cpu-load", "free-hdd-space", "total-hdd-space",
            "architecture-name", "board-name", "platform",
        ],
        "",
    ),
    commands=frozenset({"print", "getall"}),
    key=None,
    singleton=True,
)  # fmt: skip

SYSTEM_IDENTITY = Menu(
    "/system/identity",
    fields={"name": "MikroTik"},
    commands=frozenset({"print", "getall", "set"}),
    key=None,
    singleton=True,
)

MENUS: dict[str, Menu] = {
    menu.path: menu
    for menu in (
        PPP_SECRET, PPP_PROFILE, PPP_ACTIVE, HOTSPOT_USER, HOTSPOT_USER_PROFILE, HOTSPOT_ACTIVE,
        QUEUE_SIMPLE, ADDRESS_LIST, SYSTEM_RESOURCE, SYSTEM_IDENTITY,
    )
}  # fmt: skip
SESSION_MENUS = (PPP_ACTIVE.path, HOTSPOT_ACTIVE.path)

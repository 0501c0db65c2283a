"""Whether a tenant's commands may write now: every interface asks before it runs one."""

from enum import StrEnum


class TenantWrites(StrEnum):
    OPEN = "open"
    LOCKED = "locked"  # soft-locked by the platform (an unpaid plan): reads only
    MOVING = "moving"  # frozen for a few seconds while its data moves: reads only, retry shortly

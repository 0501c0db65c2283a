"""The routers area: MikroTik routers and provisioning onto them.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from domain.routers.provisioning import HotspotUser, tag_of

__all__ = ["HotspotUser", "tag_of"]

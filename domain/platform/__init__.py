"""The platform area: tenants, their settings and API keys.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

from domain.platform.custom_roles import CustomRole
from domain.platform.tenant import IsolirPolicy

__all__ = ["CustomRole", "IsolirPolicy"]

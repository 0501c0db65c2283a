"""The identity area: people who sign in (their accounts, memberships of tenants and sessions),
and each business's team and invitations.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

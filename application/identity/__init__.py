"""The identity area: accounts, sign-in, sessions, the links sent by e-mail, and teams.

This package root is the area's public module: the names below are what other areas may use.
Everything else in the package is the area's own (import-linter checks it, see pyproject.toml)."""

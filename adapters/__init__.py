"""Adapters: PostgreSQL, Redis/dramatiq, embedded PostgreSQL, and the wiring of them all."""

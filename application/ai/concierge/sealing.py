"""A conversation's texts sealed with the customer's own personal-data key: what the customer
wrote, each reply, the context the model was given. Forgetting the customer destroys that key,
so the conversation reads back as forgotten with the rest of their data."""

from __future__ import annotations

from uuid import UUID

from application.shared.event_store import EventStore


def seal(store: EventStore, customer_id: UUID, text: str) -> str:
    return store.niaga_mapper.personal_data.encrypt(customer_id, text)


def unseal(store: EventStore, customer_id: UUID, sealed: str) -> str:
    """The text, or `[forgotten]` once the customer's key is destroyed."""
    return str(store.niaga_mapper.personal_data.decrypt(customer_id, sealed))

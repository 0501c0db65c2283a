"""A ticket's texts sealed with the customer's own personal-data key: forgetting the customer
destroys that key, and the ticket's subject, description, notes and replies read back as
`[forgotten]` with the rest of their data."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from application.shared.event_store import EventStore


def seal(store: EventStore, customer_id: UUID, text: str) -> str:
    return store.niaga_mapper.personal_data.encrypt(customer_id, text)


def unseal(store: EventStore, customer_id: UUID, sealed: str) -> str:
    """The text, or `[forgotten]` once the customer's key is destroyed."""
    return str(store.niaga_mapper.personal_data.decrypt(customer_id, sealed))


def prefetch(store: EventStore, customers: Iterable[UUID]) -> None:
    """Load the keys of a page's customers in one round trip."""
    store.niaga_mapper.personal_data.prefetch(customers)

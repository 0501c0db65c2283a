"""Claims an e-mail address for one person on the whole platform, so it signs in one account.

The claim's id is derived from the address with a keyed hash (the key comes from settings, not
from the database): the address itself is never stored here, and nobody who reads the event log
without the key can test candidate addresses against the ids. Two registrations racing for one
address collide on the id in the event store, and only one is recorded."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event


class EmailClaim(Aggregate):
    class Claimed(Aggregate.Created):
        person_id: UUID

    @classmethod
    def claim(cls, claim_id: UUID, person_id: UUID) -> EmailClaim:
        return cls(id=claim_id, person_id=person_id)

    @event(Claimed)
    def __init__(self, id: UUID, person_id: UUID) -> None:
        self.person_id = person_id

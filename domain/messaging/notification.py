"""A request to tell a customer something (a reminder, a notice): made once, sent by a channel
adapter later. It holds no personal data: the message is rendered when it is sent. A request
without a customer is meant for the tenant's own staff (e.g. a webhook endpoint was disabled)."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event


class NotificationRequest(Aggregate):
    class Requested(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID | None
        template: str
        variables: dict[str, str]
        subject_id: UUID  # what it is about, e.g. the invoice

    @staticmethod
    def id_for(subject_id: UUID, reason: str) -> UUID:
        """One request per subject and reason: asking twice finds the first."""
        return uuid5(subject_id, f"notification:{reason}")

    @classmethod
    def request(
        cls,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        subject_id: UUID,
        reason: str,
    ) -> NotificationRequest:
        return cls._create(
            cls.Requested,
            id=cls.id_for(subject_id, reason),
            tenant_id=tenant_id,
            customer_id=customer_id,
            template=template,
            variables=variables,
            subject_id=subject_id,
        )

    @event(Requested)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID | None,
        template: str,
        variables: dict[str, str],
        subject_id: UUID,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.template = template
        self.variables = variables
        self.subject_id = subject_id

"""Projects: the software an agency builds for a client, paid in instalments (termin).

A project names its client (a customer), optionally the quotation it was sold on, and its
milestones: a title, an amount in whole rupiah and an optional due date. A milestone may be
changed or removed until it is reached; reaching it invoices it, once. The invoice's id derives
from the project's and the milestone's, so a second invoicing collides in the event store even
when two race.

active -> completed (every milestone reached), or cancelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from domain.shared.errors import DomainError, InvalidValue
from domain.shared.text import check_line, check_text

MAX_NAME = 120
MAX_DESCRIPTION = 4_000
MAX_TITLE = 200
MAX_URL = 2_000
MAX_REASON = 300
MAX_MILESTONES = 50
MAX_MEMBERS = 50
# The milestones together, before PPN: with PPN at most Rp1.998.000.000, so every amount a
# project shows fits GraphQL's 32-bit integers.
MAX_PROJECT_AMOUNT = 1_800_000_000


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProjectRefused(DomainError):
    code = "PROJECT_REFUSED"


class MilestoneAlreadyInvoiced(ProjectRefused):
    code = "MILESTONE_ALREADY_INVOICED"


@dataclass(frozen=True)
class ProjectDetails:
    name: str
    description: str
    staging_url: str | None


@dataclass(frozen=True)
class MilestoneTerms:
    title: str
    amount: int
    due_on: date | None


@dataclass
class Milestone:
    id: UUID
    title: str
    amount: int
    due_on: date | None
    invoice_number: str | None = None

    @property
    def reached(self) -> bool:
        return self.invoice_number is not None


def project_details(name: str, description: str | None, staging_url: str | None) -> ProjectDetails:
    """A project's name (one line), description and staging URL, checked."""
    checked = check_line((name or "").strip(), "name", max_length=MAX_NAME)
    if not checked:
        raise InvalidValue("name must not be empty", field="name")
    text = check_text((description or "").strip(), "description", max_length=MAX_DESCRIPTION)
    return ProjectDetails(checked, text, _staging_url(staging_url))


def milestone_terms(title: str, amount: int, due_on: date | None) -> MilestoneTerms:
    checked = check_line((title or "").strip(), "title", max_length=MAX_TITLE)
    if not checked:
        raise InvalidValue("title must not be empty", field="title")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidValue("amount must be whole rupiah", field="amount")
    if not 1 <= amount <= MAX_PROJECT_AMOUNT:
        raise InvalidValue(
            f"amount must be above zero and at most {MAX_PROJECT_AMOUNT:,}".replace(",", "."),
            field="amount",
        )
    return MilestoneTerms(checked, amount, due_on)


def _staging_url(raw: str | None) -> str | None:
    """An absolute http(s) URL without credentials, or None."""
    url = (raw or "").strip()
    if not url:
        return None
    check_line(url, "staging_url", max_length=MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or " " in url:
        raise InvalidValue("staging_url must be an http(s) URL", field="staging_url")
    if parts.username or parts.password:
        raise InvalidValue(
            "staging_url must not carry a user name or password", field="staging_url"
        )
    return url


class Project(Aggregate):
    class Created(Aggregate.Created):
        tenant_id: UUID
        customer_id: UUID
        quotation_id: UUID | None
        name: str
        description: str
        staging_url: str | None

    class DetailsChanged(Aggregate.Event):
        name: str
        description: str
        staging_url: str | None

    class MilestoneAdded(Aggregate.Event):
        milestone_id: UUID
        title: str
        amount: int
        due_on: date | None

    class MilestoneChanged(Aggregate.Event):
        milestone_id: UUID
        title: str
        amount: int
        due_on: date | None

    class MilestoneRemoved(Aggregate.Event):
        milestone_id: UUID

    class MilestoneReached(Aggregate.Event):
        milestone_id: UUID
        amount: int
        on: date
        invoice_id: UUID
        invoice_number: str

    class MembersAssigned(Aggregate.Event):
        person_ids: list[UUID]

    class Completed(Aggregate.Event):
        on: date

    class Cancelled(Aggregate.Event):
        on: date
        reason: str

    @staticmethod
    def invoice_id_for(project_id: UUID, milestone_id: UUID) -> UUID:
        """The one invoice a milestone may become."""
        return uuid5(project_id, f"milestone-invoice:{milestone_id}")

    @classmethod
    def create(
        cls,
        tenant_id: UUID,
        customer_id: UUID,
        details: ProjectDetails,
        quotation_id: UUID | None = None,
    ) -> Project:
        return cls._create(
            cls.Created,
            id=uuid4(),
            tenant_id=tenant_id,
            customer_id=customer_id,
            quotation_id=quotation_id,
            name=details.name,
            description=details.description,
            staging_url=details.staging_url,
        )

    @event(Created)
    def __init__(
        self,
        tenant_id: UUID,
        customer_id: UUID,
        quotation_id: UUID | None,
        name: str,
        description: str,
        staging_url: str | None,
    ) -> None:
        self.tenant_id = tenant_id
        self.customer_id = customer_id
        self.quotation_id = quotation_id
        self.name = name
        self.details = ProjectDetails(name, description, staging_url)
        self.milestones: dict[UUID, Milestone] = {}
        self.member_ids: list[UUID] = []
        self.status = ProjectStatus.ACTIVE

    # -- details and team -------------------------------------------------------------------

    def change_details(self, details: ProjectDetails) -> None:
        """Changing nothing records nothing."""
        self._refuse_unless_active("changed")
        if details != self.details:
            self._details_changed(
                name=details.name,
                description=details.description,
                staging_url=details.staging_url,
            )

    @event(DetailsChanged)
    def _details_changed(self, name: str, description: str, staging_url: str | None) -> None:
        self.name = name
        self.details = ProjectDetails(name, description, staging_url)

    def assign_members(self, person_ids: list[UUID]) -> None:
        """The project's team, replacing the one before (in the order given, each once)."""
        self._refuse_unless_active("changed")
        unique = list(dict.fromkeys(person_ids))
        if len(unique) > MAX_MEMBERS:
            raise InvalidValue(f"at most {MAX_MEMBERS} members", field="person_ids")
        if unique != self.member_ids:
            self._members_assigned(person_ids=unique)

    @event(MembersAssigned)
    def _members_assigned(self, person_ids: list[UUID]) -> None:
        self.member_ids = list(person_ids)

    # -- milestones -------------------------------------------------------------------------

    def add_milestone(self, terms: MilestoneTerms) -> UUID:
        self._refuse_unless_active("changed")
        if len(self.milestones) >= MAX_MILESTONES:
            raise InvalidValue(f"a project has at most {MAX_MILESTONES} milestones", field="id")
        self._check_total(terms.amount)
        milestone_id = uuid4()
        self._milestone_added(
            milestone_id=milestone_id,
            title=terms.title,
            amount=terms.amount,
            due_on=terms.due_on,
        )
        return milestone_id

    @event(MilestoneAdded)
    def _milestone_added(
        self, milestone_id: UUID, title: str, amount: int, due_on: date | None
    ) -> None:
        self.milestones[milestone_id] = Milestone(milestone_id, title, amount, due_on)

    def change_milestone(self, milestone_id: UUID, terms: MilestoneTerms) -> None:
        """Only while it is not reached; changing nothing records nothing."""
        milestone = self._open_milestone(milestone_id, "changed")
        if (milestone.title, milestone.amount, milestone.due_on) == (
            terms.title,
            terms.amount,
            terms.due_on,
        ):
            return
        self._check_total(terms.amount - milestone.amount)
        self._milestone_changed(
            milestone_id=milestone_id,
            title=terms.title,
            amount=terms.amount,
            due_on=terms.due_on,
        )

    @event(MilestoneChanged)
    def _milestone_changed(
        self, milestone_id: UUID, title: str, amount: int, due_on: date | None
    ) -> None:
        milestone = self.milestones[milestone_id]
        milestone.title, milestone.amount, milestone.due_on = title, amount, due_on

    def remove_milestone(self, milestone_id: UUID) -> None:
        self._open_milestone(milestone_id, "removed")
        self._milestone_removed(milestone_id=milestone_id)

    @event(MilestoneRemoved)
    def _milestone_removed(self, milestone_id: UUID) -> None:
        del self.milestones[milestone_id]

    def milestone(self, milestone_id: UUID) -> Milestone:
        found = self.milestones.get(milestone_id)
        if found is None:
            raise InvalidValue(
                f"project {self.name!r} has no milestone {milestone_id}", field="milestone_id"
            )
        return found

    def reach_milestone(
        self, milestone_id: UUID, invoice_id: UUID, invoice_number: str, on: date
    ) -> None:
        """The milestone is delivered and invoiced: once."""
        milestone = self.milestone(milestone_id)
        if milestone.reached:
            raise MilestoneAlreadyInvoiced(
                f"milestone {milestone.title!r} was already invoiced as {milestone.invoice_number}",
                field="milestone_id",
            )
        self._refuse_unless_active("invoiced")
        self._milestone_reached(
            milestone_id=milestone_id,
            amount=milestone.amount,
            on=on,
            invoice_id=invoice_id,
            invoice_number=invoice_number,
        )

    @event(MilestoneReached)
    def _milestone_reached(
        self, milestone_id: UUID, amount: int, on: date, invoice_id: UUID, invoice_number: str
    ) -> None:
        self.milestones[milestone_id].invoice_number = invoice_number

    # -- the end ----------------------------------------------------------------------------

    def complete(self, on: date) -> None:
        """Once every milestone is reached: the rest are reached or removed first."""
        self._refuse_unless_active("completed")
        open_ = [m.title for m in self.milestones.values() if not m.reached]
        if open_:
            raise ProjectRefused(
                f"project {self.name!r} has milestones not reached yet: {', '.join(open_)}",
                field="id",
            )
        self._completed(on=on)

    @event(Completed)
    def _completed(self, on: date) -> None:
        self.status = ProjectStatus.COMPLETED

    def cancel(self, on: date, reason: str | None) -> None:
        """Invoices of milestones already reached stay as they are."""
        self._refuse_unless_active("cancelled")
        why = check_line(" ".join((reason or "").split()), "reason", max_length=MAX_REASON)
        self._cancelled(on=on, reason=why)

    @event(Cancelled)
    def _cancelled(self, on: date, reason: str) -> None:
        self.status = ProjectStatus.CANCELLED

    # -- rules ------------------------------------------------------------------------------

    def _open_milestone(self, milestone_id: UUID, wanted: str) -> Milestone:
        self._refuse_unless_active(wanted)
        milestone = self.milestone(milestone_id)
        if milestone.reached:
            raise ProjectRefused(
                f"milestone {milestone.title!r} was reached (invoice "
                f"{milestone.invoice_number}) and cannot be {wanted}",
                field="milestone_id",
            )
        return milestone

    def _check_total(self, added: int) -> None:
        total = sum(m.amount for m in self.milestones.values()) + added
        if total > MAX_PROJECT_AMOUNT:
            raise InvalidValue(
                f"a project's milestones total at most {MAX_PROJECT_AMOUNT:,}".replace(",", "."),
                field="amount",
            )

    def _refuse_unless_active(self, wanted: str) -> None:
        if self.status is not ProjectStatus.ACTIVE:
            raise ProjectRefused(
                f"project {self.name!r} is {self.status.value} and cannot be {wanted}",
                field="id",
            )

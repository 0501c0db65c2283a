"""Support tickets in GraphQL: the list (filters, search, keyset pages, a total), one ticket
with its timeline, the SLA policy, and the work on a ticket."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.shared.parsing import found, parse_enum, parse_id
from api.graphql.shared.support import NiagaInfo, query, run_command
from api.graphql.support.types import (
    OpenTicketInput,
    SupportSettings,
    SupportSettingsResult,
    SupportSettingsSuccess,
    SupportTargetInput,
    Ticket,
    TicketConnection,
    TicketReplyResult,
    TicketReplySuccess,
    TicketResult,
    TicketSuccess,
)
from application.shared.context import Principal
from application.shared.ports import Page
from application.support.links import LinkIds
from application.support.ports import TicketFilter, TicketView
from application.support.tickets import OpenTicket
from domain.support.policy import Priority, Target
from domain.support.ticket import Category, TicketStatus


@strawberry.type
class SupportQuery:
    @strawberry.field(
        description="Tickets, newest first. `breached`: either SLA clock past its due time now "
        "(false: neither). `search`: the ticket's number or the customer's name."
    )
    async def tickets(
        self,
        info: NiagaInfo,
        status: str | None = None,
        priority: str | None = None,
        category: str | None = None,
        assignee_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        breached: bool | None = None,
        search: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> TicketConnection:
        services, who = info.context.services, info.context.principal

        def tickets() -> Page[TicketView]:
            which = TicketFilter(
                status=_value(TicketStatus, status, "status"),
                priority=_value(Priority, priority, "priority"),
                category=_value(Category, category, "category"),
                assignee_id=_maybe_id(assignee_id, "assigneeId"),
                customer_id=_maybe_id(customer_id, "customerId"),
                breached=breached,
                search=search,
            )
            return services.ticket_queries.tickets(who, which, first, after)

        return TicketConnection.from_page(await query(tickets))

    @strawberry.field(description="One ticket, with its timeline.")
    async def ticket(self, info: NiagaInfo, id: strawberry.ID) -> Ticket:
        services, who = info.context.services, info.context.principal
        view = await query(
            lambda: found(services.ticket_queries.ticket(who, parse_id(id, "id")), "ticket")
        )
        return Ticket.from_view(view)

    @strawberry.field(description="The business hours and targets tickets' SLA is counted in.")
    async def support_settings(self, info: NiagaInfo) -> SupportSettings:
        services, who = info.context.services, info.context.principal
        return SupportSettings.from_view(
            await query(lambda: services.support_settings.settings(who))
        )


@strawberry.type
class SupportMutation:
    @strawberry.mutation(
        description="Open a ticket for a customer; optionally about one of their subscriptions, "
        "invoices, vouchers or repair jobs."
    )
    async def open_ticket(self, info: NiagaInfo, input: OpenTicketInput) -> TicketResult:
        services, who = info.context.services, info.context.principal

        def open_ticket() -> TicketSuccess:
            command = OpenTicket(
                customer_id=parse_id(input.customer_id, "customerId"),
                category=parse_enum(Category, input.category, "category"),
                subject=input.subject,
                description=input.description,
                priority=parse_enum(Priority, input.priority, "priority"),
                links=LinkIds(
                    _maybe_id(input.subscription_id, "subscriptionId"),
                    _maybe_id(input.invoice_id, "invoiceId"),
                    _maybe_id(input.voucher_id, "voucherId"),
                    _maybe_id(input.repair_job_id, "repairJobId"),
                ),
            )
            return _success(info, who, services.tickets.open(who, command))

        return await run_command(open_ticket)

    @strawberry.mutation(description="Give the ticket to one of your active technicians.")
    async def assign_ticket(
        self, info: NiagaInfo, id: strawberry.ID, technician_id: strawberry.ID
    ) -> TicketResult:
        services, who = info.context.services, info.context.principal

        def assign() -> TicketSuccess:
            ticket_id = parse_id(id, "id")
            technician = parse_id(technician_id, "technicianId")
            services.tickets.assign(who, ticket_id, technician)
            return _success(info, who, ticket_id)

        return await run_command(assign)

    @strawberry.mutation(description="An internal note: your staff read it; it is never sent.")
    async def add_ticket_note(self, info: NiagaInfo, id: strawberry.ID, text: str) -> TicketResult:
        services, who = info.context.services, info.context.principal

        def note() -> TicketSuccess:
            ticket_id = parse_id(id, "id")
            services.tickets.add_note(who, ticket_id, text)
            return _success(info, who, ticket_id)

        return await run_command(note)

    @strawberry.mutation(
        description="Answer the customer on WhatsApp, and by e-mail where they have an address. "
        "A resolved ticket opens again; a closed one is refused (TICKET_CLOSED)."
    )
    async def reply_to_ticket(
        self, info: NiagaInfo, id: strawberry.ID, text: str
    ) -> TicketReplyResult:
        services, who = info.context.services, info.context.principal

        def reply() -> TicketReplySuccess:
            ticket_id = parse_id(id, "id")
            sent = services.tickets.reply(who, ticket_id, text)
            return TicketReplySuccess(
                ticket=_success(info, who, ticket_id).ticket,
                whatsapp_message_id=strawberry.ID(str(sent.whatsapp_message_id)),
                email_id=strawberry.ID(str(sent.email_id)) if sent.email_id else None,
            )

        return await run_command(reply)

    @strawberry.mutation(
        description="open, pending (waiting on the customer), resolved or closed; a resolved "
        "ticket may be opened again, a closed one is final."
    )
    async def change_ticket_status(
        self, info: NiagaInfo, id: strawberry.ID, status: str
    ) -> TicketResult:
        services, who = info.context.services, info.context.principal

        def change() -> TicketSuccess:
            ticket_id = parse_id(id, "id")
            services.tickets.change_status(
                who, ticket_id, parse_enum(TicketStatus, status, "status")
            )
            return _success(info, who, ticket_id)

        return await run_command(change)

    @strawberry.mutation(description="The due times follow the new priority's targets.")
    async def change_ticket_priority(
        self, info: NiagaInfo, id: strawberry.ID, priority: str
    ) -> TicketResult:
        services, who = info.context.services, info.context.principal

        def change() -> TicketSuccess:
            ticket_id = parse_id(id, "id")
            chosen = parse_enum(Priority, priority, "priority")
            services.tickets.change_priority(who, ticket_id, chosen)
            return _success(info, who, ticket_id)

        return await run_command(change)

    @strawberry.mutation(
        description="The days (ISO weekdays, Monday 1) and local times (HH:MM, in your time "
        "zone) your support answers; the SLA of tickets opened from now on counts in them."
    )
    async def set_support_hours(
        self, info: NiagaInfo, days: list[int], opens: str, closes: str
    ) -> SupportSettingsResult:
        services, who = info.context.services, info.context.principal

        def set_hours() -> SupportSettingsSuccess:
            view = services.support_settings.set_hours(who, days, opens, closes)
            return SupportSettingsSuccess(settings=SupportSettings.from_view(view))

        return await run_command(set_hours)

    @strawberry.mutation(
        description="Business minutes to the first response and to resolution, per priority "
        "(the priorities left out keep theirs)."
    )
    async def set_support_targets(
        self, info: NiagaInfo, targets: list[SupportTargetInput]
    ) -> SupportSettingsResult:
        services, who = info.context.services, info.context.principal

        def set_targets() -> SupportSettingsSuccess:
            chosen = {
                parse_enum(Priority, t.priority, "priority"): Target(
                    t.first_response_minutes, t.resolution_minutes
                )
                for t in targets
            }
            view = services.support_settings.set_targets(who, chosen)
            return SupportSettingsSuccess(settings=SupportSettings.from_view(view))

        return await run_command(set_targets)


def _success(info: NiagaInfo, who: Principal, ticket_id: UUID) -> TicketSuccess:
    """The ticket as the read model now shows it."""
    view = found(info.context.services.ticket_queries.ticket(who, ticket_id), "ticket")
    return TicketSuccess(ticket=Ticket.from_view(view))


def _value(
    kind: type[TicketStatus] | type[Priority] | type[Category], raw: str | None, field: str
) -> str | None:
    return parse_enum(kind, raw, field).value if raw is not None else None


def _maybe_id(raw: strawberry.ID | None, field: str) -> UUID | None:
    return parse_id(raw, field) if raw is not None else None
